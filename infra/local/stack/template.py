"""Reads template.yaml (SAM) the way the local stack needs it: its resources, its functions with their
HTTP API routes, SQS event sources (SAM SQS events and AWS::Lambda::EventSourceMapping resources) and
schedules, with CloudFormation intrinsic functions resolved against the local resources."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account, so ARNs moto returns and ours agree


class TemplateError(Exception):
    """Something in template.yaml the local stack cannot honour; the message says what."""


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that understands the short forms !Ref, !GetAtt, !Sub, !If... as their long forms."""


def _construct_intrinsic(loader: yaml.SafeLoader, tag: str, node: yaml.Node) -> dict:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag in ("Ref", "Condition"):
        return {tag: value}
    if tag == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Fn::" + tag: value}


_CfnLoader.add_multi_constructor("!", _construct_intrinsic)


@dataclass
class Route:
    method: str          # "POST", or "ANY"
    path: str            # "/v1/entities/{type}/{id}/thumbnail", or "$default"
    function: "Function"
    iam: bool            # the route is IAM-authorised: the event carries an authorizer.iam identity

    @property
    def key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass
class SqsTrigger:
    """An `Events: Type: SQS` of a function, or an AWS::Lambda::EventSourceMapping on a queue (event_name is
    then its logical id): what Lambda's event source mapping is configured with."""
    event_name: str
    queue_arn: str
    batch_size: int = 10
    batching_window_s: int = 0
    report_batch_item_failures: bool = False
    max_concurrency: Optional[int] = None   # ScalingConfig.MaximumConcurrency
    enabled: bool = True
    mapping: bool = False                   # read from an AWS::Lambda::EventSourceMapping resource

    def where(self, function_logical_id: str) -> str:
        """What log lines and errors call it: the mapping's logical id, or Function.Event."""
        return self.event_name if self.mapping else f"{function_logical_id}.{self.event_name}"


@dataclass
class ScheduleTrigger:
    """An `Events: Type: Schedule` (an EventBridge rule) or `ScheduleV2` (an EventBridge Scheduler schedule)."""
    event_name: str
    kind: str                 # "Schedule" or "ScheduleV2"
    expression: str           # "rate(15 minutes)", "cron(0 3 * * ? *)"
    input: Optional[str]      # the template's Input (JSON text), sent instead of the Scheduled Event
    arn: str                  # the rule's (or schedule's) ARN, the event's resources[0]
    enabled: bool = True


@dataclass
class Function:
    logical_id: str
    name: str
    handler: str
    runtime: str
    code_uri: str
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]
    routes: list[Route] = field(default_factory=list)
    reserved_concurrency: Optional[int] = None
    sqs_triggers: list[SqsTrigger] = field(default_factory=list)
    schedules: list[ScheduleTrigger] = field(default_factory=list)
    other_events: list[tuple[str, str]] = field(default_factory=list)  # (name, type) not triggered locally

    @property
    def handler_name(self) -> str:
        """What the console shows: the Quarkus handler the function picks, else the Lambda handler."""
        return self.environment.get("QUARKUS_LAMBDA_HANDLER", self.handler)


class Template:
    def __init__(self, path: Path):
        self.path = path
        try:
            self.doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader) or {}
        except yaml.YAMLError as e:
            raise TemplateError(f"{path} is not valid YAML: {e}") from e
        self.parameters: dict = self.doc.get("Parameters") or {}
        self.resources: dict = self.doc.get("Resources") or {}
        self.conditions: dict = self.doc.get("Conditions") or {}
        self.mappings: dict = self.doc.get("Mappings") or {}
        self.function_globals: dict = (self.doc.get("Globals") or {}).get("Function") or {}

    def resource_type(self, logical_id: str) -> str:
        return self.resources[logical_id].get("Type", "")

    def properties(self, logical_id: str) -> dict:
        return self.resources[logical_id].get("Properties") or {}


