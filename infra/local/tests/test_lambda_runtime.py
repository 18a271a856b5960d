"""The Runtime API and instance pool, driven by real processes (tests/fake_runtime.py) over HTTP."""

import json
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

from stack.lambda_runtime import FunctionPool, Instance
from stack.template import Function

FAKE_RUNTIME = Path(__file__).with_name("fake_runtime.py")


def event(**body) -> bytes:
    return json.dumps({"version": "2.0", "body": json.dumps(body), "isBase64Encoded": False}).encode()


class PoolTest(unittest.TestCase):
    def setUp(self):
        self.work = Path(tempfile.mkdtemp())
        self.pools = []

    def tearDown(self):
        for pool in self.pools:
            pool.close()

    def pool(self, timeout_s=5, max_instances=1, extra_env=None) -> FunctionPool:
        function = Function(logical_id="EchoFunction", name="local-EchoFunction", handler="unused",
                            runtime="java21", code_uri="unused", memory_mb=128, timeout_s=timeout_s,
                            environment={"QUARKUS_LAMBDA_HANDLER": "echo"})

        def start(fn, number):
            env = {"PATH": "/usr/bin:/bin", **fn.environment, **(extra_env or {})}
            return Instance(fn, [sys.executable, str(FAKE_RUNTIME)], env, cwd=self.work,
                            log_dir=self.work / "logs", echo=False, number=number)

        pool = FunctionPool(function, start, max_instances=max_instances)
        self.pools.append(pool)
        return pool

    def answer(self, outcome) -> dict:
        self.assertTrue(outcome.ok, outcome.error_message)
        return json.loads(json.loads(outcome.payload)["body"])

    def test_next_carries_every_runtime_header_and_the_event(self):
        outcome, invocation = self.pool().invoke(event(action="echo"))
        seen = self.answer(outcome)
        headers = {k.lower(): v for k, v in seen["runtime_headers"].items()}
        self.assertEqual(headers["lambda-runtime-aws-request-id"], invocation.request_id)
        self.assertEqual(headers["lambda-runtime-invoked-function-arn"],
                         "arn:aws:lambda:us-east-1:123456789012:function:local-EchoFunction")
        self.assertTrue(headers["lambda-runtime-trace-id"].startswith("Root=1-"))
        self.assertGreater(int(headers["lambda-runtime-deadline-ms"]), 0)
        self.assertEqual(seen["event"]["version"], "2.0")
        self.assertEqual(seen["env"]["QUARKUS_LAMBDA_HANDLER"], "echo")

    def test_instance_stays_warm_between_invocations(self):
        pool = self.pool()
        first = self.answer(pool.invoke(event())[0])["pid"]
        second = self.answer(pool.invoke(event())[0])["pid"]
        self.assertEqual(first, second)
        [instance] = pool.describe()["instances"]
        self.assertEqual(instance["invocations"], 2)
        self.assertIsNotNone(instance["cold_start_ms"])

    def test_function_error_is_reported_and_the_instance_survives(self):
        pool = self.pool()
        pid = self.answer(pool.invoke(event())[0])["pid"]
        outcome, _ = pool.invoke(event(action="fail"))
        self.assertEqual(outcome.error_type, "Unhandled")
        self.assertIn("boom", outcome.error_message)
        self.assertEqual(self.answer(pool.invoke(event())[0])["pid"], pid)

    def test_timeout_stops_the_process_and_the_next_call_starts_a_new_one(self):
        pool = self.pool(timeout_s=1)
        pid = self.answer(pool.invoke(event())[0])["pid"]
        outcome, _ = pool.invoke(event(action="sleep", seconds=10))
        self.assertEqual(outcome.error_type, "Sandbox.Timedout")
        self.assertIn("Task timed out after 1 seconds", outcome.error_message)
        self.assertNotEqual(self.answer(pool.invoke(event())[0])["pid"], pid)

    def test_process_exit_fails_the_invocation(self):
        pool = self.pool()
        outcome, _ = pool.invoke(event(action="exit"))
        self.assertEqual(outcome.error_type, "Runtime.ExitError")
        self.assertIn("status 3", outcome.error_message)
        self.assertTrue(self.answer(pool.invoke(event())[0])["pid"])

    def test_init_error_fails_the_invocation(self):
        outcome, _ = self.pool(extra_env={"FAKE_INIT_ERROR": "1"}).invoke(event())
        self.assertEqual(outcome.error_type, "Runtime.InitError")
        self.assertIn("Class not found", outcome.error_message)

    def test_recycle_makes_the_next_call_a_cold_start(self):
        pool = self.pool()
        pid = self.answer(pool.invoke(event())[0])["pid"]
        self.assertEqual(pool.recycle(), 1)
        self.assertNotEqual(self.answer(pool.invoke(event())[0])["pid"], pid)

    def test_concurrent_calls_use_up_to_max_instances(self):
        pool = self.pool(max_instances=2)
        pids = []

        def call():
            pids.append(self.answer(pool.invoke(event(action="sleep", seconds=1))[0])["pid"])

        threads = [threading.Thread(target=call) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(pids), 4)
        self.assertEqual(len(set(pids)), 2)


class PoolFairnessTest(unittest.TestCase):
    """Who gets a busy function's instance next, with instances that are plain objects (no process)."""

    class Idle:
        dead = False
        retire = False

        def start(self):
            return self

        def stop(self):
            pass

    def test_waiting_calls_get_the_instance_in_the_order_they_came(self):
        function = Function(logical_id="F", name="local-F", handler="unused", runtime="java21", code_uri="unused",
                            memory_mb=128, timeout_s=5, environment={})
        pool = FunctionPool(function, lambda fn, number: self.Idle(), max_instances=1)
        busy = pool._acquire()
        served, threads = [], []

        def call(number):
            instance = pool._acquire()
            served.append(number)
            time.sleep(0.002)
            pool._release(instance)

        for number in range(10):
            threads.append(threading.Thread(target=call, args=(number,)))
            threads[-1].start()
            time.sleep(0.02)   # each is waiting before the next comes
        pool._release(busy)
        for t in threads:
            t.join(5)
        # Woken all at once and left to race for the lock (as before), ten waiters came out in order in 0 of 20 runs.
        self.assertEqual(served, list(range(10)))
        pool.close()


if __name__ == "__main__":
    unittest.main()
