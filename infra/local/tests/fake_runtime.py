"""A tiny function process for the tests: speaks the Lambda Runtime API like AWS's runtime interface
client does, and does what each event's "action" says. It lets the tests drive the local stack's
Runtime API, instance pool and gateway without a JVM."""

import json
import os
import sys
import time
import urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"


def post(path: str, body: dict, headers: dict = None) -> None:
    request = urllib.request.Request(API + path, data=json.dumps(body).encode(), method="POST",
                                     headers=dict(headers or {}, **{"Content-Type": "application/json"}))
    urllib.request.urlopen(request).read()


if os.environ.get("FAKE_INIT_ERROR"):
    post("/init/error", {"errorMessage": "Class not found: nope", "errorType": "Runtime.ClassNotFound"},
         {"Lambda-Runtime-Function-Error-Type": "Runtime.ClassNotFound"})
    sys.exit(1)

while True:
    with urllib.request.urlopen(API + "/invocation/next") as answer:
        request_id = answer.headers["Lambda-Runtime-Aws-Request-Id"]
        runtime_headers = {k: v for k, v in answer.headers.items() if k.lower().startswith("lambda-runtime-")}
        event = json.loads(answer.read())
    body = json.loads(event["body"]) if event.get("body") and not event.get("isBase64Encoded") else {}
    action = body.get("action", "echo")
    if action == "sleep":
        time.sleep(body["seconds"])
    if action == "exit":
        sys.exit(3)
    if action == "fail":
        post(f"/invocation/{request_id}/error", {"errorMessage": "boom", "errorType": "java.lang.IllegalStateException"},
             {"Lambda-Runtime-Function-Error-Type": "Unhandled"})
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
