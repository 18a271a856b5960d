"""The project's template.yaml is ready for a studio's AWS account: every function capped, logged with
retention and alarmed; the HTTP API throttled and access-logged; the bucket TLS-only; the prefixes never
empty; no key in a secret's template value; SnapStart and arm64 as options. (cfn-lint, run by .ci/run,
checks that it deploys as SAM reads it; this checks that it says what operations need.)"""

import importlib.util
import json
import os
import re
import unittest
from pathlib import Path

from stack.template import Template

REPO = Path(__file__).resolve().parents[3]
NO_VALUE = {"Ref": "AWS::NoValue"}
ALARM_ACTIONS = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], NO_VALUE]}
# The concurrency all functions may reserve together by default: modest, for an FPTR site shared with the studio.
MAX_TOTAL_RESERVED = 100


class ProjectTemplateTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.template = Template(REPO / "template.yaml")
        cls.resources = cls.template.resources
        cls.parameters = cls.template.parameters

    def of_type(self, kind):
        return {lid: r.get("Properties") or {} for lid, r in self.resources.items() if r.get("Type") == kind}

    def functions(self):
        functions = self.of_type("AWS::Serverless::Function")
        self.assertGreaterEqual(len(functions), 6, "the template's functions")
        return functions

    def alarms(self):
        return self.of_type("AWS::CloudWatch::Alarm")

    def queue_consumers(self):
        """(name, function logical id, its properties, the event source's properties with Queue) of every SQS
        event and every AWS::Lambda::EventSourceMapping on a queue (FunctionName: !Ref F, F.Alias or F.Arn)."""
        functions = self.functions()
        for lid, props in functions.items():
            for event_name, event in (props.get("Events") or {}).items():
                if event.get("Type") == "SQS":
                    yield f"{lid}.{event_name}", lid, props, event["Properties"]
        for lid, mapping in self.of_type("AWS::Lambda::EventSourceMapping").items():
            target = mapping["FunctionName"]
            function = (target.get("Ref") or target.get("Fn::GetAtt", [""])[0]).split(".")[0]
            self.assertIn(function, functions, f"{lid}: FunctionName is a function of the template")
            if "Fn::GetAtt" in mapping["EventSourceArn"]:
                yield lid, function, functions[function], {**mapping, "Queue": mapping["EventSourceArn"]}

    # ---- concurrency ---------------------------------------------------------------------------------------

    def test_every_function_reserves_its_own_concurrency_parameter_and_the_total_is_modest(self):
        total = 0
        for lid, props in self.functions().items():
            reserved = props.get("ReservedConcurrentExecutions")
            self.assertIsInstance(reserved, dict, f"{lid} has ReservedConcurrentExecutions")
            condition, when, otherwise = reserved["Fn::If"]
            self.assertEqual((condition, otherwise), ("ReserveConcurrency", NO_VALUE), lid)
            parameter = self.parameters[when["Ref"]]
            self.assertEqual(parameter["Type"], "Number", lid)
            self.assertGreaterEqual(int(parameter["MinValue"]), 1, f"{lid}: 0 would never run it")
            self.assertGreaterEqual(int(parameter["Default"]), 1, lid)
            total += int(parameter["Default"])
        capped = 0
        for name, lid, props, source in self.queue_consumers():
            scaling = source.get("ScalingConfig") or {}
            if "MaximumConcurrency" in scaling:
                capped += 1
                # a reservation below the queue's MaximumConcurrency throttles batches back onto the queue
                when = props["ReservedConcurrentExecutions"]["Fn::If"][1]
                self.assertEqual(scaling["MaximumConcurrency"], when, f"{name}: the same parameter")
                self.assertGreaterEqual(int(self.parameters[when["Ref"]]["MinValue"]), 2,
                                        "SQS's MaximumConcurrency is at least 2")
        self.assertEqual(capped, 2, "the thumbnail and upload workers' event sources")
        self.assertLessEqual(total, MAX_TOTAL_RESERVED, "the reserved concurrency of all functions together")
        self.assertEqual(self.template.conditions["ReserveConcurrency"], {"Fn::Equals": [{"Ref": "ReserveConcurrency"}, "true"]})
        self.assertEqual(self.parameters["ReserveConcurrency"]["Default"], "true")

    # ---- logs ----------------------------------------------------------------------------------------------

    def test_every_function_logs_to_its_own_group_with_the_retention_parameter(self):
        groups = self.of_type("AWS::Logs::LogGroup")
        used = []
        for lid, props in self.functions().items():
            group = ((props.get("LoggingConfig") or {}).get("LogGroup") or {}).get("Ref")
            self.assertIn(group, groups, f"{lid}: LoggingConfig.LogGroup is a log group of the template")
            self.assertEqual(groups[group].get("RetentionInDays"), {"Ref": "LogRetentionInDays"}, group)
            self.assertNotIn(group, used, f"{lid} shares {group}")
            used.append(group)
        retention = self.parameters["LogRetentionInDays"]
        self.assertIn(int(retention["Default"]), retention["AllowedValues"])
        self.assertTrue(set(retention["AllowedValues"]) <= {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                                                           1096, 1827, 2192, 2557, 2922, 3288, 3653}, "CloudWatch's values")
        self.assertTrue(all(g.get("RetentionInDays") for g in groups.values()), "every log group expires")

    # ---- the HTTP API --------------------------------------------------------------------------------------

    def test_every_http_function_answers_before_api_gateways_30_seconds(self):
        """API Gateway stops waiting after 30 s (a cold start included): an HTTP function's own 503/504 must come first."""
        http = [lid for lid, props in self.functions().items()
                if any(e.get("Type") == "HttpApi" for e in (props.get("Events") or {}).values())]
        self.assertIn("UploadFunction", http)
        for lid in http:
            self.assertLessEqual(int(self.functions()[lid]["Timeout"]), 25, f"{lid}: Timeout")

    def test_the_http_api_throttles_every_route_and_writes_json_access_logs_with_retention(self):
        apis = self.of_type("AWS::Serverless::HttpApi")
        self.assertTrue(apis)
        for lid, props in apis.items():
            throttling = props.get("DefaultRouteSettings") or {}
            for key, parameter in (("ThrottlingRateLimit", "ApiThrottlingRateLimit"),
                                   ("ThrottlingBurstLimit", "ApiThrottlingBurstLimit")):
                self.assertEqual(throttling.get(key), {"Ref": parameter}, f"{lid}.DefaultRouteSettings.{key}")
                self.assertGreaterEqual(int(self.parameters[parameter]["Default"]), 1)
            access = props.get("AccessLogSettings") or {}
            group = access.get("DestinationArn", {}).get("Fn::GetAtt", [None])[0]
            self.assertEqual(self.resources[group]["Type"], "AWS::Logs::LogGroup", f"{lid} logs to a log group")
            self.assertEqual(self.resources[group]["Properties"]["RetentionInDays"], {"Ref": "LogRetentionInDays"})
            line = json.loads(re.sub(r"\$context\.[A-Za-z.]+", "x", access["Format"]))
            variables = set(re.findall(r"\$context\.[A-Za-z.]+", access["Format"]))
            self.assertTrue({"$context.requestId", "$context.routeKey", "$context.status",
                             "$context.identity.userArn", "$context.awsEndpointRequestId"} <= variables, variables)
            self.assertFalse([v for v in variables if "query" in v.lower() or "header" in v.lower()],
                             "no query string or header value in the access log")
            self.assertIsInstance(line, dict)

    # ---- alarms --------------------------------------------------------------------------------------------

    def lambda_alarms(self, metric):
        found = {}
        for lid, props in self.alarms().items():
            if props.get("Namespace") == "AWS/Lambda" and props.get("MetricName") == metric:
                (dimension,) = props["Dimensions"]
                self.assertEqual(dimension["Name"], "FunctionName", lid)
                found[dimension["Value"]["Ref"]] = props
        return found

    def test_every_function_has_an_errors_and_a_throttles_alarm(self):
        for metric in ("Errors", "Throttles"):
            alarms = self.lambda_alarms(metric)
            for lid in self.functions():
                self.assertIn(lid, alarms, f"{lid} has a {metric} alarm")
                alarm = alarms[lid]
                self.assertEqual((alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]),
                                 ("Sum", 0, "GreaterThanThreshold"), f"{lid} {metric}: any is an alarm")
                self.assertEqual(alarm["TreatMissingData"], "notBreaching", "no invocations is not an alarm")

    def test_failures_answered_rather_than_thrown_are_alarmed_too(self):
        """The sweep answers a failed run and the HTTP functions a failure as problem+json: no Lambda error, so their
        Errors alarms stay quiet. The sweep's own SweepFailed metric and API Gateway's 5xx are alarmed instead."""
        def alarmed(namespace, metric, dimension):
            return [a for a in self.alarms().values() if a.get("Namespace") == namespace and a.get("MetricName") == metric
                    and a.get("Dimensions") == [dimension] and a.get("Statistic") == "Sum" and a.get("Threshold") == 0
                    and a.get("ComparisonOperator") == "GreaterThanThreshold" and a.get("TreatMissingData") == "notBreaching"]
        self.assertEqual(len(alarmed({"Ref": "MetricsNamespace"}, "SweepFailed", {"Name": "Function", "Value": "sweep"})), 1)
        self.assertEqual(len(alarmed("AWS/ApiGateway", "5xx", {"Name": "ApiId", "Value": {"Ref": "HttpApi"}})), 1)
        sweep = self.functions()["SweepFunction"]["Environment"]["Variables"]["QUARKUS_LAMBDA_HANDLER"]
        self.assertEqual(sweep, "sweep", "the alarm's Function dimension is the handler's name")
        metric = (REPO / "src/main/java/io/fptrfunctions/telemetry/Metric.java").read_text(encoding="utf-8")
        self.assertIn('SWEEP_FAILED("SweepFailed"', metric, "the metric the sweep counts")

    def test_every_job_queue_dead_letters_after_a_parameter_an_operator_can_tune(self):
        # How many failed tries a job gets is a trade-off per studio (outages ridden out against work repeated:
        # a failed upload sends its whole object again), so each job queue's maxReceiveCount is a parameter.
        for lid, props in self.of_type("AWS::SQS::Queue").items():
            redrive = props.get("RedrivePolicy")
            if not redrive:
                continue
            count = redrive["maxReceiveCount"]
            self.assertIsInstance(count, dict, f"{lid}: maxReceiveCount is a parameter, not {count!r}")
            parameter = self.parameters[count["Ref"]]
            self.assertEqual(parameter["Type"], "Number", lid)
            # a body that is no job goes back at once and must still reach the dead-letter queue after a retry
            self.assertGreaterEqual(int(parameter["MinValue"]), 2, lid)
            self.assertIn("dead-letter queue", parameter["Description"], lid)
        self.assertEqual(self.of_type("AWS::SQS::Queue")["UploadJobQueue"]["RedrivePolicy"]["maxReceiveCount"],
                         {"Ref": "UploadJobMaxReceiveCount"})
        self.assertEqual(int(self.parameters["UploadJobMaxReceiveCount"]["Default"]), 6, "as before the parameter")

    def test_every_dead_letter_queue_has_a_depth_alarm(self):
        dead_letter_queues = set()
        for props in self.of_type("AWS::SQS::Queue").values():
            target = (props.get("RedrivePolicy") or {}).get("deadLetterTargetArn")
            if target:
                dead_letter_queues.add(target["Fn::GetAtt"][0])
        self.assertIn("ThumbnailJobDeadLetterQueue", dead_letter_queues)
        alarmed = {(a["Dimensions"][0]["Value"]["Fn::GetAtt"][0]) for a in self.alarms().values()
                   if a.get("Namespace") == "AWS/SQS" and a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
                   and a.get("Threshold") == 0 and a.get("ComparisonOperator") == "GreaterThanThreshold"}
        self.assertEqual(dead_letter_queues - alarmed, set(), "dead-letter queues without a depth > 0 alarm")

    def test_every_queue_a_function_consumes_hides_a_batch_six_times_its_timeout_and_dead_letters_later(self):
        """AWS asks an SQS event source's queue for a visibility timeout of at least 6x the function's Timeout; a
        dead-letter queue keeps a job longer than its queue (a standard queue's message keeps its first enqueue
        time, so a shorter retention would drop a moved job early)."""
        queues = self.of_type("AWS::SQS::Queue")
        consumed = 0
        for name, lid, props, source in self.queue_consumers():
            timeout = int(props.get("Timeout", self.template.function_globals.get("Timeout", 3)))
            consumed += 1
            queue = queues[source["Queue"]["Fn::GetAtt"][0]]
            self.assertGreaterEqual(int(queue["VisibilityTimeout"]), 6 * timeout, name)
            dead_letter = queues[queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]]
            self.assertGreater(int(dead_letter["MessageRetentionPeriod"]), int(queue["MessageRetentionPeriod"]),
                               f"{name}: the dead-letter queue keeps a job longer than its queue")
        self.assertEqual(consumed, 2, "the thumbnail and upload workers' queues")

    # ---- least privilege on the queues -----------------------------------------------------------------------

    CONSUMER_ACTIONS = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}

    def sqs_statements(self, policies):
        """(actions, resources) of every SQS-granting statement in a list of policy documents."""
        for document in policies:
            for statement in document.get("Statement", []):
                actions = statement.get("Action", [])
                actions = [actions] if isinstance(actions, str) else actions
                sqs = {a for a in actions if a.lower().startswith("sqs:") or a == "*"}
                if sqs and statement.get("Effect") == "Allow":
                    resources = statement.get("Resource", [])
                    yield sqs, resources if isinstance(resources, list) else [resources]

    def test_no_function_gets_sams_sqs_event_and_a_worker_may_consume_its_own_queue_only(self):
        """A SAM `Type: SQS` event makes SAM attach AWSLambdaSQSQueueExecutionRole (sqs:ReceiveMessage,
        DeleteMessage, GetQueueAttributes on Resource "*") and SAM has no switch against it: the workers' event
        sources are AWS::Lambda::EventSourceMapping resources, each worker's own statement granting those three
        actions on its own queue only - which Lambda checks when it creates the mapping."""
        queue_arns = [{"Fn::GetAtt": [lid, "Arn"]} for lid in self.of_type("AWS::SQS::Queue")]
        polled = {}
        for name, lid, props, source in self.queue_consumers():
            polled.setdefault(lid, []).append(source["Queue"])
        self.assertEqual(sorted(polled), ["ThumbnailWorkerFunction", "UploadWorkerFunction"])
        for lid, props in self.functions().items():
            self.assertEqual([e for e, event in (props.get("Events") or {}).items() if event.get("Type") == "SQS"], [],
                             f"{lid}: a SAM SQS event, which brings SAM's policy on every queue")
            managed = [p for p in props.get("Policies", []) if isinstance(p, str)]
            self.assertEqual([p for p in managed if "SQS" in p.upper()], [], f"{lid}: an AWS managed SQS policy")
            documents = [p for p in props.get("Policies", []) if isinstance(p, dict) and "Statement" in p]
            consumer_queues = []
            for actions, resources in self.sqs_statements(documents):
                for resource in resources:
                    self.assertIn(resource, queue_arns, f"{lid}: {sorted(actions)} on {resource!r}, not a queue")
                if actions & self.CONSUMER_ACTIONS:
                    self.assertEqual(actions & self.CONSUMER_ACTIONS, self.CONSUMER_ACTIONS, lid)
                    consumer_queues += resources
            self.assertEqual(consumer_queues, polled.get(lid, []),
                             f"{lid}: receive, delete and get-attributes on the queue it polls, and no other")

    @unittest.skipUnless(importlib.util.find_spec("cfnlint"), "cfn-lint (SAM's transform) is not installed")
    def test_after_sams_transform_no_role_has_sqs_on_every_queue_and_a_worker_consumes_its_own_only(self):
        """What SAM makes of the template (cfn-lint's transform, as `cfn-lint template.yaml` runs it): no role
        has a managed SQS policy or an SQS action on "*"; a worker's role receives, deletes and reads the attributes
        of the queue its event source mapping polls, and of no other."""
        from cfnlint.decode import decode
        from cfnlint.template.transforms._sam import Transform

        template, problems = decode(str(REPO / "template.yaml"))
        self.assertFalse(problems)
        region = os.environ.get("AWS_DEFAULT_REGION")
        transform = Transform(str(REPO / "template.yaml"), template, "us-east-1")
        try:
            self.assertEqual(transform.transform_template(), [])
        finally:   # the transform sets it for SAM's ARNs
            if region is None:
                os.environ.pop("AWS_DEFAULT_REGION", None)
            else:
                os.environ["AWS_DEFAULT_REGION"] = region
        resources = json.loads(json.dumps(transform.template()["Resources"], default=str))
        customer_managed = {lid: r["Properties"]["PolicyDocument"] for lid, r in resources.items()
                            if r["Type"] == "AWS::IAM::ManagedPolicy"}
        consumed = {}   # role -> queues its functions' mappings poll
        for lid, r in resources.items():
            if r["Type"] != "AWS::Lambda::EventSourceMapping":
                continue
            alias = resources[r["Properties"]["FunctionName"]["Ref"]]
            self.assertEqual(alias["Type"], "AWS::Lambda::Alias", f"{lid} targets the alias, as SAM's event did")
            function = resources[alias["Properties"]["FunctionName"]["Ref"]]
            role = function["Properties"]["Role"]["Fn::GetAtt"][0]
            consumed.setdefault(role, []).append(r["Properties"]["EventSourceArn"])
        self.assertEqual(len(consumed), 2, "the thumbnail and upload workers' roles")
        for lid, r in resources.items():
            if r["Type"] != "AWS::IAM::Role":
                continue
            props = r["Properties"]
            managed = [json.dumps(arn) for arn in props.get("ManagedPolicyArns", []) if "Ref" not in arn]
            self.assertEqual([m for m in managed if "SQS" in m.upper()], [], f"{lid}: an AWS managed SQS policy")
            documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
            documents += [customer_managed[arn["Ref"]] for arn in props.get("ManagedPolicyArns", []) if "Ref" in arn]
            granted = {}   # queue -> the consumer actions the role has on it
            for actions, resources_ in self.sqs_statements(documents):
                self.assertNotIn("*", resources_, f"{lid}: {sorted(actions)} on every queue")
                self.assertNotIn("*", actions, lid)
                for resource in resources_:
                    granted.setdefault(json.dumps(resource), set()).update(actions & self.CONSUMER_ACTIONS)
            self.assertEqual({queue: actions for queue, actions in granted.items() if actions},
                             {json.dumps(queue): self.CONSUMER_ACTIONS for queue in consumed.get(lid, [])},
                             f"{lid}: receive, delete and get-attributes on the queue it polls, and no other")

    def test_the_outputs_name_every_job_queue_and_dead_letter_queue_an_operator_acts_on(self):
        """README's recovery (aws sqs start-message-move-task --source-arn <dead-letter queue ARN>) and queue checks
        (get-queue-attributes --queue-url) take them from the stack's outputs, not from the console."""
        outputs = self.template.doc["Outputs"]
        values = [json.dumps(output["Value"]) for output in outputs.values()]
        for lid, props in self.of_type("AWS::SQS::Queue").items():
            if "RedrivePolicy" in props:
                self.assertIn(json.dumps({"Ref": lid}), values, f"{lid}: its URL is an output")
            else:
                self.assertIn(json.dumps({"Fn::GetAtt": [lid, "Arn"]}), values, f"{lid}: its ARN is an output")
        self.assertIn(json.dumps({"Ref": "StateTable"}), values, "the state table's name is an output")

    def test_every_alarm_notifies_the_optional_topic_only_when_one_is_given(self):
        self.assertEqual(self.parameters["AlarmTopicArn"]["Default"], "")
        self.assertEqual(self.template.conditions["HasAlarmTopic"],
                         {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]})
        pattern = re.compile(self.parameters["AlarmTopicArn"]["AllowedPattern"])
        self.assertTrue(pattern.fullmatch("") and pattern.fullmatch("arn:aws:sns:eu-west-1:123456789012:pipeline-alerts"))
        self.assertFalse(pattern.fullmatch("arn:aws:sqs:eu-west-1:123456789012:not-a-topic"))
        for lid, props in self.alarms().items():
            self.assertEqual(props.get("AlarmActions"), ALARM_ACTIONS, lid)
            self.assertEqual(props.get("OKActions"), ALARM_ACTIONS, lid)

    # ---- the bucket, the prefixes, the secrets -------------------------------------------------------------

    def test_every_bucket_refuses_requests_that_are_not_tls(self):
        policies = {p["Bucket"]["Ref"]: p["PolicyDocument"] for p in self.of_type("AWS::S3::BucketPolicy").values()}
        for bucket in self.of_type("AWS::S3::Bucket"):
            self.assertIn(bucket, policies, f"{bucket} has a bucket policy")
            denies = [s for s in policies[bucket]["Statement"]
                      if s["Effect"] == "Deny" and s["Principal"] == "*" and s["Action"] in ("s3:*", ["s3:*"])
                      and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
            self.assertEqual(len(denies), 1, f"{bucket}: one Deny of s3:* without TLS")
            self.assertEqual(denies[0]["Resource"], [{"Fn::GetAtt": [bucket, "Arn"]}, {"Fn::Sub": "${%s.Arn}/*" % bucket}],
                             "the bucket and every object")

    def test_prefix_parameters_are_never_empty_and_end_with_a_slash(self):
        prefixes = {name: spec for name, spec in self.parameters.items() if name.endswith("Prefix")}
        self.assertEqual(set(prefixes), {"ThumbnailPrefix", "UploadSourcePrefix"})
        for name, spec in prefixes.items():
            pattern = re.compile(spec["AllowedPattern"])
            for good in (spec["Default"], "studio/uploads/", "a/", "show_01/renders-v2/"):
                self.assertTrue(pattern.fullmatch(good), f"{name} takes {good!r}")
            for bad in ("", "/", "uploads", "//", "a//b/", "/uploads/", "*", "up*/", "up?/", "${aws:username}/", " /"):
                self.assertFalse(pattern.fullmatch(bad), f"{name} refuses {bad!r} (it would widen an IAM grant)")

    def test_no_secret_holds_a_key_in_the_template(self):
        credential_keys = {"script_key", "password", "token", "secret", "key"}
        for lid, props in self.of_type("AWS::SecretsManager::Secret").items():
            if "SecretString" not in props:
                self.assertIn("GenerateSecretString", props, f"{lid}: generated, or a placeholder")
                continue
            value = json.loads(props["SecretString"])
            self.assertEqual(set(value) & credential_keys, set(), f"{lid}'s template value names no credential")
        fptr = json.loads(self.resources["FptrSecret"]["Properties"]["SecretString"])
        self.assertEqual(set(fptr), {"not_configured"}, "the placeholder the functions refuse as not configured")

    def test_the_fptr_secret_keeps_its_old_default_name_and_an_empty_name_is_named_after_its_stack(self):
        """The default is what deployed stacks have (a new name would replace their secret); empty gives a second
        stack in one account and region its own secret."""
        from stack.template import Resolver

        def secret_name(stack, overrides=None):
            resolver = Resolver(self.template, stack, overrides or {}, ref=lambda lid: f"ref:{lid}",
                                get_att=lambda lid, attribute: f"{lid}.{attribute}")
            return resolver.resolve(self.resources["FptrSecret"]["Properties"]["Name"])

        self.assertEqual(self.parameters["FptrSecretName"]["Default"], "fptr-functions/credentials")
        self.assertEqual(secret_name("studio-a"), "fptr-functions/credentials")
        self.assertEqual(secret_name("studio-a", {"FptrSecretName": ""}), "studio-a/credentials")
        self.assertEqual(secret_name("studio-b", {"FptrSecretName": ""}), "studio-b/credentials")
        self.assertEqual(secret_name("studio-a", {"FptrSecretName": "pipeline/fptr"}), "pipeline/fptr")
        pattern = re.compile(self.parameters["FptrSecretName"]["AllowedPattern"])
        for good in ("", "pipeline/fptr", "fptr-functions/credentials", "a_b+c=d.e@f"):
            self.assertTrue(pattern.fullmatch(good), good)
        for bad in ("has space", "star*", "q?"):
            self.assertFalse(pattern.fullmatch(bad), bad)
        # the functions read it by ARN (FPTR_SECRET_ID), whatever its name; the output names it for README's step 3
        self.assertEqual(self.template.doc["Outputs"]["FptrSecretArn"]["Value"], {"Ref": "FptrSecret"})
        for lid, props in self.functions().items():
            secret_id = ((props.get("Environment") or {}).get("Variables") or {}).get("FPTR_SECRET_ID")
            if secret_id is not None:
                self.assertIn(secret_id, ({"Ref": "FptrSecret"}, NO_VALUE), lid)

    # ---- runtime options -----------------------------------------------------------------------------------

    def test_snapstart_and_arm64_are_parameters_of_every_function(self):
        function_globals = self.template.function_globals
        self.assertEqual(self.parameters["Architecture"]["AllowedValues"], ["x86_64", "arm64"])
        self.assertEqual(self.parameters["Architecture"]["Default"], "x86_64")
        self.assertEqual(function_globals["Architectures"], [{"Ref": "Architecture"}])
        self.assertEqual(self.parameters["SnapStart"]["Default"], "false")
        self.assertEqual(function_globals["SnapStart"],
                         {"Fn::If": ["SnapStartOn", {"ApplyOn": "PublishedVersions"}, NO_VALUE]})
        self.assertEqual(self.template.conditions["SnapStartOn"], {"Fn::Equals": [{"Ref": "SnapStart"}, "true"]})
        self.assertTrue(function_globals.get("AutoPublishAlias"), "SnapStart applies to published versions only")
        for lid, props in self.functions().items():
            for key in ("Architectures", "SnapStart", "AutoPublishAlias"):
                self.assertNotIn(key, props, f"{lid} overrides Globals' {key}")

    def test_runtime_jvm_aot_is_refused_with_arm64_or_snapstart(self):
        self.assertEqual(self.parameters["Runtime"]["AllowedValues"], ["java21", "java25", "jvm-aot"])
        self.assertEqual(self.parameters["Runtime"]["Default"], "java21")
        self.assertEqual(self.template.function_globals["Runtime"],
                         {"Fn::If": ["JvmAot", "provided.al2023", {"Ref": "Runtime"}]})
        [rule] = self.template.doc["Rules"].values()
        self.assertEqual(rule["RuleCondition"], {"Fn::Equals": [{"Ref": "Runtime"}, "jvm-aot"]})
        self.assertEqual([a["Assert"] for a in rule["Assertions"]],
                         [{"Fn::Equals": [{"Ref": "Architecture"}, "x86_64"]},
                          {"Fn::Equals": [{"Ref": "SnapStart"}, "false"]}])

    def test_the_metrics_namespace_parameter_takes_only_cloudwatch_namespaces(self):
        spec = self.parameters["MetricsNamespace"]
        pattern = re.compile(spec["AllowedPattern"])
        self.assertTrue(pattern.fullmatch(spec["Default"]) and pattern.fullmatch("studio/fptr-functions-prod"))
        for bad in ("", "AWS/Lambda", "with space", "x" * 256):
            self.assertFalse(pattern.fullmatch(bad), bad)
        self.assertEqual(self.template.function_globals["Environment"]["Variables"]["FPTR_METRICS_NAMESPACE"],
                         {"Ref": "MetricsNamespace"})

    # ---- the deploy guide ----------------------------------------------------------------------------------

    def test_the_deploy_guide_lists_every_parameter_with_its_default(self):
        """README's parameter table (Deploy to AWS) is the template's: every parameter, its default, nothing else."""
        row = re.compile(r"^\| `([A-Za-z0-9]+)` \| (?:`([^`]*)`|– \(empty\)) \| .+\|$")
        readme = (REPO / "README.md").read_text(encoding="utf-8")
        guide = readme[readme.index("## Deploy to AWS"):readme.index("## Logs and metrics")]
        table = {}
        for line in guide.splitlines():
            match = row.match(line)
            if match:
                table[match.group(1)] = match.group(2) if match.group(2) is not None else ""
        declared = {name: str(spec.get("Default", "")) for name, spec in self.parameters.items()}
        self.assertEqual(declared, table, "README's deploy parameter table against template.yaml's Parameters")

    def test_the_deploy_guide_names_every_service_the_stack_creates_resources_in(self):
        """README's "You need" names each service whose resources the template (or SAM, for an event) creates."""
        services = {"Serverless::Function": "Lambda", "Serverless::HttpApi": "API Gateway", "Logs": "CloudWatch Logs",
                    "S3": "S3", "SecretsManager": "Secrets Manager", "SQS": "SQS", "DynamoDB": "DynamoDB",
                    "CloudWatch": "CloudWatch alarms", "IAM::ManagedPolicy": "managed policies",
                    "Lambda::EventSourceMapping": "Lambda"}
        # what SAM makes of a function's events and properties: its role, and a rule for a schedule
        events = {"Schedule": "EventBridge", "SQS": "SQS", "HttpApi": "API Gateway"}
        readme = (REPO / "README.md").read_text(encoding="utf-8")
        guide = readme[readme.index("## Deploy to AWS"):readme.index("### 1. Build")]
        readme_needs = guide[guide.index("**You need**"):]
        wanted = {"IAM roles"}
        for lid, resource in self.resources.items():
            kind = resource["Type"].removeprefix("AWS::")
            matches = [name for key, name in services.items() if kind == key or kind.startswith(key + "::")]
            self.assertEqual(len(matches), 1, f"{lid}: {kind} maps to one service the guide names")
            wanted.update(matches)
            for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
                wanted.add(events[event["Type"]])
        missing = sorted(name for name in wanted if name not in " ".join(readme_needs.split()))
        self.assertEqual([], missing, "services README's 'You need' (Deploy to AWS) does not name")


if __name__ == "__main__":
    unittest.main()
