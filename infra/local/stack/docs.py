"""The local stack's /docs page: Swagger UI (npm swagger-ui-dist, pinned in infra/docs/package-lock.json) over
openapi.yaml, whose servers are replaced by the stack's own URL so that "Try it out" calls the functions it
serves (same origin: no CORS)."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
from pathlib import Path
from typing import Optional

import yaml

PREFIX = "/docs"
# The files of swagger-ui-dist the page loads; nothing else of node_modules is served.
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
LOG = logging.getLogger("stack")


class DocsSite:
    def __init__(self, openapi: Path, page: Path, dist: Optional[Path], unavailable: Optional[str] = None):
        """`dist` is swagger-ui-dist's folder, or None with the reason the page cannot be served."""
        self.openapi = openapi
        self.page = page
        self.dist = dist
        self.unavailable = unavailable

    @staticmethod
    def owns(path: str) -> bool:
        return path == PREFIX or path.startswith(PREFIX + "/")

    def serve(self, method: str, path: str, host: Optional[str], port: int) -> tuple[int, list[tuple[str, str]], bytes]:
        if method not in ("GET", "HEAD"):
            return _text(405, "the docs page is read with GET")
        name = path[len(PREFIX):].lstrip("/")
        if name in ("", "index.html"):
            if self.dist is None:
                return _text(503, f"Swagger UI is not installed: {self.unavailable}")
            return 200, [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")], self.page.read_bytes()
        if name == "openapi.json":
            return 200, [("Content-Type", "application/json"), ("Cache-Control", "no-store")], self.document(host, port)
        if name in ASSETS and self.dist is not None:
            return 200, [("Content-Type", ASSETS[name])], (self.dist / name).read_bytes()
        return _text(404, f"no {path}; the page is {PREFIX}")

    def document(self, host: Optional[str], port: int) -> bytes:
        """openapi.yaml as JSON, its servers the stack itself, as the browser reached it."""
        doc = yaml.safe_load(self.openapi.read_text(encoding="utf-8"))
        reached = host if host and re.fullmatch(r"(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+", host) else f"127.0.0.1:{port}"
        doc["servers"] = [{"url": f"http://{reached}", "description": "This local stack (infra/local/up)"}]
        return json.dumps(doc).encode()


def _text(status: int, message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "text/plain; charset=utf-8")], (message + "\n").encode()


def prepare(repo: Path) -> DocsSite:
    """The docs site, after `npm ci` in infra/docs when its node_modules is missing or older than the lock file
    (only the page's own dependencies: `--omit=dev`). Without npm the page says so; the stack runs anyway."""
    folder = repo / "infra/docs"
    dist = folder / "node_modules/swagger-ui-dist"
    installed = folder / "node_modules/.package-lock.json"
    lock = folder / "package-lock.json"
    site = lambda found, why=None: DocsSite(repo / "openapi.yaml", folder / "index.html", found, why)  # noqa: E731
    if dist.is_dir() and installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return site(dist)
    npm = shutil.which("npm")
    if not npm:
        return site(None, "npm is not on PATH; install Node.js and run `npm ci` in infra/docs")
    LOG.info("installing Swagger UI for /docs: npm ci --omit=dev in %s", folder)
    done = subprocess.run([npm, "ci", "--omit=dev", "--no-audit", "--no-fund"], cwd=folder, capture_output=True, text=True)
    if done.returncode != 0 or not dist.is_dir():
        LOG.warning("npm ci in infra/docs failed; /docs is not served:\n%s", (done.stderr or done.stdout)[-2000:])
        return site(None, "`npm ci` in infra/docs failed (see the stack's console)")
    return site(dist)
