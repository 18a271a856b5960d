"""Runs functions the way Lambda does: each instance is a process (AWS's runtime interface client with
the function's code) that pulls invocations from its own Lambda Runtime API served here, and stays warm
between invocations. An instance runs one invocation at a time; a function has up to `max_instances`
of them, started on demand (the first call of each is its cold start)."""

from __future__ import annotations

import json
import logging
import queue
import re
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Optional

from .children import Child
from .http_util import read_body
from .template import ACCOUNT_ID, REGION, Function

LOG = logging.getLogger("stack")

# How long a new instance may take to ask for its first invocation (Lambda allows 10 s of init; a
# shared 2-core machine running a build next to us needs more).
INIT_TIMEOUT_S = 30.0


@dataclass
class Outcome:
    """What an invocation ended with: the function's response payload, or an error."""
    payload: Optional[bytes] = None
    error_type: Optional[str] = None      # "Unhandled", "Runtime.ExitError", "Sandbox.Timedout"...
    error_message: str = ""

    @property
    def ok(self) -> bool:
        return self.error_type is None


@dataclass
class Invocation:
    event: bytes
    function_arn: str
    timeout_s: int
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    trace_id: str = field(default_factory=lambda: f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};"
                                                  f"Parent={secrets.token_hex(8)};Sampled=0")
    deadline_ms: int = 0
    handed_over: threading.Event = field(default_factory=threading.Event)  # the runtime took it with /next
    finished: threading.Event = field(default_factory=threading.Event)     # an outcome is set
    outcome: Optional[Outcome] = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _callbacks: list[Callable[[], None]] = field(default_factory=list)

    def finish(self, outcome: Outcome) -> bool:
        """Sets the outcome once; later calls (a response racing a timeout) are ignored."""
        with self._lock:
            if self.outcome is not None:
                return False
            self.outcome = outcome
        self.finished.set()
        self.handed_over.set()  # whoever waits for the hand-over need not wait any longer
        for callback in self._callbacks:
            callback()
        return True

    def when_finished(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)


