"""The SQS event source: Lambda's event shape, partial batch responses, redelivery after the visibility
timeout, the dead-letter queue; against a real moto_server and fake function processes."""

import json
import time
import unittest
import uuid

from stack.events import sqs_record
from stack.lambda_runtime import Outcome
from stack.sqs_source import SqsEventSource, messages_to_delete
from stack.template import SqsTrigger, TemplateError
from tests.fakes import FakeFunctionTestCase, fake_function
from tests.moto import MotoServer

IDS = ["m1", "m2", "m3"]


def ok(payload) -> Outcome:
    return Outcome(payload=payload if isinstance(payload, bytes) else json.dumps(payload).encode())


class MessagesToDeleteTest(unittest.TestCase):
    def test_without_report_batch_item_failures_success_deletes_all_and_an_error_none(self):
        self.assertEqual(messages_to_delete(ok({"batchItemFailures": [{"itemIdentifier": "m1"}]}), IDS, False)[0], IDS)
        self.assertEqual(messages_to_delete(Outcome(error_type="Unhandled"), IDS, False)[0], [])
        self.assertEqual(messages_to_delete(Outcome(error_type="Sandbox.Timedout"), IDS, True)[0], [])

    def test_reported_failures_are_kept_and_the_rest_deleted(self):
        answer = ok({"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]})
        self.assertEqual(messages_to_delete(answer, IDS, True), (["m2"], "2 reported as failed"))

    def test_empty_or_null_answers_are_complete_success(self):
        for payload in [b"", b"null", b"{}", {"batchItemFailures": None}, {"batchItemFailures": []}]:
            self.assertEqual(messages_to_delete(ok(payload), IDS, True)[0], IDS, payload)

    def test_malformed_answers_fail_the_whole_batch(self):
        for payload in [b"not json", {"batchItemFailures": [{"itemIdentifier": ""}]},
                        {"batchItemFailures": [{"itemIdentifier": None}]}, {"batchItemFailures": [{"itemId": "m1"}]},
                        {"batchItemFailures": [{"itemIdentifier": "elsewhere"}]}, {"batchItemFailures": "m1"},
                        b'"m1"']:
            deleted, why = messages_to_delete(ok(payload), IDS, True)
            self.assertEqual(deleted, [], payload)
            self.assertIn("whole batch", why)


class SqsRecordTest(unittest.TestCase):
    def test_record_has_lambdas_keys_in_lambdas_order(self):
        message = {"MessageId": "059f36b4", "ReceiptHandle": "AQEB", "MD5OfBody": "098f", "Body": "test",
                   "MD5OfMessageAttributes": "3f1c",
                   "Attributes": {"SenderId": "AIDA", "ApproximateFirstReceiveTimestamp": "1545082649185",
                                  "ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183"},
                   "MessageAttributes": {"kind": {"StringValue": "job", "DataType": "String"},
                                         "blob": {"BinaryValue": b"\x00\x01", "DataType": "Binary"}}}
        record = sqs_record(message, "arn:aws:sqs:us-east-2:123456789012:jobs")
        self.assertEqual(list(record), ["messageId", "receiptHandle", "body", "attributes", "messageAttributes",
                                        "md5OfBody", "md5OfMessageAttributes", "eventSource", "eventSourceARN",
                                        "awsRegion"])
        self.assertEqual(list(record["attributes"]), ["ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                                      "ApproximateFirstReceiveTimestamp"])
        self.assertEqual(record["messageAttributes"], {
            "kind": {"stringValue": "job", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
            "blob": {"binaryValue": "AAE=", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"}})
        self.assertEqual((record["eventSource"], record["awsRegion"]), ("aws:sqs", "us-east-2"))


class SqsEventSourceTest(FakeFunctionTestCase):
    """Each test gets its own queue (with a dead-letter queue) and its own fake function."""

    @classmethod
    def setUpClass(cls):
        cls.moto = MotoServer()
        cls.sqs = cls.moto.client("sqs")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def queue(self, visibility_s=1, max_receive_count=3) -> tuple[str, str, str]:
        """(url, arn, dead-letter queue url) of a new queue."""
        name = f"jobs-{uuid.uuid4().hex[:8]}"
        dlq_url = self.sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = self.sqs.create_queue(QueueName=name, Attributes={
            "VisibilityTimeout": str(visibility_s),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})})["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn, dlq_url

    def source(self, queue_arn, batch_size=10, window_s=0, report=True, max_instances=1, timeout_s=1) -> SqsEventSource:
        pool = self.pool(fake_function("WorkerFunction", timeout_s=timeout_s), max_instances=max_instances,
                         env={"AWS_ENDPOINT_URL": self.moto.endpoint})
        trigger = SqsTrigger(event_name="Jobs", queue_arn=queue_arn, batch_size=batch_size,
                             batching_window_s=window_s, report_batch_item_failures=report)
        source = SqsEventSource(pool, trigger, self.sqs, long_poll_s=1)
        self.stop_later(source.stop)
        return source.start()

    def send(self, url, *actions) -> list[str]:
        entries = [{"Id": str(n), "MessageBody": json.dumps(a if isinstance(a, dict) else {"action": a})}
                   for n, a in enumerate(actions)]
        answer = self.sqs.send_message_batch(QueueUrl=url, Entries=entries)
        return [s["MessageId"] for s in sorted(answer["Successful"], key=lambda s: int(s["Id"]))]

    def deliveries(self, entries) -> list[tuple[str, str]]:
        """(message id, receive count) of every record the function got, in order."""
        return [(r["messageId"], r["attributes"]["ApproximateReceiveCount"]) for e in entries for r in e["event"]["Records"]]

    def in_queue(self, url) -> int:
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def test_function_gets_lambdas_sqs_event_and_a_success_deletes_the_message(self):
        url, arn, _ = self.queue()
        sent = self.sqs.send_message(QueueUrl=url, MessageBody='{"action": "ok"}', MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "thumbnail"}})
        self.source(arn)
        [entry] = self.log.wait_for(lambda e: len(e) == 1)
        [record] = entry["event"]["Records"]
        self.assertEqual(list(entry["event"]), ["Records"])
        self.assertEqual(record["messageId"], sent["MessageId"])
        self.assertEqual(record["body"], '{"action": "ok"}')
        self.assertEqual(record["md5OfBody"], sent["MD5OfMessageBody"])
        self.assertEqual(record["md5OfMessageAttributes"], sent["MD5OfMessageAttributes"])
        self.assertEqual(record["messageAttributes"], {"kind": {"stringValue": "thumbnail", "stringListValues": [],
                                                                "binaryListValues": [], "dataType": "String"}})
        self.assertEqual(sorted(record["attributes"]), ["ApproximateFirstReceiveTimestamp", "ApproximateReceiveCount",
                                                        "SenderId", "SentTimestamp"])
        self.assertEqual(record["attributes"]["ApproximateReceiveCount"], "1")
        self.assertEqual((record["eventSource"], record["eventSourceARN"], record["awsRegion"]),
                         ("aws:sqs", arn, "us-east-1"))
        self.assertTrue(record["receiptHandle"])
        time.sleep(0.5)
        self.assertEqual(self.in_queue(url), 0)

    def test_only_messages_not_reported_as_failures_are_deleted_and_the_failed_come_back(self):
        url, arn, _ = self.queue(visibility_s=1)
        ok1, failed1, ok2, failed2 = self.send(url, "ok", "fail", "ok", "fail")
        self.source(arn, batch_size=5, window_s=1)
        entries = self.log.wait_for(lambda e: len(self.deliveries(e)) >= 6)
        first = self.deliveries(entries[:1])
        self.assertEqual(sorted(first), sorted([(ok1, "1"), (failed1, "1"), (ok2, "1"), (failed2, "1")]),
                         "the batching window gathered all four into one batch")
        again = self.deliveries(entries[1:])
        self.assertEqual(sorted(again[:2]), sorted([(failed1, "2"), (failed2, "2")]))
        self.assertNotIn(ok1, [m for m, _ in again])
        self.assertNotIn(ok2, [m for m, _ in again])

    def test_a_paused_source_invokes_nothing_until_it_is_resumed(self):
        url, arn, _ = self.queue(visibility_s=30)
        source = self.source(arn)
        source.set_enabled(False)
        time.sleep(1.5)   # the poll under way when it was paused ends
        [waiting] = self.send(url, "ok")
        time.sleep(1.5)
        self.assertEqual(self.log.entries(), [], "paused: nothing invoked")
        self.assertFalse(source.describe()["enabled"])
        source.set_enabled(True)
        [entry] = self.log.wait_for(lambda e: len(e) == 1)
        self.assertEqual(self.deliveries([entry]), [(waiting, "1")], "received once it was resumed, as if never touched")

    def test_without_report_batch_item_failures_an_error_leaves_the_whole_batch(self):
        url, arn, _ = self.queue(visibility_s=1)
        crash, fine = self.send(url, "crash", "ok")
        self.source(arn, batch_size=2, window_s=1, report=False)
        entries = self.log.wait_for(lambda e: len(e) >= 2)
        self.assertEqual(sorted(self.deliveries(entries[1:2])), sorted([(crash, "2"), (fine, "2")]))

    def test_without_report_batch_item_failures_a_success_deletes_the_whole_batch_whatever_it_reports(self):
        url, arn, _ = self.queue(visibility_s=1)
        self.send(url, "fail", "ok")
        self.source(arn, batch_size=2, window_s=1, report=False)
        self.log.wait_for(lambda e: len(self.deliveries(e)) == 2)
        time.sleep(2.5)
        self.assertEqual(len(self.deliveries(self.log.entries())), 2, "nothing was delivered again")
        self.assertEqual(self.in_queue(url), 0)

    def test_after_max_receive_count_the_message_is_in_the_dead_letter_queue(self):
        url, arn, dlq_url = self.queue(visibility_s=1, max_receive_count=2)
        [poison] = self.send(url, "fail")
        self.source(arn)
        self.log.wait_for(lambda e: len(e) == 2)
        dead = self.sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=5, AttributeNames=["All"])["Messages"]
        self.assertEqual([m["MessageId"] for m in dead], [poison])
        self.assertEqual(json.loads(dead[0]["Body"]), {"action": "fail"})
        time.sleep(1.5)
        self.assertEqual(self.deliveries(self.log.entries()), [(poison, "1"), (poison, "2")])

    def test_a_visibility_the_function_set_itself_is_honoured(self):
        url, arn, _ = self.queue(visibility_s=60)
        [hidden] = self.send(url, {"action": "hide", "seconds": 1})
        self.source(arn)
        first, second = self.log.wait_for(lambda e: len(e) >= 2, timeout=20)[:2]
        self.assertEqual(self.deliveries([first, second]), [(hidden, "1"), (hidden, "2")])
        self.assertLess(second["started"] - first["ended"], 10, "back after the function's 1 s, not the queue's 60 s")

    def test_batch_size_caps_each_batch(self):
        url, arn, _ = self.queue()
        sent = self.send(url, "ok", "ok", "ok", "ok", "ok")
        self.source(arn, batch_size=2, window_s=1)
        entries = self.log.wait_for(lambda e: len(self.deliveries(e)) == 5)
        self.assertEqual(sorted(m for m, _ in self.deliveries(entries)), sorted(sent))
        self.assertEqual(max(len(e["event"]["Records"]) for e in entries), 2)

    def test_one_invocation_at_a_time_per_instance_and_no_more_instances_than_allowed(self):
        url, arn, _ = self.queue(visibility_s=5)
        self.send(url, *[{"action": "sleep", "seconds": 0.6}] * 6)
        self.source(arn, batch_size=1, max_instances=2, timeout_s=5)
        entries = self.log.wait_for(lambda e: len(e) == 6, timeout=30)
        running_at_once = max(sum(1 for o in entries if o["started"] <= e["started"] < o["ended"]) for e in entries)
        self.assertEqual(running_at_once, 2)
        by_pid = {}
        for e in entries:
            by_pid.setdefault(e["pid"], []).append((e["started"], e["ended"]))
        self.assertEqual(len(by_pid), 2)
        for spans in by_pid.values():
            spans.sort()
            self.assertTrue(all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans)

    def test_a_queue_visibility_timeout_below_the_function_timeout_is_refused_as_lambda_does(self):
        _, arn, _ = self.queue(visibility_s=1)
        with self.assertRaisesRegex(TemplateError, "Queue visibility timeout: 1 seconds is less than Function timeout: 5"):
            self.source(arn, timeout_s=5)


if __name__ == "__main__":
    unittest.main()
