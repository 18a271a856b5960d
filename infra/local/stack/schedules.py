"""Schedules, locally: each `Schedule` (EventBridge rule) or `ScheduleV2` (EventBridge Scheduler) event of
a function fires at its rate with the event EventBridge sends (or the template's Input).

EventBridge invokes asynchronously: a firing that finds the function at its concurrency limit (its
ReservedConcurrentExecutions, or --max-instances here) is retried by Lambda until it runs, so here it
waits for an instance. To keep a fast demo rate bounded, one firing per schedule waits at most: a firing
due while the previous one still waits for an instance is skipped (and counted). rate() only: cron() and
at() are not fired on their times (--schedule-every fires them too, infra/local/invoke by hand)."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from typing import Optional

from .events import scheduled_event
from .lambda_runtime import FunctionPool
from .template import ScheduleTrigger, TemplateError

LOG = logging.getLogger("stack.access")  # one line per firing, like the access log (--quiet hides both)
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> Optional[int]:
    """Seconds between firings of a rate() expression; None for cron() and at(). Refuses what EventBridge
    refuses, `rate(1 minutes)` and `rate(5 minute)` included."""
    found = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression.strip())
    if found:
        value, unit = int(found.group(1)), found.group(2)
        if value < 1 or (value == 1) == unit.endswith("s"):
            raise TemplateError(f"{expression} is not a valid rate: a value of 1 takes the singular unit "
                                f"(rate(1 minute)), more than 1 the plural (rate(5 minutes))")
        return value * UNIT_SECONDS[unit.rstrip("s")]
    if re.fullmatch(r"(cron|at)\(.+\)", expression.strip()):
        return None
    raise TemplateError(f"{expression!r} is not a schedule expression: rate(N unit), cron(...) or at(...)")


class ScheduleSource:
    def __init__(self, pool: FunctionPool, trigger: ScheduleTrigger, every_s: Optional[float] = None):
        """`every_s` (--schedule-every) replaces the expression's own rate, for demos."""
        self.pool = pool
        self.trigger = trigger
        self.where = f"{pool.function.logical_id}.{trigger.event_name}"
        rate = rate_seconds(trigger.expression)
        self.period_s: Optional[float] = every_s or rate
        self.fired = 0
        self.skipped = 0
        self.last: Optional[dict] = None
        self.next_at: Optional[float] = None
        self.running = False
        self._waiting = False
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def event(self) -> bytes:
        """What the schedule sends: its Input as it is, else the Scheduled Event."""
        if self.trigger.input is not None:
            return self.trigger.input.encode()
        return json.dumps(scheduled_event(self.trigger.arn, scheduler=self.trigger.kind == "ScheduleV2")).encode()

    def start(self) -> "ScheduleSource":
        if self.trigger.enabled and self.period_s:
            self.running = True
            threading.Thread(target=self._run, name=f"{self.where}-schedule", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()

    def _run(self) -> None:
        # like a new EventBridge rate schedule: the first firing one period after it is created
        self.next_at = time.time() + self.period_s
        while not self._stopping.wait(max(0.0, self.next_at - time.time())):
            self.fire()
            self.next_at += self.period_s

    def fire(self) -> None:
        with self._lock:
            if self._waiting:
                self.skipped += 1
                LOG.info("%s %s: skipped, the previous firing still waits for the function (concurrency %d)",
                         self.where, self.trigger.expression, self.pool.max_instances)
                return
            self._waiting = True
            self.fired += 1
        threading.Thread(target=self._invoke, name=f"{self.where}-firing", daemon=True).start()

    def _invoke(self) -> None:
        def started():
            with self._lock:
                self._waiting = False

        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        try:
            outcome, invocation = self.pool.invoke(self.event(), on_start=started)
        except RuntimeError:  # the stack is stopping
            return
        result = "ok" if outcome.ok else f"{outcome.error_type}: {outcome.error_message}"
        with self._lock:
            self.last = {"at": at, "request_id": invocation.request_id, "outcome": result}
        LOG.info("%s %s %s: %s", self.where, self.trigger.expression, invocation.request_id, result)

    def describe(self) -> dict:
        with self._lock:
            answer = {"type": self.trigger.kind, "event": self.trigger.event_name,
                      "expression": self.trigger.expression, "arn": self.trigger.arn,
                      "enabled": self.trigger.enabled, "triggered_locally": self.running,
                      "every_s": self.period_s, "fired": self.fired, "skipped": self.skipped, "last": self.last}
        if self.running and self.next_at:
            answer["next_in_s"] = round(max(0.0, self.next_at - time.time()), 1)
        return answer
