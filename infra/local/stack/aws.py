"""Creates in moto_server what template.yaml declares (buckets, secrets, queues, tables...) and answers
!Ref / !GetAtt for them with the local names and ARNs, the way CloudFormation would after a deploy."""

from __future__ import annotations

import json
import secrets
import string
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import boto3
from botocore.config import Config

from .template import ACCOUNT_ID, REGION, Resolver, Template, TemplateError

# Dummy credentials: moto accepts anything, and nothing here must ever reach a real AWS account.
LOCAL_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


@dataclass
class Physical:
    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)
    created: bool = True


class LocalResources:
    """Resources are created on first reference, so one resource naming another (a queue's dead-letter
    queue, a policy naming a secret) finds it already there."""

    def __init__(self, template: Template, endpoint: str, stack_name: str, parameter_overrides: dict[str, str],
                 secret_value: Callable[[str, dict], str]):
        self.template = template
        self.endpoint = endpoint
        self.stack_name = stack_name
        self.secret_value = secret_value
        self.physical: dict[str, Physical] = {}
        self._creating: set[str] = set()
        self.resolver = Resolver(template, stack_name, parameter_overrides, self.ref, self.get_att)
        self._clients: dict[str, Any] = {}
        self.creators: dict[str, Callable[[str, dict], Physical]] = {
            "AWS::S3::Bucket": self._bucket,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::SQS::Queue": self._queue,
            "AWS::DynamoDB::Table": self._table,
            "AWS::Serverless::SimpleTable": self._simple_table,
            "AWS::SNS::Topic": self._topic,
            "AWS::Serverless::Function": self._function,
            "AWS::Serverless::HttpApi": self._http_api,
            "AWS::Lambda::EventSourceMapping": self._event_source_mapping,
        }

    def included(self, logical_id: str) -> bool:
        condition = self.template.resources[logical_id].get("Condition")
        return condition is None or self.resolver.condition(condition)

    def create_all(self) -> list[str]:
        """Creates every declared resource; returns one line per resource for the console."""
        for logical_id in self.template.resources:
            if self.included(logical_id):
                self._physical(logical_id)
        lines = []
        absent: dict[str, list[str]] = {}   # one line per type: a template has many alarms and log groups
        for logical_id, phys in self.physical.items():
            kind = self.template.resource_type(logical_id)
            if phys.created and kind in self.creators and not kind.startswith("AWS::Serverless::"):
                lines.append(f"{kind} {logical_id}: {phys.ref}")
            elif not phys.created:
                absent.setdefault(kind, []).append(logical_id)
        for kind, ids in absent.items():
            lines.append(f"{kind} {', '.join(ids)}: not created locally (no local counterpart)")
        return lines

    def ref(self, logical_id: str) -> Any:
        return self._physical(logical_id).ref

    def get_att(self, logical_id: str, attribute: str) -> Any:
        phys = self._physical(logical_id)
        if attribute not in phys.attributes:
            raise TemplateError(f"!GetAtt {logical_id}.{attribute} is not known to the local stack")
        return phys.attributes[attribute]

    def _physical(self, logical_id: str) -> Physical:
        if logical_id in self.physical:
            return self.physical[logical_id]
        if logical_id not in self.template.resources:
            raise TemplateError(f"{logical_id} is not a resource of the template")
        if logical_id in self._creating:
            raise TemplateError(f"{logical_id} refers to itself through its properties")
        self._creating.add(logical_id)
        try:
            kind = self.template.resource_type(logical_id)
            creator = self.creators.get(kind)
            props = self.template.properties(logical_id)
            phys = creator(logical_id, props) if creator else Physical(ref=logical_id, created=False)
        finally:
            self._creating.discard(logical_id)
        self.physical[logical_id] = phys
        return phys

    def client(self, service: str):
        if service not in self._clients:
            self._clients[service] = boto3.client(
                service, endpoint_url=self.endpoint, region_name=REGION,
                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
                **LOCAL_CREDENTIALS)
        return self._clients[service]

    def _prop(self, props: dict, name: str, default: Any = None) -> Any:
        return self.resolver.resolve(props[name]) if name in props else default

    def _generated_name(self, logical_id: str) -> str:
        return f"{self.stack_name}-{logical_id}"

    # --- one creator per resource type -------------------------------------------------------------

    def _bucket(self, logical_id: str, props: dict) -> Physical:
        name = self._prop(props, "BucketName") or self._generated_name(logical_id).lower()
        self.client("s3").create_bucket(Bucket=name)
        if "LifecycleConfiguration" in props:
            # moto keeps the rules (GetBucketLifecycleConfiguration shows them) but never applies them
            rules = [lifecycle_rule(r) for r in self._prop(props, "LifecycleConfiguration").get("Rules", [])]
            self.client("s3").put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
        return Physical(ref=name, attributes={
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
        })

    def _secret(self, logical_id: str, props: dict) -> Physical:
        name = self._prop(props, "Name") or self._generated_name(logical_id)
        value = self.secret_value(logical_id, {k: self._prop(props, k) for k in ("SecretString", "GenerateSecretString")})
        answer = self.client("secretsmanager").create_secret(Name=name, SecretString=value)
        return Physical(ref=answer["ARN"], attributes={"Id": answer["ARN"]})

    def _queue(self, logical_id: str, props: dict) -> Physical:
        fifo = str(self._prop(props, "FifoQueue", False)).lower() == "true"
        name = self._prop(props, "QueueName") or self._generated_name(logical_id) + (".fifo" if fifo else "")
        attributes = {}
        for key in ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
                    "VisibilityTimeout", "FifoQueue", "ContentBasedDeduplication"):
            if key in props:
                value = self._prop(props, key)
                attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
        for key in ("RedrivePolicy", "RedriveAllowPolicy"):
            if key in props:
                attributes[key] = json.dumps(self._prop(props, key))
        url = self.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return Physical(ref=url, attributes={
            "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}", "QueueName": name, "QueueUrl": url})

    def _table(self, logical_id: str, props: dict) -> Physical:
        name = self._prop(props, "TableName") or self._generated_name(logical_id)
        args = {"TableName": name, "KeySchema": self._prop(props, "KeySchema"),
                "AttributeDefinitions": self._prop(props, "AttributeDefinitions"),
                "BillingMode": self._prop(props, "BillingMode", "PROVISIONED")}
        if args["BillingMode"] == "PROVISIONED":
            args["ProvisionedThroughput"] = self._prop(props, "ProvisionedThroughput",
                                                       {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"):
            if key in props:
                args[key] = self._prop(props, key)
        table = self.client("dynamodb").create_table(**args)["TableDescription"]
        if "TimeToLiveSpecification" in props:
            self.client("dynamodb").update_time_to_live(
                TableName=name, TimeToLiveSpecification=self._prop(props, "TimeToLiveSpecification"))
        return Physical(ref=name, attributes={"Arn": table["TableArn"], "StreamArn": table.get("LatestStreamArn")})

    def _simple_table(self, logical_id: str, props: dict) -> Physical:
        key = self._prop(props, "PrimaryKey", {"Name": "id", "Type": "String"})
        kind = {"String": "S", "Number": "N", "Binary": "B"}[key["Type"]]
        return self._table(logical_id, {
            "TableName": self._prop(props, "TableName") or self._generated_name(logical_id),
            "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": key["Name"], "AttributeType": kind}],
            "BillingMode": "PAY_PER_REQUEST"})

    def _topic(self, logical_id: str, props: dict) -> Physical:
        name = self._prop(props, "TopicName") or self._generated_name(logical_id)
        arn = self.client("sns").create_topic(Name=name)["TopicArn"]
        return Physical(ref=arn, attributes={"TopicArn": arn, "TopicName": name})

    def _function(self, logical_id: str, props: dict) -> Physical:
        name = self._prop(props, "FunctionName") or self._generated_name(logical_id)
        return Physical(ref=name, attributes={"Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"})

    def _event_source_mapping(self, logical_id: str, props: dict) -> Physical:
        """Nothing in moto: the local stack polls the queue itself (sqs_source.py). Its Ref is a UUID, as Lambda's."""
        mapping_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.stack_name}/{logical_id}"))
        return Physical(ref=mapping_id, attributes={
            "Id": mapping_id,
            "EventSourceMappingArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:event-source-mapping:{mapping_id}"})

    def _http_api(self, logical_id: str, props: dict) -> Physical:
        api_id = "local" + logical_id.lower()[:5]
        return Physical(ref=api_id, attributes={"ApiEndpoint": f"http://127.0.0.1/{api_id}"})


