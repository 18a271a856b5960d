"""Schedules: rate expressions, the EventBridge event, firing with fake function processes, and what a
reserved concurrency of 1 does to a firing due while the previous one runs."""

import json
import time
import unittest

from stack.events import scheduled_event
from stack.schedules import ScheduleSource, rate_seconds
from stack.template import ScheduleTrigger, TemplateError
from tests.fakes import FakeFunctionTestCase, fake_function

RULE = "arn:aws:events:us-east-1:123456789012:rule/fptr-functions-local-SweepFunctionSweep"


class RateTest(unittest.TestCase):
    def test_rates_in_seconds(self):
        self.assertEqual([rate_seconds(e) for e in ("rate(15 minutes)", "rate(1 minute)", "rate(2 hours)", "rate(1 day)")],
                         [900, 60, 7200, 86400])

    def test_cron_and_at_are_not_fired_on_their_times(self):
        self.assertIsNone(rate_seconds("cron(0 3 * * ? *)"))
        self.assertIsNone(rate_seconds("at(2026-12-01T03:00:00)"))

    def test_what_eventbridge_refuses_is_refused(self):
        for expression in ("rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(5 seconds)", "every 5 minutes"):
            with self.assertRaises(TemplateError, msg=expression):
                rate_seconds(expression)


class ScheduledEventTest(unittest.TestCase):
    def test_eventbridge_rule_sends_a_scheduled_event(self):
        event = scheduled_event(RULE, now=1764000000)
        self.assertEqual(list(event), ["version", "id", "detail-type", "source", "account", "time", "region",
                                       "resources", "detail"])
        self.assertEqual({k: v for k, v in event.items() if k != "id"}, {
            "version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "account": "123456789012",
            "time": "2025-11-24T16:00:00Z", "region": "us-east-1", "resources": [RULE], "detail": {}})
        self.assertRegex(event["id"], r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        self.assertNotEqual(event["id"], scheduled_event(RULE)["id"])

    def test_eventbridge_scheduler_default_notification(self):
        arn = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly"
        event = scheduled_event(arn, scheduler=True)
        self.assertEqual((event["source"], event["detail-type"], event["resources"], event["detail"]),
                         ("aws.scheduler", "Scheduled Event", [arn], "{}"))


class ScheduleSourceTest(FakeFunctionTestCase):
    def schedule(self, expression="rate(15 minutes)", text=None, every_s=None, kind="Schedule",
                 timeout_s=5) -> ScheduleSource:
        pool = self.pool(fake_function("SweepFunction", timeout_s=timeout_s, reserved_concurrency=1))
        trigger = ScheduleTrigger(event_name="Sweep", kind=kind, expression=expression, input=text, arn=RULE)
        source = ScheduleSource(pool, trigger, every_s=every_s)
        self.stop_later(source.stop)
        return source

    def test_fires_at_its_rate_with_the_scheduled_event(self):
        source = self.schedule(every_s=0.4).start()
        started = time.time()
        entries = self.log.wait_for(lambda e: len(e) >= 4)
        self.assertGreater(entries[0]["started"] - started, 0.3, "the first firing comes one period after the start")
        for entry in entries:
            self.assertEqual((entry["event"]["detail-type"], entry["event"]["resources"]), ("Scheduled Event", [RULE]))
        self.assertEqual(len({e["event"]["id"] for e in entries}), len(entries))
        # the function's own start times depend on how fast it runs (with concurrency 1 a slow run delays the
        # next), so they only show that no firing comes early; the rate is what the schedule itself counts
        for k, entry in enumerate(entries, start=1):
            self.assertGreater(entry["started"], started + k * 0.4 - 0.1, f"firing {k} came before its time")
        elapsed, described = time.time() - started, source.describe()
        self.assertLessEqual(abs(described["fired"] + described["skipped"] - elapsed / 0.4), 1.5, described)
        self.assertGreaterEqual(described["fired"], 3)

    def test_input_is_sent_instead_of_the_scheduled_event(self):
        self.schedule(text='{"since": "2024-01-01T00:00:00Z"}', every_s=0.3).start()
        [entry, *_] = self.log.wait_for(lambda e: len(e) >= 1)
        self.assertEqual(entry["event"], {"since": "2024-01-01T00:00:00Z"})

    def test_a_cron_schedule_is_not_fired_by_itself_but_by_schedule_every(self):
        cron = self.schedule("cron(0/5 * * * ? *)").start()
        self.assertFalse(cron.describe()["triggered_locally"])
        self.assertIsNone(cron.describe()["every_s"])
        self.schedule("cron(0/5 * * * ? *)", every_s=0.3).start()
        self.log.wait_for(lambda e: len(e) >= 1)

    def test_with_reserved_concurrency_1_firings_never_overlap_and_one_waits_at_most(self):
        # each run takes 1 s, a firing is due every 0.25 s: the next run starts when the previous ends
        source = self.schedule(text=json.dumps({"action": "sleep", "seconds": 1}), every_s=0.25).start()
        entries = self.log.wait_for(lambda e: len(e) >= 3, timeout=20)
        for previous, following in zip(entries, entries[1:]):
            self.assertGreaterEqual(following["started"], previous["ended"] - 0.01, "two sweeps ran at once")
            self.assertLess(following["started"] - previous["ended"], 0.5, "the waiting firing ran as soon as it could")
        described = source.describe()
        self.assertGreater(described["skipped"], 3)
        self.assertEqual(described["last"]["outcome"], "ok")


if __name__ == "__main__":
    unittest.main()
