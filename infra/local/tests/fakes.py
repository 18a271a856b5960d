"""Fake functions for the tests: instance pools of tests/fake_runtime.py processes, and the log of the
events they were invoked with."""

import json
import sys
import tempfile
import time
import unittest
from pathlib import Path
from typing import Callable, Optional

from stack.lambda_runtime import FunctionPool, Instance
from stack.template import Function

FAKE_RUNTIME = Path(__file__).with_name("fake_runtime.py")


def fake_function(logical_id: str = "FakeFunction", timeout_s: int = 5, **fields) -> Function:
    return Function(logical_id=logical_id, name=f"local-{logical_id}", handler="unused", runtime="provided.al2023",
                    code_uri="unused", memory_mb=128, timeout_s=timeout_s, environment={}, **fields)


def fake_pool(function: Function, work: Path, env: Optional[dict] = None, max_instances: int = 1) -> FunctionPool:
    def start(fn: Function, number: int) -> Instance:
        return Instance(fn, [sys.executable, str(FAKE_RUNTIME)], {"PATH": "/usr/bin:/bin", **(env or {})},
                        cwd=work, log_dir=work / "logs", echo=False, number=number)

    return FunctionPool(function, start, max_instances=max_instances)


class EventLog:
    """$FAKE_EVENT_LOG: one line per invocation, {"pid", "started", "ended", "event"}."""

    def __init__(self, path: Path):
        self.path = path

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line]

    def wait_for(self, predicate: Callable[[list[dict]], bool], timeout: float = 15.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            entries = self.entries()
            if predicate(entries):
                return entries
            if time.monotonic() > deadline:
                raise AssertionError(f"not seen within {timeout} s; the log has: {json.dumps(entries)[:3000]}")
            time.sleep(0.1)


class FakeFunctionTestCase(unittest.TestCase):
    """A work dir and an event log per test; what `pool` and `stop_later` were given is stopped after it."""

    def setUp(self):
        self.work = Path(tempfile.mkdtemp())
        self.log = EventLog(self.work / "events.jsonl")
        self._stoppers: list[Callable[[], None]] = []

    def tearDown(self):
        for stop in reversed(self._stoppers):
            stop()

    def stop_later(self, stop: Callable[[], None]) -> None:
        self._stoppers.append(stop)

    def pool(self, function: Function, env: Optional[dict] = None, max_instances: int = 1) -> FunctionPool:
        pool = fake_pool(function, self.work, env=dict(env or {}, FAKE_EVENT_LOG=str(self.log.path)),
                         max_instances=max_instances)
        self.stop_later(pool.close)
        return pool
