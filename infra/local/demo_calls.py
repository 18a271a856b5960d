"""One representative first call per function on the local stack's demo site (infra/local/up), chosen by
the function's handler (QUARKUS_LAMBDA_HANDLER): what infra/bench/coldstart times and what infra/aot/build
trains the JDK AOT cache with. A function without an entry here still gets a call: its first HttpApi route
(path parameters filled with demo values, body {}), or, without a route, a direct invoke with the event its
trigger would send (infra/local/invoke's default)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import re
import time
import uuid
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable, Optional


@dataclass
class DemoCall:
    method: str
    path: str
    body: Optional[dict] = None
    # S3 key prefixes emptied in every bucket before the call, so each call does its whole work (a
    # thumbnail copy answers "unchanged" without copying when the object is already there)
    fresh_prefixes: tuple[str, ...] = ()
    # makes the body and headers from the stack's urls instead (a signed webhook delivery, new each time)
    make: Optional[Callable[[dict], tuple[bytes, dict]]] = None
    # a direct invoke with this event instead of an HTTP call (a queue's consumer)
    event: Optional[dict] = None

    def describe(self) -> str:
        if self.event is not None:
            return f"invoke {json.dumps(self.event)[:120]}"
        if self.make:
            return f"{self.method} {self.path} ({self.make.__doc__.split(';')[0].split(',')[0]})"
        return f"{self.method} {self.path}" + (f" {json.dumps(self.body)}" if self.body is not None else "")


_EVENT_IDS = itertools.count(int(time.time()))


def webhook_delivery(urls: dict) -> tuple[bytes, dict]:
    """An image event on Note 7001 as FPTR delivers it, signed with the stack's webhook secret; a new event
    id each time, so it is never dropped as a duplicate."""
    event_id, delivery_id = next(_EVENT_IDS), str(uuid.uuid4())
    body = json.dumps({"data": {
        "id": f"{event_id}.0.0", "event_log_entry_id": event_id, "event_type": "Shotgun_Note_Change",
        "operation": "update", "user": {"id": 88, "type": "HumanUser"}, "entity": {"id": 7001, "type": "Note"},
        "project": {"id": 70, "type": "Project"},
        "meta": {"type": "attribute_change", "entity_id": 7001, "entity_type": "Note", "attribute_name": "image",
                 "field_data_type": "image", "old_value": None, "new_value": None},
        "created_at": "2026-11-25 04:00:01.123456", "attribute_name": "image", "delivery_id": delivery_id,
        "session_uuid": str(uuid.uuid4())}, "timestamp": "2026-11-25T04:00:02Z"}).encode()
    secret = urls.get("webhook-secret", "")
    secret = secret if secret and not secret.startswith("(") else "demo-webhook-secret-0000"
    return body, {"X-SG-SIGNATURE": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest(),
                  "x-sg-delivery-id": delivery_id, "x-sg-webhook-id": "demo", "x-sg-event-batch-size": "1"}


def s3_client(urls: dict):
    import boto3
    return boto3.client("s3", endpoint_url=urls["aws"], region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def data_bucket(urls: dict) -> str:
    return next(b["Name"] for b in s3_client(urls).list_buckets()["Buckets"] if b["Name"].endswith("databucket"))


def upload_request(urls: dict) -> tuple[bytes, dict]:
    """A small PDF-like object put under the upload prefix, then uploaded as an Attachment on Version 6003."""
    bucket = data_bucket(urls)
    s3_client(urls).put_object(Bucket=bucket, Key="uploads/demo/layout_notes.pdf", Body=b"%PDF-1.4 demo\n" * 100,
                               ContentType="application/pdf")
    return json.dumps({"project": 70, "s3": {"bucket": bucket, "key": "uploads/demo/layout_notes.pdf"},
                       "attachment_links": [{"type": "Version", "id": 6003}]}).encode(), {}


def sqs_event(body: dict) -> dict:
    """An SQS event of one message, as Lambda's event source mapping sends it."""
    return {"Records": [{"messageId": str(uuid.uuid4()), "receiptHandle": "demo", "body": json.dumps(body),
                         "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
                         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:demo", "awsRegion": "us-east-1"}]}


DEMO_CALLS = {
    "token": DemoCall("POST", "/v1/token", {}),
    "note-search": DemoCall("POST", "/v1/notes/search", {"text": "lighting"}),
    "thumbnail": DemoCall("PUT", "/v1/entities/Note/7001/thumbnail", fresh_prefixes=("thumbnails/",)),
    "local-file": DemoCall("PUT", "/v1/entities/Version/6003/local-files/sg_uploaded_movie",
                           {"local_path": "/mnt/projects/demo/sh030/anim/v001/sh030_anim_v001.mov"}),
    "webhook": DemoCall("POST", "/v1/webhooks/fptr", make=webhook_delivery),
    "upload": DemoCall("POST", "/v1/uploads", make=upload_request),
    "thumbnail-worker": DemoCall("INVOKE", "", fresh_prefixes=("thumbnails/",),
                                 event=sqs_event({"entity_type": "Note", "entity_id": 7001, "variant": "original"})),
    # an empty batch: a job needs the Idempotency-Key claim the upload function's 202 makes
    "upload-worker": DemoCall("INVOKE", "", event={"Records": []}),
}


def large_image(urls: dict) -> tuple[Optional[bytes], dict]:
    """Note 7004's image made 12 MiB (random bytes: more than one upload part) in the site, then copied;
    nothing else calls the multipart upload's path (its netty client, the SDK's multipart classes)."""
    image = urllib.request.Request(f"{urls['fptr']}/_sim/files/Note/7004/image?filename=plate_training.png",
                                   data=os.urandom(12 << 20), method="PUT", headers={"Content-Type": "image/png"})
    with urllib.request.urlopen(image, timeout=120):
        pass
    return None, {}


# What infra/aot/build also trains with, besides each function's demo call: paths a demo call does not take
# (by handler).
TRAINING_CALLS = {
    "thumbnail": [DemoCall("PUT", "/v1/entities/Note/7004/thumbnail?variant=original", fresh_prefixes=("thumbnails/",),
                           make=large_image)],
}
# Values for path parameters of routes without a demo call of their own.
DEMO_PATH_VALUES = {"type": "Version", "id": "6003", "field": "sg_uploaded_movie"}


def demo_call(function: dict) -> tuple[Optional[DemoCall], str]:
    """The call for one function as GET /_local/functions describes it: (call, how it was chosen); a None
    call means a direct invoke through POST /_local/functions/{id}/invocations."""
    known = DEMO_CALLS.get(function["handler"])
    if known:
        return known, "demo call"
    for route in function["routes"]:
        method, _, path = route.partition(" ")
        if path:
            path = re.sub(r"\{(\w+)\+?\}", lambda m: DEMO_PATH_VALUES.get(m.group(1), "demo"), path)
            return DemoCall("POST" if method == "ANY" else method, path, {}), "first route, no demo call known"
    return None, "direct invoke, no route"


class LocalStackClient:
    """What the bench and the AOT training do with a running local stack."""

    def __init__(self, urls: dict[str, str]):
        self.urls = urls

    def _request(self, method: str, url: str, body: Optional[bytes] = None,
                 headers: Optional[dict] = None) -> tuple[int, bytes]:
        sent = {"Content-Type": "application/json"} if body is not None else {}
        request = urllib.request.Request(url, data=body, method=method, headers=dict(sent, **(headers or {})))
        try:
            with urllib.request.urlopen(request, timeout=300) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def functions(self) -> list[dict]:
        return json.loads(self._request("GET", self.urls["functions"] + "/_local/functions")[1])["functions"]

    def function(self, logical_id: str) -> dict:
        return next(f for f in self.functions() if f["logical_id"] == logical_id)

    def stop_instances(self, logical_id: str) -> None:
        self._request("DELETE", f"{self.urls['functions']}/_local/functions/{logical_id}/instances")

    def call(self, function: dict, call: Optional[DemoCall] = None) -> tuple[int, bytes, str]:
        """Makes `call`, by default the function's demo call; returns (status, body, what was called)."""
        if call is None:
            call, _ = demo_call(function)
        invocations = f"{self.urls['functions']}/_local/functions/{function['logical_id']}/invocations"
        if call is None:
            status, body = self._request("POST", invocations)
            return status, body, "direct invoke"
        if call.fresh_prefixes:
            self.empty_prefixes(call.fresh_prefixes)
        if call.event is not None:
            status, body = self._request("POST", invocations, json.dumps(call.event).encode())
            return status, body, call.describe()
        body, headers = call.make(self.urls) if call.make else \
            (None if call.body is None else json.dumps(call.body).encode(), {})
        status, answer = self._request(call.method, self.urls["functions"] + call.path, body, headers)
        return status, answer, call.describe()

    def empty_prefixes(self, prefixes: tuple[str, ...]) -> None:
        s3 = s3_client(self.urls)
        for bucket in s3.list_buckets()["Buckets"]:
            for prefix in prefixes:
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"], Prefix=prefix):
                    for item in page.get("Contents", []):
                        s3.delete_object(Bucket=bucket["Name"], Key=item["Key"])
