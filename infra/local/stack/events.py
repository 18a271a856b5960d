"""The events Lambda's non-HTTP callers send, shaped as they send them: an SQS event source's batch and
an EventBridge (or EventBridge Scheduler) schedule's event."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Optional

from .template import ACCOUNT_ID, REGION

# What Lambda copies from a message's system attributes into a record's "attributes"
SQS_RECORD_ATTRIBUTES = ("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
                         "AWSTraceHeader", "SequenceNumber", "MessageGroupId", "MessageDeduplicationId",
                         "DeadLetterQueueSourceArn")


def sqs_event(messages: list[dict], queue_arn: str) -> dict:
    """Lambda's SQS event for messages as ReceiveMessage returns them (boto3's shape)."""
    return {"Records": [sqs_record(m, queue_arn) for m in messages]}


def sqs_record(message: dict, queue_arn: str) -> dict:
    attributes = message.get("Attributes") or {}
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": {k: attributes[k] for k in SQS_RECORD_ATTRIBUTES if k in attributes},
        "messageAttributes": {name: _message_attribute(value)
                              for name, value in (message.get("MessageAttributes") or {}).items()},
        "md5OfBody": message.get("MD5OfBody", ""),
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update({"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": queue_arn.split(":")[3]})
    return record


def _message_attribute(value: dict) -> dict:
    """SQS's {"StringValue", "DataType"...} as Lambda writes it: camel case, binary as base64, the (unused)
    list members always present."""
    attribute: dict = {}
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    attribute["stringListValues"] = list(value.get("StringListValues") or [])
    attribute["binaryListValues"] = [base64.b64encode(v).decode("ascii") for v in value.get("BinaryListValues") or []]
    attribute["dataType"] = value["DataType"]
    return attribute


def scheduled_event(resource_arn: str, scheduler: bool = False, now: Optional[float] = None) -> dict:
    """The event a schedule without Input sends. An EventBridge rule sends a "Scheduled Event" from
    aws.events with an empty detail; EventBridge Scheduler's default notification has the same shape from
    aws.scheduler, with detail as the *string* "{}" (cloud-custodian PR #9566 met it in the wild)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler" if scheduler else "aws.events",
        "account": ACCOUNT_ID,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if now is None else now)),
        "region": REGION,
        "resources": [resource_arn],
        "detail": "{}" if scheduler else {},
    }
