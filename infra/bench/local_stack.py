"""What the benchmarks under infra/bench/ share: the local stack (infra/local/up) on free ports, started
and stopped by the bench, and the figures they print."""

import http.client
import signal
import socket
import subprocess
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]


class Stack:
    """infra/local/up on free ports, its own work dir, quiet; stopped with SIGTERM like Ctrl-C."""

    def __init__(self, name: str = "bench", max_instances: int = 1, parameters: Optional[dict] = None,
                 extra_args: tuple = (), env: Optional[dict] = None):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.work = REPO / ".local-stack" / name
        self.log = REPO / ".local-stack" / f"{name}-up.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(REPO / "infra/local/up"), "--port", str(port), "--quiet", "--work-dir", str(self.work),
             "--max-instances", str(max_instances), *extra_args,
             *[a for k, v in (parameters or {}).items() for a in ("--parameter", f"{k}={v}")]],
            stdout=subprocess.PIPE, stderr=open(self.log, "w"), text=True, env=env)
        self.urls = {}
        for line in self.process.stdout:
            if line.strip() == "ready":
                return
            name_, _, url = line.strip().partition(" ")
            self.urls[name_] = url
        raise SystemExit(f"infra/local/up stopped before it was ready; see {self.log}")

    def function_log(self, logical_id: str) -> Path:
        return self.work / "logs" / f"{logical_id}.log"

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(60)


class Http:
    """One kept-alive connection, like a studio tool (or FPTR's delivery service) calling the API in a loop."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)

    def call(self, method: str, path: str, body: bytes = None, headers: Optional[dict] = None) -> tuple[int, dict, bytes]:
        sent = {"Content-Type": "application/json"} if body is not None else {}
        sent.update(headers or {})
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        return response.status, dict(response.headers), response.read()


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))]


def java_version() -> str:
    out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return out[0].replace('"', "") if out else "java ?"
