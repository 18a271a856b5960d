"""infra/local/up end to end with tests/events-template.yaml (fake functions behind a custom runtime's
bootstrap): the event path's resources, the webhook secret, the SQS event sources (a SAM event and an event
source mapping), the schedules and --no-schedules, and infra/local/invoke against the running stack."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
from pathlib import Path

import boto3

from tests.fakes import EventLog

LOCAL = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("events-template.yaml")
RULE = "arn:aws:events:us-east-1:123456789012:rule/fptr-functions-local-SweepFunctionSweep"


class Stack:
    """infra/local/up on free ports with its own work dir; its stdout's "name value" lines until "ready"."""

    def __init__(self, *options: str):
        self.work = Path(tempfile.mkdtemp())
        self.log = EventLog(self.work / "events.jsonl")
        self.stderr = (self.work / "up.log").open("w")
        self.process = subprocess.Popen(
            [str(LOCAL / "up"), "--template", str(TEMPLATE), "--port", "0", "--work-dir", str(self.work / "stack"),
             "--parameter", f"EventLog={self.log.path}", *options],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        self.urls: dict[str, str] = {}
        # never hang the build on a stack that does not start (SIGTERM: it stops its children; a SIGKILL would orphan them)
        timer = threading.Timer(90, self.process.terminate)
        timer.start()
        try:
            for line in self.process.stdout:
                if line.strip() == "ready":
                    return
                name, _, value = line.strip().partition(" ")
                self.urls[name] = value
        finally:
            timer.cancel()
        raise AssertionError(f"infra/local/up stopped before it was ready: {(self.work / 'up.log').read_text()}")

    def functions(self) -> dict:
        with urllib.request.urlopen(self.urls["functions"] + "/_local/functions") as answer:
            return {f["logical_id"]: f for f in json.load(answer)["functions"]}

    def invoke(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([str(LOCAL / "invoke"), *args, "--url", self.urls["functions"]], input=stdin,
                              capture_output=True, text=True, timeout=60)

    def client(self, service: str):
        return boto3.client(service, endpoint_url=self.urls["aws"], region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.process.stdout.close()
        self.stderr.close()
        if self.process.returncode != 0:
            raise AssertionError(f"infra/local/up exited with {self.process.returncode}")


class EventsStackTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack("--schedule-every", "1", "--max-instances", "2")

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def test_ready_prints_the_webhook_url_and_the_demo_secret_which_the_secret_holds(self):
        self.assertEqual(self.stack.urls["webhook"], self.stack.urls["functions"] + "/v1/webhooks/fptr")
        self.assertEqual(self.stack.urls["webhook-secret"], "demo-webhook-secret-0000")
        answer = json.loads(self.stack.invoke("WebhookFunction").stdout)
        value = self.stack.client("secretsmanager").get_secret_value(SecretId=answer["env"]["WEBHOOK_SECRET_ID"])
        self.assertEqual(json.loads(value["SecretString"]), {"token": "demo-webhook-secret-0000"})

    def test_the_webhook_route_has_no_authoriser_and_its_event_no_identity(self):
        request = urllib.request.Request(self.stack.urls["webhook"], data=b'{"action": "echo"}', method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as answer:
            event = json.load(answer)["event"]
        self.assertEqual(event["routeKey"], "POST /v1/webhooks/fptr")
        self.assertNotIn("authorizer", event["requestContext"])

    def test_queue_table_and_references_are_created_from_the_template(self):
        env = json.loads(self.stack.invoke("WorkerFunction").stdout)["env"]
        sqs = self.stack.client("sqs")
        attributes = sqs.get_queue_attributes(QueueUrl=env["JOBS_QUEUE_URL"], AttributeNames=["All"])["Attributes"]
        self.assertEqual(attributes["QueueArn"], env["JOBS_QUEUE_ARN"])
        self.assertTrue(env["JOBS_QUEUE_URL"].startswith(self.stack.urls["aws"] + "/"), env)
        self.assertEqual(attributes["VisibilityTimeout"], "2")
        redrive = json.loads(attributes["RedrivePolicy"])
        self.assertEqual(redrive["maxReceiveCount"], 3)
        self.assertTrue(redrive["deadLetterTargetArn"].endswith(":fptr-functions-local-JobsDeadLetterQueue"))
        table = json.loads(self.stack.invoke("SweepFunction").stdout)["env"]["STATE_TABLE"]
        dynamodb = self.stack.client("dynamodb")
        self.assertEqual(dynamodb.describe_table(TableName=table)["Table"]["BillingModeSummary"]["BillingMode"],
                         "PAY_PER_REQUEST")
        self.assertEqual(dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"})

    def test_a_message_on_the_queue_reaches_the_worker_as_an_sqs_event(self):
        env = json.loads(self.stack.invoke("WorkerFunction").stdout)["env"]
        sent = self.stack.client("sqs").send_message(QueueUrl=env["JOBS_QUEUE_URL"], MessageBody='{"action": "ok"}')
        entries = self.stack.log.wait_for(lambda e: any(r["messageId"] == sent["MessageId"] for x in e
                                                        for r in x["event"].get("Records", [])))
        [record] = [r for e in entries for r in e["event"].get("Records", []) if r["messageId"] == sent["MessageId"]]
        self.assertEqual((record["eventSource"], record["eventSourceARN"]), ("aws:sqs", env["JOBS_QUEUE_ARN"]))

    def test_an_event_source_mapping_on_a_functions_alias_drives_it_from_its_queue(self):
        """As the project's workers are driven: an AWS::Lambda::EventSourceMapping (FunctionName !Ref F.Alias),
        no SAM SQS event. Paused by its logical id, it invokes nothing until it is resumed."""
        env = json.loads(self.stack.invoke("MappedWorkerFunction").stdout)["env"]
        sqs = self.stack.client("sqs")

        def delivered(message_id: str) -> list[dict]:
            return [x for x in self.stack.log.entries() if any(r["messageId"] == message_id for r in x["event"].get("Records", []))]

        first = sqs.send_message(QueueUrl=env["JOBS_QUEUE_URL"], MessageBody='{"action": "ok"}')["MessageId"]
        self.stack.log.wait_for(lambda e: delivered(first))
        [entry] = delivered(first)
        self.assertEqual(entry["function"], "fptr-functions-local-MappedWorkerFunction")
        self.assertEqual(entry["event"]["Records"][0]["eventSourceARN"], env["JOBS_QUEUE_ARN"])
        [jobs] = self.stack.functions()["MappedWorkerFunction"]["events"]
        self.assertEqual((jobs["type"], jobs["event"], jobs["queue"], jobs["batch_size"], jobs["report_batch_item_failures"],
                          jobs["pollers"]), ("SQS", "MappedWorkerJobs", env["JOBS_QUEUE_ARN"], 3, True, 2))
        self.assertEqual(self.wait_for_count("MappedWorkerFunction", "deleted", 1), 1)

        def enable(enabled: bool) -> dict:
            request = urllib.request.Request(self.stack.urls["functions"] + "/_local/functions/MappedWorkerFunction/"
                                             "events/MappedWorkerJobs", data=json.dumps({"enabled": enabled}).encode(),
                                             method="PUT")
            with urllib.request.urlopen(request) as answer:
                return json.load(answer)

        self.assertFalse(enable(False)["enabled"])
        held = sqs.send_message(QueueUrl=env["JOBS_QUEUE_URL"], MessageBody='{"action": "ok"}')["MessageId"]
        time.sleep(2)
        self.assertEqual(delivered(held), [], "a paused mapping invokes nothing")
        self.assertTrue(enable(True)["enabled"])
        self.stack.log.wait_for(lambda e: delivered(held))
        self.assertEqual(self.wait_for_count("MappedWorkerFunction", "deleted", 2), 2)

    def wait_for_count(self, function: str, count: str, at_least: int) -> int:
        deadline = time.monotonic() + 15
        while True:
            [source] = self.stack.functions()[function]["events"]
            if source[count] >= at_least or time.monotonic() > deadline:
                return source[count]
            time.sleep(0.1)

    def test_schedules_fire_with_their_events(self):
        entries = self.stack.log.wait_for(lambda e: {"fptr-functions-local-SweepFunction", "fptr-functions-local-ReportFunction"}
                                          <= {x["function"] for x in e})
        sweep = next(e["event"] for e in entries if e["function"] == "fptr-functions-local-SweepFunction")
        self.assertEqual((sweep["detail-type"], sweep["source"], sweep["resources"]), ("Scheduled Event", "aws.events", [RULE]))
        report = next(e["event"] for e in entries if e["function"] == "fptr-functions-local-ReportFunction")
        self.assertEqual(report, {"report": "nightly"})

    def test_listing_shows_event_sources_schedules_and_the_concurrency_each_function_gets(self):
        functions = self.stack.functions()
        [jobs] = functions["WorkerFunction"]["events"]
        self.assertEqual((jobs["type"], jobs["batch_size"], jobs["maximum_batching_window_s"],
                          jobs["report_batch_item_failures"], jobs["pollers"]), ("SQS", 5, 1, True, 2))
        self.assertEqual(functions["WorkerFunction"]["max_instances"], 2)
        [sweep] = functions["SweepFunction"]["events"]
        self.assertEqual((sweep["type"], sweep["expression"], sweep["every_s"], sweep["triggered_locally"], sweep["arn"]),
                         ("Schedule", "rate(15 minutes)", 1, True, RULE))
        self.assertEqual((functions["SweepFunction"]["reserved_concurrency"], functions["SweepFunction"]["max_instances"]),
                         (1, 1))
        self.assertEqual(functions["ReportFunction"]["events"][0]["type"], "ScheduleV2")

    def test_invoke_sends_a_schedules_event_when_none_is_given_and_the_given_one_otherwise(self):
        done = self.stack.invoke("SweepFunction")
        self.assertEqual(done.returncode, 0, done.stderr)
        event = json.loads(done.stdout)["event"]
        self.assertEqual((event["detail-type"], event["resources"], event["detail"]), ("Scheduled Event", [RULE], {}))
        self.assertEqual(json.loads(self.stack.invoke("ReportFunction").stdout)["event"], {"report": "nightly"})

        event_file = self.stack.work / "backfill.json"
        event_file.write_text('{"since": "2024-01-01T00:00:00Z", "project": 70}')
        self.assertEqual(json.loads(self.stack.invoke("SweepFunction", str(event_file)).stdout)["event"],
                         {"since": "2024-01-01T00:00:00Z", "project": 70})
        self.assertEqual(json.loads(self.stack.invoke("WorkerFunction", "-", stdin='{"a": [1]}').stdout)["event"],
                         {"a": [1]})
        self.assertEqual(json.loads(self.stack.invoke("WorkerFunction").stdout)["event"], {})

    def test_a_second_stack_in_the_same_work_dir_is_refused_and_the_first_keeps_its_logs(self):
        second = subprocess.run([str(LOCAL / "up"), "--template", str(TEMPLATE), "--port", "0",
                                 "--work-dir", str(self.stack.work / "stack")], capture_output=True, text=True, timeout=60)
        self.assertEqual(second.returncode, 1, second.stderr)
        self.assertIn("another infra/local/up is using the work dir", second.stderr)
        self.assertTrue((self.stack.work / "stack/logs/moto_server.log").stat().st_size > 0, "the first one's log is still there")
        self.assertIn("SweepFunction", self.stack.functions())

    def test_invoke_says_what_failed(self):
        failed = self.stack.invoke("SweepFunction", "-", stdin='{"action": "fail"}')
        self.assertEqual(failed.returncode, 1)
        self.assertEqual(json.loads(failed.stdout), {"errorMessage": "java.lang.IllegalStateException: boom",
                                                     "errorType": "Unhandled"})
        unknown = self.stack.invoke("NopeFunction")
        self.assertEqual(unknown.returncode, 2)
        self.assertIn("no function NopeFunction; known: ['MappedWorkerFunction', 'ReportFunction', 'SweepFunction'", unknown.stderr)
        not_json = self.stack.invoke("SweepFunction", "-", stdin="{nope")
        self.assertEqual(not_json.returncode, 2)
        self.assertIn("the event is not JSON", not_json.stderr)
        nowhere = subprocess.run([str(LOCAL / "invoke"), "SweepFunction", "--url", "http://127.0.0.1:9"],
                                 capture_output=True, text=True)
        self.assertEqual(nowhere.returncode, 2)
        self.assertIn("no local stack answers at http://127.0.0.1:9", nowhere.stderr)


class NoSchedulesTest(unittest.TestCase):
    def test_no_schedules_fires_nothing_but_invoke_still_works_and_a_given_webhook_secret_is_used(self):
        stack = Stack("--no-schedules", "--schedule-every", "0.3", "--webhook-secret", "given-secret-1")
        try:
            self.assertEqual(stack.urls["webhook-secret"], "(as given with --webhook-secret)")
            self.assertFalse(stack.functions()["SweepFunction"]["events"][0]["triggered_locally"])
            done = stack.invoke("SweepFunction")
            self.assertEqual(done.returncode, 0, done.stderr)
            secret_id = json.loads(stack.invoke("WebhookFunction").stdout)["env"]["WEBHOOK_SECRET_ID"]
            secret = stack.client("secretsmanager").get_secret_value(SecretId=secret_id)
            self.assertEqual(json.loads(secret["SecretString"]), {"token": "given-secret-1"})
            time.sleep(1.5)
            sweeps = [e["event"] for e in stack.log.entries() if e["function"] == "fptr-functions-local-SweepFunction"]
            self.assertEqual([e["detail-type"] for e in sweeps], ["Scheduled Event"], "only the invoked one")
            self.assertEqual(stack.functions()["SweepFunction"]["events"][0]["fired"], 0)
        finally:
            stack.stop()


class ParentGoneTest(unittest.TestCase):
    def test_the_stack_stops_with_its_children_when_the_process_that_started_it_is_killed(self):
        """A script or test killed with SIGKILL cannot stop its stack: the stack notices and stops itself."""
        work = Path(tempfile.mkdtemp())
        starter, pid = self.start_from_a_starter(work)
        moto = self.children_named(pid, "moto_server")
        starter.kill()
        starter.wait(10)
        starter.stdout.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (self.running(pid) or self.running(moto)):
            time.sleep(0.2)
        self.assertFalse(self.running(pid), "infra/local/up stopped: " + (work / "up.log").read_text()[-500:])
        self.assertFalse(self.running(moto), "its moto_server stopped")
        self.assertIn("has exited. Stopping.", (work / "up.log").read_text())

    def test_a_stack_started_with_nohup_outlives_its_starter_until_it_is_stopped(self):
        work = Path(tempfile.mkdtemp())
        starter, pid = self.start_from_a_starter(work, "nohup")
        try:
            starter.kill()
            starter.wait(10)
            starter.stdout.close()
            time.sleep(3)   # the stack looks for its starter every 0.5 s
            self.assertTrue(self.running(pid), (work / "up.log").read_text()[-500:])
            self.assertIn("outlives the process that started it", (work / "up.log").read_text())
        finally:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.running(pid):
            time.sleep(0.2)
        self.assertFalse(self.running(pid), "stopped by SIGTERM")

    @staticmethod
    def start_from_a_starter(work: Path, *prefix: str) -> tuple[subprocess.Popen, int]:
        """A Python process that starts infra/local/up (after `prefix`, a command such as nohup) and waits;
        returns it with the stack's pid once the stack is ready."""
        starter = subprocess.Popen([sys.executable, "-c", (
            "import subprocess, sys, time\n"
            f"p = subprocess.Popen([*{list(prefix)!r}, {str(LOCAL / 'up')!r}, '--template', {str(TEMPLATE)!r}, '--port', '0', "
            f"'--work-dir', {str(work / 'stack')!r}, '--parameter', 'EventLog={work / 'events.jsonl'}', '--no-schedules'], "
            f"stdout=subprocess.PIPE, stderr=open({str(work / 'up.log')!r}, 'w'), text=True)\n"
            "for line in p.stdout:\n"
            "    print(line.strip(), flush=True)\n"
            "    if line.strip() == 'ready':\n"
            "        print('pid', p.pid, flush=True)\n"
            "        time.sleep(600)\n")], stdout=subprocess.PIPE, text=True)
        for line in starter.stdout:
            if line.startswith("pid "):
                return starter, int(line.split()[1])
        raise AssertionError("the stack did not start: " + (work / "up.log").read_text())

    @staticmethod
    def children_named(parent: int, name: str) -> int:
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and name in (entry / "cmdline").read_text() \
                        and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    return int(entry.name)
            except OSError:
                continue
        raise AssertionError(f"no {name} child of {parent}")

    @staticmethod
    def running(pid: int) -> bool:
        """Alive and not a zombie (a container's init may not reap what it inherits)."""
        try:
            return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]])