class Resolver:
    """Evaluates intrinsic functions. `ref` and `get_att` answer for resources (they may create them
    on first use, which orders creation by dependency for free); parameters use their defaults
    unless overridden."""

    PSEUDO = {
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::NotificationARNs": [],
    }
    NO_VALUE = object()

    def __init__(self, template: Template, stack_name: str, parameter_overrides: dict[str, str],
                 ref: Callable[[str], Any], get_att: Callable[[str, str], Any]):
        self.template = template
        self.stack_name = stack_name
        self.parameter_overrides = parameter_overrides
        self._ref = ref
        self._get_att = get_att

    def condition(self, name: str) -> bool:
        if name not in self.template.conditions:
            raise TemplateError(f"Condition {name} is not declared")
        return bool(self.resolve(self.template.conditions[name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not self.NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Condition":
                return self.condition(arg)
            if key.startswith("Fn::"):
                return self._function(key[4:], arg)
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in value.items()) if v is not self.NO_VALUE}

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return self.NO_VALUE
        if name == "AWS::StackName":
            return self.stack_name
        if name == "AWS::StackId":
            return f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{self.stack_name}/local"
        if name in self.PSEUDO:
            return self.PSEUDO[name]
        if name in self.template.parameters:
            if name in self.parameter_overrides:
                return self.parameter_overrides[name]
            spec = self.template.parameters[name]
            if "Default" not in spec:
                raise TemplateError(f"Parameter {name} has no Default; pass --parameter {name}=VALUE")
            return spec["Default"]
        if name in self.template.resources:
            return self._ref(name)
        logical_id, dot, attribute = name.partition(".")
        if dot and self.template.resources.get(logical_id, {}).get("Type") == "AWS::Serverless::Function":
            return self._function_reference(logical_id, attribute)
        raise TemplateError(f"!Ref {name}: no such parameter or resource")

    def _function_reference(self, logical_id: str, attribute: str) -> str:
        """SAM's referenceable property Function.Alias: the alias AutoPublishAlias makes, whose Ref is its ARN."""
        if attribute != "Alias":
            raise TemplateError(f"!Ref {logical_id}.{attribute}: only {logical_id}.Alias is known to the local stack")
        own = self.template.properties(logical_id)
        alias = self.resolve(own.get("AutoPublishAlias", self.template.function_globals.get("AutoPublishAlias")))
        if not alias:
            raise TemplateError(f"!Ref {logical_id}.Alias: {logical_id} has no AutoPublishAlias, so SAM makes no alias")
        return f"{function_arn(str(self.ref(logical_id)))}:{alias}"

    def _function(self, name: str, arg: Any) -> Any:
        if name == "GetAtt":
            logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return self._get_att(logical_id, self.resolve(attribute))
        if name == "Sub":
            return self._sub(arg)
        if name == "Join":
            separator, items = arg
            return str(separator).join(str(i) for i in self.resolve(items))
        if name == "Select":
            index, items = self.resolve(arg)
            return items[int(index)]
        if name == "Split":
            separator, text = self.resolve(arg)
            return text.split(separator)
        if name == "If":
            condition, when_true, when_false = arg
            return self.resolve(when_true if self.condition(condition) else when_false)
        if name == "Equals":
            left, right = self.resolve(arg)
            return str(left) == str(right)
        if name == "Not":
            return not self.resolve(arg[0])
        if name == "And":
            return all(self.resolve(a) for a in arg)
        if name == "Or":
            return any(self.resolve(a) for a in arg)
        if name == "FindInMap":
            mapping, key, attribute = self.resolve(arg)
            return self.template.mappings[mapping][key][attribute]
        if name == "Base64":
            return base64.b64encode(str(self.resolve(arg)).encode()).decode()
        if name == "ToJsonString":
            return json.dumps(self.resolve(arg), separators=(",", ":"))
        if name == "GetAZs":
            return [REGION + "a", REGION + "b", REGION + "c"]
        raise TemplateError(f"Fn::{name} is not supported by the local stack")

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self._get_att(logical_id, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)


def read_functions(template: Template, resolver: Resolver, included: Callable[[str], bool]) -> list[Function]:
    """Every AWS::Serverless::Function with its merged Globals, resolved environment, HttpApi routes, SQS
    event sources and schedules."""
    functions = []
    api_auth = _http_api_default_authorizers(template)
    for logical_id, resource in template.resources.items():
        if resource.get("Type") != "AWS::Serverless::Function" or not included(logical_id):
            continue
        props = _with_globals(template.function_globals, resource.get("Properties") or {})
        environment = resolver.resolve((props.get("Environment") or {}).get("Variables") or {})
        function = Function(
            logical_id=logical_id,
            name=str(resolver.ref(logical_id)),
            handler=str(resolver.resolve(props.get("Handler", ""))),
            runtime=str(resolver.resolve(props.get("Runtime", ""))),
            code_uri=str(resolver.resolve(props.get("CodeUri", ""))),
            memory_mb=int(resolver.resolve(props.get("MemorySize", 128))),
            timeout_s=int(resolver.resolve(props.get("Timeout", 3))),
            environment={k: _env_string(v) for k, v in environment.items()},
        )
        reserved = resolver.resolve(props.get("ReservedConcurrentExecutions", Resolver.NO_VALUE))
        if reserved is not Resolver.NO_VALUE:   # absent, or !If [..., !Ref AWS::NoValue] (no reservation)
            function.reserved_concurrency = int(reserved)
        for event_name, event in (props.get("Events") or {}).items():
            event_props = event.get("Properties") or {}
            kind = event.get("Type")
            if kind == "SQS":
                function.sqs_triggers.append(_sqs_trigger(logical_id, event_name, resolver.resolve(event_props)))
                continue
            if kind in ("Schedule", "ScheduleV2"):
                function.schedules.append(_schedule_trigger(function, event_name, kind, resolver.resolve(event_props),
                                                            resolver.stack_name))
                continue
            if kind != "HttpApi":
                function.other_events.append((event_name, str(kind)))
                continue
            if str(event_props.get("PayloadFormatVersion", "2.0")) != "2.0":
                raise TemplateError(f"{logical_id}.{event_name}: only payload format 2.0 is served locally")
            api = (event_props.get("ApiId") or {}).get("Ref", "ServerlessHttpApi") \
                if isinstance(event_props.get("ApiId"), dict) else "ServerlessHttpApi"
            authorizer = (event_props.get("Auth") or {}).get("Authorizer", api_auth.get(api))
            path = resolver.resolve(event_props.get("Path"))
            method = resolver.resolve(event_props.get("Method"))
            if path is None and method is None:
                path, method = "$default", "ANY"
            elif path is None or method is None:
                raise TemplateError(f"{logical_id}.{event_name}: an HttpApi event needs both Path and Method")
            method = str(method).upper()
            function.routes.append(Route(method="ANY" if method in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD") else method,
                                         path=str(path), function=function, iam=authorizer == "AWS_IAM"))
        functions.append(function)
    _read_event_source_mappings(template, resolver, included, functions)
    return functions


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"


def _read_event_source_mappings(template: Template, resolver: Resolver, included: Callable[[str], bool],
                                functions: list[Function]) -> None:
    """Each AWS::Lambda::EventSourceMapping on to its function: an SQS one as the SQS event SAM turns into
    the same resource (its properties are the event's, with EventSourceArn for Queue), any other kind as an
    event not triggered locally."""
    for logical_id, resource in template.resources.items():
        if resource.get("Type") != "AWS::Lambda::EventSourceMapping" or not included(logical_id):
            continue
        raw = resource.get("Properties") or {}
        function = _mapped_function(logical_id, str(resolver.resolve(raw.get("FunctionName", ""))), functions)
        # a stream or broker of the template has no local counterpart to resolve its ARN against
        get_att = raw["EventSourceArn"].get("Fn::GetAtt") if isinstance(raw.get("EventSourceArn"), dict) else None
        target = (get_att.split(".")[0] if isinstance(get_att, str) else get_att[0]) if get_att else None
        if target in template.resources and template.resource_type(target) != "AWS::SQS::Queue":
            function.other_events.append((logical_id, "EventSourceMapping"))
            continue
        props = resolver.resolve(raw)
        source = str(props.get("EventSourceArn", ""))
        if not source.startswith("arn:aws:sqs:"):
            function.other_events.append((logical_id, "EventSourceMapping"))
            continue
        event_props = {k: v for k, v in props.items() if k not in ("EventSourceArn", "FunctionName")}
        function.sqs_triggers.append(_sqs_trigger(function.logical_id, logical_id, {**event_props, "Queue": source},
                                                  mapping=True))


def _mapped_function(logical_id: str, name: str, functions: list[Function]) -> Function:
    """The function a FunctionName names, in any form Lambda takes: its name, its ARN, a version's or an alias's
    ARN (!Ref Function.Alias), or the partial ARN account:function:name. A qualifier runs the same code here."""
    for prefix in (function_arn(""), f"{ACCOUNT_ID}:function:"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    for function in functions:
        if name == function.name or (name.startswith(function.name + ":") and ":" not in name[len(function.name) + 1:]):
            return function
    raise TemplateError(f"{logical_id}: FunctionName {name!r} is no function of the template the local stack runs")


def _sqs_trigger(logical_id: str, event_name: str, props: dict, mapping: bool = False) -> SqsTrigger:
    """Checked as Lambda's CreateEventSourceMapping checks it, so what fails to deploy fails here too."""
    where = event_name if mapping else f"{logical_id}.{event_name}"   # as SqsTrigger.where
    queue_property = "EventSourceArn" if mapping else "Queue"
    if props.get("FilterCriteria"):
        # Lambda deletes the messages a filter does not match; invoking with them would mislead
        raise TemplateError(f"{where}: FilterCriteria is not applied by the local stack")
    trigger = SqsTrigger(
        event_name=event_name,
        mapping=mapping,
        queue_arn=str(props.get("Queue", "")),
        batch_size=int(props.get("BatchSize", 10)),
        batching_window_s=int(props.get("MaximumBatchingWindowInSeconds", 0)),
        report_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        max_concurrency=(props.get("ScalingConfig") or {}).get("MaximumConcurrency"),
        enabled=_truthy(props.get("Enabled", True)),
    )
    if not trigger.queue_arn.startswith("arn:aws:sqs:"):
        raise TemplateError(f"{where}: {queue_property} must be a queue ARN (!GetAtt MyQueue.Arn), "
                            f"not {trigger.queue_arn!r}")
    fifo = trigger.queue_arn.endswith(".fifo")
    if not 1 <= trigger.batch_size <= (10 if fifo else 10000):
        raise TemplateError(f"{where}: BatchSize {trigger.batch_size} is outside 1..{10 if fifo else 10000}")
    if not 0 <= trigger.batching_window_s <= 300:
        raise TemplateError(f"{where}: MaximumBatchingWindowInSeconds {trigger.batching_window_s} is outside 0..300")
    if trigger.batch_size > 10 and trigger.batching_window_s < 1:
        raise TemplateError(f"{where}: a BatchSize over 10 needs MaximumBatchingWindowInSeconds of at least 1")
    if trigger.max_concurrency is not None:
        trigger.max_concurrency = int(trigger.max_concurrency)
    return trigger


def _schedule_trigger(function: "Function", event_name: str, kind: str, props: dict, stack_name: str) -> ScheduleTrigger:
    where = f"{function.logical_id}.{event_name}"
    expression = str(props.get("Schedule" if kind == "Schedule" else "ScheduleExpression", ""))
    if not expression:
        raise TemplateError(f"{where}: a {kind} event needs {'Schedule' if kind == 'Schedule' else 'ScheduleExpression'}")
    text = props.get("Input")
    if text is not None:
        try:
            json.loads(text)
        except (TypeError, ValueError) as e:
            raise TemplateError(f"{where}: Input must be JSON text for a Lambda target ({e})") from e
    # CloudFormation names the rule (or schedule) after the stack and the logical id SAM gives it
    name = str(props.get("Name") or f"{stack_name}-{function.logical_id}{event_name}"[:64])
    if kind == "Schedule":
        arn = f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{name}"
        enabled = _truthy(props.get("Enabled", True)) and str(props.get("State", "ENABLED")).upper() == "ENABLED"
    else:
        arn = f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/{props.get('GroupName') or 'default'}/{name}"
        enabled = str(props.get("State", "ENABLED")).upper() == "ENABLED"
    return ScheduleTrigger(event_name=event_name, kind=kind, expression=expression, input=text, arn=arn, enabled=enabled)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _http_api_default_authorizers(template: Template) -> dict[str, str]:
    """Logical id of each AWS::Serverless::HttpApi -> its DefaultAuthorizer (AWS_IAM, a name, or absent)."""
    result = {}
    for logical_id, resource in template.resources.items():
        if resource.get("Type") == "AWS::Serverless::HttpApi":
            auth = (resource.get("Properties") or {}).get("Auth") or {}
            if auth.get("DefaultAuthorizer"):
                result[logical_id] = auth["DefaultAuthorizer"]
    return result


def _with_globals(globals_: dict, own: dict) -> dict:
    """SAM's Globals rules: maps merge (the function's keys win), anything else is replaced."""
    merged = dict(globals_)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and not _is_intrinsic(value):
            merged[key] = _with_globals(merged[key], value)
        else:
            merged[key] = value
    return merged


def _is_intrinsic(value: dict) -> bool:
    return len(value) == 1 and next(iter(value)) in ("Ref", "Condition") or any(k.startswith("Fn::") for k in value)


def _env_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, (list, dict)) else str(value)
