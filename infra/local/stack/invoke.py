"""infra/local/invoke: one synchronous invocation through the running stack's
POST /_local/functions/{LogicalId}/invocations (standard library only)."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="infra/local/invoke",
        description="Invokes a function of the running local stack (infra/local/up) and prints its answer. "
                    "Exit status 1 when the function failed, 2 when it could not be invoked.")
    parser.add_argument("function", metavar="LogicalId", help="the function's logical id in the template")
    parser.add_argument("event", nargs="?", help="a file with the JSON event, or - for stdin; without it, a "
                                                 "scheduled function gets its schedule's event, any other {}")
    parser.add_argument("--url", default="http://127.0.0.1:8080",
                        help="the stack's functions URL, as infra/local/up prints it (default http://127.0.0.1:8080)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    event = b""
    if args.event == "-":
        event = sys.stdin.buffer.read()
    elif args.event:
        try:
            event = Path(args.event).read_bytes()
        except OSError as e:
            return _fail(f"cannot read {args.event}: {e.strerror}")
    if event.strip():
        try:
            json.loads(event)
        except ValueError as e:
            return _fail(f"the event is not JSON ({e}); Lambda takes a JSON event")
    url = f"{args.url.rstrip('/')}/_local/functions/{quote(args.function, safe='')}/invocations"
    request = urllib.request.Request(url, data=event, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as answer:
            payload, function_error = answer.read(), answer.headers.get("X-Amz-Function-Error")
    except urllib.error.HTTPError as e:
        return _fail(_message(e.read()) or f"HTTP {e.code}")
    except urllib.error.URLError as e:
        return _fail(f"no local stack answers at {args.url} ({e.reason}); start infra/local/up, or pass --url")
    sys.stdout.write(payload.decode("utf-8", errors="replace") + "\n")
    if function_error:
        print(f"infra/local/invoke: {args.function} failed ({function_error})", file=sys.stderr)
        return 1
    return 0


def _message(body: bytes) -> str:
    try:
        return str(json.loads(body).get("message", ""))
    except (ValueError, AttributeError):
        return body.decode("utf-8", errors="replace")


def _fail(message: str) -> int:
    print(f"infra/local/invoke: {message}", file=sys.stderr)
    return 2
