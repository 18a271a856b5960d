"""Lambda's SQS event source mapping, locally: pollers long-poll moto's queue, gather a batch (BatchSize,
MaximumBatchingWindowInSeconds), invoke the function with it and delete what succeeded. Like Lambda it
never changes a message's visibility itself: a message not deleted reappears when its visibility timeout
(the queue's, or whatever the function set with ChangeMessageVisibility) runs out, and moto moves it to
the dead-letter queue once it has been received maxReceiveCount times (the queue's redrive policy)."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from typing import Any, Optional

from .events import sqs_event
from .lambda_runtime import FunctionPool, Outcome
from .template import SqsTrigger, TemplateError

LOG = logging.getLogger("stack.access")  # one line per batch, like the access log (--quiet hides both)
MAX_MESSAGES_PER_RECEIVE = 10              # SQS's own limit per ReceiveMessage
LONG_POLL_S = 20                           # what Lambda's pollers wait for, and SQS's maximum


def messages_to_delete(outcome: Outcome, message_ids: list[str], report_batch_item_failures: bool) -> tuple[list[str], str]:
    """Which messages of a batch Lambda deletes after the invocation, and a few words on why."""
    if not outcome.ok:
        return [], f"function error {outcome.error_type}"
    if not report_batch_item_failures:
        return list(message_ids), "ok"
    try:
        answer = json.loads(outcome.payload) if outcome.payload and outcome.payload.strip() else None
    except ValueError:
        return [], "the answer is not JSON: the whole batch failed"
    # a null or empty answer, or a null or empty list, is complete success
    if answer is None or (isinstance(answer, dict) and answer.get("batchItemFailures") is None):
        return list(message_ids), "ok"
    failures = answer.get("batchItemFailures") if isinstance(answer, dict) else answer
    if not isinstance(failures, list):
        return [], "batchItemFailures is not a list: the whole batch failed"
    failed = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in message_ids:
            return [], f"batchItemFailures names {identifier!r}, no message of the batch: the whole batch failed"
        failed.add(identifier)
    return [i for i in message_ids if i not in failed], f"{len(failed)} reported as failed" if failed else "ok"


class SqsEventSource:
    def __init__(self, pool: FunctionPool, trigger: SqsTrigger, sqs: Any, long_poll_s: int = LONG_POLL_S):
        """`sqs` is a boto3 SQS client. Fails like Lambda's CreateEventSourceMapping when the queue's
        visibility timeout is shorter than the function's timeout."""
        self.pool = pool
        self.trigger = trigger
        self.sqs = sqs
        self.long_poll_s = long_poll_s
        self.where = trigger.where(pool.function.logical_id)
        try:
            self.queue_url = sqs.get_queue_url(QueueName=trigger.queue_arn.rsplit(":", 1)[1])["QueueUrl"]
        except sqs.exceptions.QueueDoesNotExist as e:
            raise TemplateError(f"{self.where}: no queue {trigger.queue_arn}") from e
        visibility = int(sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["VisibilityTimeout"])
                         ["Attributes"]["VisibilityTimeout"])
        if visibility < pool.function.timeout_s:
            raise TemplateError(f"{self.where}: Queue visibility timeout: {visibility} seconds is less than Function "
                                f"timeout: {pool.function.timeout_s} seconds (Lambda refuses this event source)")
        self.pollers = min(pool.max_instances, trigger.max_concurrency or pool.max_instances)
        self.counts = {"batches": 0, "messages": 0, "deleted": 0, "left": 0}
        self.running = False
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._enabled = threading.Event()   # UpdateEventSourceMapping's Enabled, switched at run time

    def set_enabled(self, enabled: bool) -> None:
        """Like `aws lambda update-event-source-mapping --[no-]enabled`: paused, the pollers receive nothing;
        a batch a long poll brings in after the pause is given back to the queue, not invoked."""
        (self._enabled.set if enabled else self._enabled.clear)()

    def start(self) -> "SqsEventSource":
        if self.trigger.enabled:
            self.running = True
            self._enabled.set()
            for number in range(self.pollers):
                threading.Thread(target=self._poll, name=f"{self.where}-poller-{number + 1}", daemon=True).start()
        return self

    def stop(self) -> None:
        """Pollers end after their current receive or invocation; nothing waits for them."""
        self._stopping.set()

    def describe(self) -> dict:
        with self._lock:
            counts = dict(self.counts)
        return {"type": "SQS", "event": self.trigger.event_name, "queue": self.trigger.queue_arn,
                "enabled": self.trigger.enabled and self._enabled.is_set(), "triggered_locally": self.running,
                "batch_size": self.trigger.batch_size,
                "maximum_batching_window_s": self.trigger.batching_window_s,
                "report_batch_item_failures": self.trigger.report_batch_item_failures,
                "pollers": self.pollers if self.running else 0, **counts}

    def _poll(self) -> None:
        while not self._stopping.is_set():
            try:
                if not self._enabled.wait(0.5):
                    continue
                messages = self._receive_batch()
                if messages and not self._enabled.is_set():
                    self._give_back(messages)
                elif messages and not self._stopping.is_set():
                    self._invoke(messages)
            except RuntimeError:        # the pool is closing: the stack is stopping
                return
            except Exception as e:      # moto unreachable or the queue gone: say so, do not spin
                if self._stopping.is_set():
                    return
                LOG.warning("%s: polling %s failed: %s", self.where, self.trigger.queue_arn, e)
                self._stopping.wait(1.0)

    def _receive_batch(self) -> list[dict]:
        """Long-polls until a message comes, then, with a batching window, keeps gathering until the batch
        is full or the window (counted from the first message) is over."""
        batch: list[dict] = []
        window_ends: Optional[float] = None
        while len(batch) < self.trigger.batch_size and not self._stopping.is_set() and self._enabled.is_set():
            if window_ends is None:
                wait = self.long_poll_s
            else:
                left = window_ends - time.monotonic()
                if left <= 0:
                    break
                wait = min(self.long_poll_s, math.ceil(left))
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url, WaitTimeSeconds=wait,
                MaxNumberOfMessages=min(MAX_MESSAGES_PER_RECEIVE, self.trigger.batch_size - len(batch)),
                AttributeNames=["All"], MessageAttributeNames=["All"])
            batch += answer.get("Messages", [])
            if batch and window_ends is None:
                if self.trigger.batching_window_s == 0:
                    break
                window_ends = time.monotonic() + self.trigger.batching_window_s
        return batch

    def _give_back(self, messages: list[dict]) -> None:
        """Visible again at once (a receive that was under way when the source was paused)."""
        entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for n, m in enumerate(messages)]
        self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)

    def _invoke(self, messages: list[dict]) -> None:
        event = json.dumps(sqs_event(messages, self.trigger.queue_arn)).encode()
        outcome, invocation = self.pool.invoke(event)
        ids = [m["MessageId"] for m in messages]
        delete, why = messages_to_delete(outcome, ids, self.trigger.report_batch_item_failures)
        receipts = {m["MessageId"]: m["ReceiptHandle"] for m in messages}
        for start in range(0, len(delete), MAX_MESSAGES_PER_RECEIVE):
            entries = [{"Id": str(n), "ReceiptHandle": receipts[i]} for n, i in enumerate(delete[start:start + 10])]
            answer = self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
            for failure in answer.get("Failed", []):  # an expired receipt: the message was received again
                LOG.warning("%s: could not delete a message (%s)", self.where, failure.get("Message"))
        with self._lock:
            self.counts["batches"] += 1
            self.counts["messages"] += len(ids)
            self.counts["deleted"] += len(delete)
            self.counts["left"] += len(ids) - len(delete)
        left = len(ids) - len(delete)
        LOG.info("%s %s: batch of %d, %d deleted%s (%s)", self.where, invocation.request_id, len(ids), len(delete),
                 f", {left} left to reappear after their visibility timeout" if left else "", why)