class Instance:
    """One function process and the Runtime API it talks to."""

    def __init__(self, function: Function, command: list[str], env: dict[str, str], cwd: Path,
                 log_dir: Path, echo: bool, number: int):
        self.function = function
        self.number = number
        self.inbox: "queue.Queue[Optional[Invocation]]" = queue.Queue()
        self.current: Optional[Invocation] = None
        self.invocations = 0
        self.cold_start_ms: Optional[float] = None   # process start to first answer
        self.init_ms: Optional[float] = None         # process start to its first /next
        self.retire = False
        self.cpu_vcpus: Optional[float] = None       # the CPU quota it runs under (--cpu-limit), if any
        self.dead = False
        self._stopped = False
        self._lock = threading.Lock()
        self._timer: Optional[threading.Timer] = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _runtime_api_handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name=f"{function.logical_id}-runtime-api",
                         daemon=True).start()
        env = dict(env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{self.server.server_address[1]}")
        self.child = Child(function.logical_id, command, log_dir / f"{function.logical_id}.log",
                           env=env, cwd=cwd, echo=echo)
        self.child.on_exit(self._exited)

    def start(self) -> "Instance":
        self.child.start()
        return self

    @property
    def pid(self) -> int:
        return self.child.pid

    def run(self, invocation: Invocation) -> None:
        """Hands the invocation to the process (it takes it with /next). Returns at once."""
        self.inbox.put(invocation)
        if self.dead:  # died between being picked and now: nobody will take it
            self._fail_pending(Outcome(error_type="Runtime.ExitError", error_message="Runtime exited"))

    # --- called by the Runtime API handlers -----------------------------------------------------------

    def next_invocation(self) -> Optional[Invocation]:
        if self.init_ms is None:
            self.init_ms = (time.monotonic() - self.child.started_at) * 1000
        invocation = self.inbox.get()     # long poll: the process waits here between invocations
        if invocation is None:            # we are stopping
            return None
        invocation.deadline_ms = int(time.time() * 1000) + invocation.timeout_s * 1000
        with self._lock:
            self.current = invocation
            self._timer = threading.Timer(invocation.timeout_s, self._timed_out, (invocation,))
            self._timer.daemon = True
            self._timer.start()
        invocation.handed_over.set()
        return invocation

    def answer(self, request_id: str, outcome: Outcome) -> bool:
        with self._lock:
            invocation = self.current
            if invocation is None or invocation.request_id != request_id:
                return False
            self.current = None
            if self._timer:
                self._timer.cancel()
        self.invocations += 1
        if self.cold_start_ms is None:
            self.cold_start_ms = (time.monotonic() - self.child.started_at) * 1000
            LOG.info("%s cold start: %.0f ms to the first answer (pid %d)", self.function.logical_id,
                     self.cold_start_ms, self.pid)
        invocation.finish(outcome)
        return True

    def init_failed(self, message: str) -> None:
        """The runtime could not load the function: like Lambda, fail the invocation and drop the instance."""
        self.dead = True
        self._fail_pending(Outcome(error_type="Runtime.InitError", error_message=message))
        threading.Thread(target=self.stop, daemon=True).start()

    # --- ends of life ---------------------------------------------------------------------------------

    def _timed_out(self, invocation: Invocation) -> None:
        with self._lock:
            if self.current is not invocation:
                return
        self.dead = True
        LOG.warning("%s %s Task timed out after %d seconds; stopping pid %d", self.function.logical_id,
                    invocation.request_id, invocation.timeout_s, self.pid)
        self._fail_pending(Outcome(error_type="Sandbox.Timedout",
                                   error_message=f"Task timed out after {invocation.timeout_s} seconds"))
        self.stop()

    def _exited(self, status: int) -> None:
        self.dead = True
        self._fail_pending(Outcome(error_type="Runtime.ExitError",
                                   error_message=f"Runtime exited with status {status}"))

    def _fail_pending(self, outcome: Outcome) -> None:
        with self._lock:
            pending = [self.current] if self.current else []
            self.current = None
            if self._timer:
                self._timer.cancel()
        while True:
            try:
                queued = self.inbox.get_nowait()
            except queue.Empty:
                break
            if queued is not None:
                pending.append(queued)
        for invocation in pending:
            invocation.finish(outcome)

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self.dead = True
        self.child.stop(grace=3.0)
        self.inbox.put(None)  # releases a /next handler still waiting
        self.server.shutdown()
        self.server.server_close()


def _runtime_api_handler(instance: Instance):
    class RuntimeApiHandler(BaseHTTPRequestHandler):
        """The Lambda Runtime API (2018-06-01). The RIC's native client crashes on an error answer to
        /next, so /next always answers 200 with every Lambda-Runtime-* header, after a long poll."""
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

        def do_GET(self):
            if self.path != "/2018-06-01/runtime/invocation/next":
                return self._reply(404, {"errorMessage": "Not found", "errorType": "InvalidRequest"})
            invocation = instance.next_invocation()
            if invocation is None:
                self.close_connection = True
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Lambda-Runtime-Aws-Request-Id", invocation.request_id)
            self.send_header("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms))
            self.send_header("Lambda-Runtime-Invoked-Function-Arn", invocation.function_arn)
            self.send_header("Lambda-Runtime-Trace-Id", invocation.trace_id)
            self.send_header("Content-Length", str(len(invocation.event)))
            self.end_headers()
            self.wfile.write(invocation.event)

        def do_POST(self):
            body = read_body(self)
            if self.path == "/2018-06-01/runtime/init/error":
                instance.init_failed(_error_message(body))
                return self._reply(202, {"status": "OK"})
            match = re.fullmatch(r"/2018-06-01/runtime/invocation/([^/]+)/(response|error)", self.path)
            if not match:
                return self._reply(404, {"errorMessage": "Not found", "errorType": "InvalidRequest"})
            request_id, kind = match.groups()
            if kind == "response":
                outcome = Outcome(payload=body)
            else:
                outcome = Outcome(error_type=self.headers.get("Lambda-Runtime-Function-Error-Type") or "Unhandled",
                                  error_message=_error_message(body))
            if not instance.answer(request_id, outcome):
                return self._reply(400, {"errorMessage": f"Invalid request ID: {request_id}",
                                         "errorType": "InvalidRequestID"})
            self._reply(202, {"status": "OK"})

        def _reply(self, status: int, body: dict):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return RuntimeApiHandler


def _error_message(body: bytes) -> str:
    try:
        doc = json.loads(body)
        return f"{doc.get('errorType', '')}: {doc.get('errorMessage', '')}".strip(": ")
    except (ValueError, AttributeError):
        return body.decode("utf-8", errors="replace")[:500]


class _Waiter:
    """A call waiting for an instance; the pool hands it one in arrival order."""

    def __init__(self):
        self.instance: Optional[Instance] = None


class FunctionPool:
    """The instances of one function: reuses a warm idle one, starts a new one while under
    `max_instances`, otherwise queues the call until one is free. Queued calls get instances in the
    order they came (first come, first served): a call never overtakes one that waited longer."""

    def __init__(self, function: Function, start_instance: Callable[[Function, int], Instance], max_instances: int = 1):
        self.function = function
        self.arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function.name}"
        self._start_instance = start_instance
        self.max_instances = max_instances
        self.instances: list[Instance] = []
        self.event_sources: list = []   # its SQS event sources and schedules (describe())
        self._idle: list[Instance] = []
        self._waiters: deque[_Waiter] = deque()
        self._changed = threading.Condition()
        self._started = 0
        self._closed = False

    def invoke(self, event: bytes, answer_within_s: Optional[float] = None,
               on_start: Optional[Callable[[], None]] = None) -> tuple[Optional[Outcome], Invocation]:
        """Runs one invocation and waits for its outcome (the function's own timeout applies), or, when
        `answer_within_s` is given, at most that long after the function took it: then the outcome is
        None and the function carries on, as it does on Lambda when API Gateway stops waiting.
        `on_start` is called once an instance is free for it (the call may wait for one before)."""
        instance = self._acquire()
        if on_start:
            on_start()
        invocation = Invocation(event=event, function_arn=self.arn, timeout_s=self.function.timeout_s)
        invocation.when_finished(lambda: self._release(instance))
        instance.run(invocation)
        if not invocation.handed_over.wait(INIT_TIMEOUT_S):
            instance.dead = True
            invocation.finish(Outcome(error_type="Runtime.InitTimeout",
                                      error_message=f"the runtime did not ask for work within {INIT_TIMEOUT_S:.0f} s"))
            threading.Thread(target=instance.stop, daemon=True).start()
        invocation.finished.wait(answer_within_s)
        return invocation.outcome, invocation

    def _acquire(self) -> Instance:
        with self._changed:
            if self._closed:
                raise RuntimeError("the local stack is stopping")
            waiter = _Waiter()
            self._waiters.append(waiter)
            self._hand_out()
            while waiter.instance is None:
                if self._closed:
                    self._waiters.remove(waiter)
                    raise RuntimeError("the local stack is stopping")
                self._changed.wait()
            return waiter.instance

    def _hand_out(self) -> None:
        """Gives the longest-waiting calls a warm idle instance, or a new one while under max_instances.
        Called with the lock held."""
        while self._waiters:
            instance = None
            while self._idle and instance is None:
                candidate = self._idle.pop()
                instance = None if candidate.dead else candidate
            if instance is None:
                self.instances = [i for i in self.instances if not i.dead]
                if len(self.instances) >= self.max_instances:
                    return
                self._started += 1
                instance = self._start_instance(self.function, self._started)
                self.instances.append(instance)
                instance.start()
            self._waiters.popleft().instance = instance
            self._changed.notify_all()

    def _release(self, instance: Instance) -> None:
        with self._changed:
            if instance.retire and not instance.dead:
                instance.dead = True
                threading.Thread(target=instance.stop, daemon=True).start()
            if not instance.dead:
                self._idle.append(instance)
            self._hand_out()
            self._changed.notify_all()

    def recycle(self) -> int:
        """Stops idle instances now and busy ones after their invocation (like a new deployment)."""
        with self._changed:
            live = [i for i in self.instances if not i.dead]
            idle = [i for i in self._idle if not i.dead]
            self._idle.clear()
            for instance in live:
                instance.retire = True
            for instance in idle:
                instance.dead = True
        for instance in idle:
            instance.stop()
        return len(live)

    def describe(self) -> dict:
        with self._changed:
            instances = [i for i in self.instances if not i.dead]
        return {
            "logical_id": self.function.logical_id,
            "name": self.function.name,
            "handler": self.function.handler_name,
            "memory_mb": self.function.memory_mb,
            "routes": [r.key for r in self.function.routes],
            "events": [source.describe() for source in self.event_sources]
                      + [{"type": kind, "event": name, "triggered_locally": False}
                         for name, kind in self.function.other_events],
            "max_instances": self.max_instances,
            "reserved_concurrency": self.function.reserved_concurrency,
            "instances": [{"pid": i.pid, "busy": i.current is not None, "invocations": i.invocations,
                           "started_at": i.child.started_epoch, "cpu_vcpus": i.cpu_vcpus,
                           "init_ms": _round(i.init_ms), "cold_start_ms": _round(i.cold_start_ms)}
                          for i in instances],
        }

    def close(self) -> None:
        with self._changed:
            self._closed = True
            instances = list(self.instances)
            self._changed.notify_all()
        for instance in instances:
            instance.stop()


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 1)