def lifecycle_rule(rule: dict) -> dict:
    """A lifecycle rule as CloudFormation writes it, as the S3 API takes it (the properties a rule of ours
    uses; anything else is refused rather than silently dropped)."""
    known = {"Id", "Status", "Prefix", "AbortIncompleteMultipartUpload", "ExpirationInDays",
             "NoncurrentVersionExpirationInDays"}
    unknown = sorted(set(rule) - known)
    if unknown:
        raise TemplateError(f"lifecycle rule {rule.get('Id', '?')}: {', '.join(unknown)} not supported locally")
    api = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "Id" in rule:
        api["ID"] = rule["Id"]
    if "AbortIncompleteMultipartUpload" in rule:
        api["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
    if "ExpirationInDays" in rule:
        api["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionExpirationInDays" in rule:
        api["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(rule["NoncurrentVersionExpirationInDays"])}
    return api


def generated_secret(spec: dict) -> str:
    """GenerateSecretString, roughly as Secrets Manager does it (length, exclusions, template + key)."""
    length = int(spec.get("PasswordLength", 32))
    excluded = set(spec.get("ExcludeCharacters", ""))
    alphabet = [c for c in string.ascii_letters + string.digits + "!#$%&()*+,-.:;<=>?@[]^_{|}~"
                if c not in excluded and not (spec.get("ExcludePunctuation") and c in string.punctuation)]
    password = "".join(secrets.choice(alphabet) for _ in range(length))
    if spec.get("SecretStringTemplate") and spec.get("GenerateStringKey"):
        value = json.loads(spec["SecretStringTemplate"])
        value[spec["GenerateStringKey"]] = password
        return json.dumps(value)
    return password
