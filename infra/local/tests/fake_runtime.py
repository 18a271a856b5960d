"""A tiny function process for the tests: speaks the Lambda Runtime API like AWS's runtime interface
client does, and does what each event's "action" says. It lets the tests drive the local stack's
Runtime API, instance pool, gateway, SQS event source and schedules without a JVM.

- HTTP API events (payload 2.0): the action is in the JSON body.
- SQS events: each record's body is {"action": ...}: "ok" (the default), "fail" (reported in
  batchItemFailures), "hide" (the function itself sets the message's visibility to "seconds", then
  reports it failed), "bad-id" (reports a message id that is not in the batch), "crash" (the whole
  invocation fails), "sleep" ("seconds", then ok).
- Any other event (a Scheduled Event, a raw invoke): its own "action" key, if any ("sleep", "fail").
Every invocation is appended to $FAKE_EVENT_LOG (one JSON line: function name, pid, start and end time,
event). Non-HTTP answers carry the event and the variables of ECHOED_ENV."""

import json
import os
import sys
import time
import urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
ECHOED_ENV = ("JOBS_QUEUE_URL", "JOBS_QUEUE_ARN", "STATE_TABLE", "WEBHOOK_SECRET_ID", "FPTR_SECRET_ID")


def post(path: str, body: dict, headers: dict = None) -> None:
    request = urllib.request.Request(API + path, data=json.dumps(body).encode(), method="POST",
                                     headers=dict(headers or {}, **{"Content-Type": "application/json"}))
    urllib.request.urlopen(request).read()


if os.environ.get("FAKE_INIT_ERROR"):
    post("/init/error", {"errorMessage": "Class not found: nope", "errorType": "Runtime.ClassNotFound"},
         {"Lambda-Runtime-Function-Error-Type": "Runtime.ClassNotFound"})
    sys.exit(1)

def log(event: dict, started: float) -> None:
    if os.environ.get("FAKE_EVENT_LOG"):
        with open(os.environ["FAKE_EVENT_LOG"], "a") as f:
            f.write(json.dumps({"function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"), "pid": os.getpid(),
                                "started": started, "ended": time.time(), "event": event}) + "\n")


def fail(request_id: str) -> None:
    post(f"/invocation/{request_id}/error", {"errorMessage": "boom", "errorType": "java.lang.IllegalStateException"},
         {"Lambda-Runtime-Function-Error-Type": "Unhandled"})


def sqs_batch(request_id: str, records: list) -> None:
    failures = []
    for record in records:
        body = json.loads(record["body"]) if record["body"].startswith("{") else {}
        action = body.get("action", "ok")
        if action == "crash":
            return fail(request_id)
        if action == "sleep":
            time.sleep(body["seconds"])
        if action == "hide":
            import boto3
            sqs = boto3.client("sqs", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=record["awsRegion"],
                               aws_access_key_id="test", aws_secret_access_key="test")
            url = sqs.get_queue_url(QueueName=record["eventSourceARN"].rsplit(":", 1)[1])["QueueUrl"]
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=record["receiptHandle"],
                                          VisibilityTimeout=body["seconds"])
        if action in ("fail", "hide"):
            failures.append({"itemIdentifier": record["messageId"]})
        if action == "bad-id":
            failures.append({"itemIdentifier": "not-a-message-of-this-batch"})
    post(f"/invocation/{request_id}/response", {"batchItemFailures": failures})


while True:
    with urllib.request.urlopen(API + "/invocation/next") as answer:
        request_id = answer.headers["Lambda-Runtime-Aws-Request-Id"]
        runtime_headers = {k: v for k, v in answer.headers.items() if k.lower().startswith("lambda-runtime-")}
        event = json.loads(answer.read())
    started = time.time()
    if isinstance(event, dict) and "Records" in event:
        sqs_batch(request_id, event["Records"])
        log(event, started)
        continue
    if not (isinstance(event, dict) and event.get("version") == "2.0"):  # not an HTTP API event
        action = event.get("action") if isinstance(event, dict) else None
        if action == "sleep":
            time.sleep(event["seconds"])
        if action == "fail":
            fail(request_id)
        else:
            post(f"/invocation/{request_id}/response", {"pid": os.getpid(), "event": event,
                                                        "env": {k: os.environ.get(k) for k in ECHOED_ENV}})
        log(event, started)
        continue
    body = json.loads(event["body"]) if event.get("body") and not event.get("isBase64Encoded") else {}
    action = body.get("action", "echo")
    if action == "sleep":
        time.sleep(body["seconds"])
    if action == "exit":
        sys.exit(3)
    if action == "fail":
        fail(request_id)
        continue
    if action == "raw":
        post(f"/invocation/{request_id}/response", body["response"])
        continue
    post(f"/invocation/{request_id}/response", {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Pid": str(os.getpid())},
        "cookies": ["a=1; Path=/", "b=2"],
        "body": json.dumps({"pid": os.getpid(), "event": event, "runtime_headers": runtime_headers,
                            "env": {k: os.environ.get(k) for k in ("QUARKUS_LAMBDA_HANDLER", "GREETING")}}),
        "isBase64Encoded": False,
    })
    log(event, started)
