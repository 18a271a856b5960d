"""Reading template.yaml: short-form intrinsics, Globals, routes; and creating its resources in a real
moto_server over HTTP."""

import json
import tempfile
import unittest
from pathlib import Path

from stack.aws import LocalResources
from stack.template import Resolver, SqsTrigger, Template, TemplateError, read_functions
from tests.moto import MotoServer

REPO = Path(__file__).resolve().parents[3]

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Prefix: {Type: String, Default: thumbs/}
  Stage: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    CodeUri: target/function.zip
    Runtime: java21
    Handler: io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest
    MemorySize: 512
    Timeout: 30
    Environment:
      Variables:
        SHARED: 'yes'
        SECRET_ID: !Ref Secret
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth: {EnableIamAuthorizer: true, DefaultAuthorizer: AWS_IAM}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      LifecycleConfiguration:
        Rules:
          - {Id: AbortIncomplete, Status: Enabled, AbortIncompleteMultipartUpload: {DaysAfterInitiation: 1}}
          - {Id: OldScratch, Status: Enabled, Prefix: scratch/, ExpirationInDays: 30}
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: !Sub '${AWS::StackName}/creds'
      SecretString: '{"site_url":"https://example.shotgrid.autodesk.com","script_name":"x","script_key":"y"}'
  DeadLetters:
    Type: AWS::SQS::Queue
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 90
      RedrivePolicy: {deadLetterTargetArn: !GetAtt DeadLetters.Arn, maxReceiveCount: 3}
  Seen:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  ProdOnly:
    Type: AWS::S3::Bucket
    Condition: IsProd
  Role:
    Type: AWS::IAM::Role
    Properties: {AssumeRolePolicyDocument: {}}
  ThumbFunction:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: 1024
      Environment:
        Variables:
          QUARKUS_LAMBDA_HANDLER: thumbnail
          BUCKET: !Ref Bucket
          PREFIX: !Sub '${Prefix}${Bucket}/'
          QUEUE: !GetAtt Jobs.QueueName
          MODE: !If [IsProd, fast, careful]
      Events:
        Put: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: '/v1/entities/{type}/{id}/thumbnail', Method: put}}
        Any: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: '/v1/files/{proxy+}', Method: ANY}}
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
  HookFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 5
      Environment: {Variables: {QUARKUS_LAMBDA_HANDLER: webhook}}
      Events:
        Hook: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /v1/webhooks/fptr, Method: POST, Auth: {Authorizer: NONE}}}
"""


MAPPINGS_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {CodeUri: code/, Runtime: java21, Handler: h, AutoPublishAlias: live}
Resources:
  Jobs: {Type: AWS::SQS::Queue}
  Stream: {Type: AWS::Kinesis::Stream}
  EventWorker:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 20
            MaximumBatchingWindowInSeconds: 2
            FunctionResponseTypes: [ReportBatchItemFailures]
            ScalingConfig: {MaximumConcurrency: 4}
            Enabled: false
  AliasWorker: {Type: AWS::Serverless::Function}
  NameWorker: {Type: AWS::Serverless::Function}
  ArnWorker: {Type: AWS::Serverless::Function}
  AliasWorkerJobs:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref AliasWorker.Alias
      BatchSize: 20
      MaximumBatchingWindowInSeconds: 2
      FunctionResponseTypes: [ReportBatchItemFailures]
      ScalingConfig: {MaximumConcurrency: 4}
      Enabled: false
  NameWorkerJobs:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Jobs.Arn, FunctionName: !Ref NameWorker}
  ArnWorkerJobs:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Jobs.Arn, FunctionName: !GetAtt ArnWorker.Arn}
  ArnWorkerStream:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Stream.Arn, FunctionName: !Ref ArnWorker, StartingPosition: LATEST}
"""


def local_arns(lid: str, attribute: str) -> str:
    """!GetAtt X.Arn as the local resources answer it: a queue's, a function's; a stream has none locally."""
    if lid == "Stream":
        raise TemplateError("!GetAtt Stream.Arn is not known to the local stack")
    return f"arn:aws:sqs:us-east-1:123456789012:stk-{lid}" if lid == "Jobs" else \
        f"arn:aws:lambda:us-east-1:123456789012:function:stk-{lid}"


class TemplateTest(unittest.TestCase):
    def load(self, text=TEMPLATE) -> Template:
        path = Path(tempfile.mkdtemp()) / "template.yaml"
        path.write_text(text)
        return Template(path)

    def resolver(self, template, overrides=None) -> Resolver:
        return Resolver(template, "stk", overrides or {}, ref=lambda lid: f"ref:{lid}",
                        get_att=lambda lid, att: f"att:{lid}.{att}")

    def test_functions_routes_and_environment(self):
        template = self.load()
        resolver = self.resolver(template)
        thumb, hook = read_functions(template, resolver, lambda lid: True)
        self.assertEqual((thumb.logical_id, thumb.memory_mb, thumb.timeout_s, thumb.runtime),
                         ("ThumbFunction", 1024, 30, "java21"))
        self.assertEqual(thumb.handler, "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest")
        self.assertEqual(thumb.environment, {
            "SHARED": "yes", "SECRET_ID": "ref:Secret", "QUARKUS_LAMBDA_HANDLER": "thumbnail", "BUCKET": "ref:Bucket",
            "PREFIX": "thumbs/ref:Bucket/", "QUEUE": "att:Jobs.QueueName", "MODE": "careful"})
        self.assertEqual([(r.key, r.iam) for r in thumb.routes],
                         [("PUT /v1/entities/{type}/{id}/thumbnail", True), ("ANY /v1/files/{proxy+}", True)])
        self.assertEqual([(r.key, r.iam) for r in hook.routes], [("POST /v1/webhooks/fptr", False)])
        self.assertEqual(hook.timeout_s, 5)

    def test_parameter_override_and_conditions(self):
        template = self.load()
        resolver = self.resolver(template, {"Stage": "prod"})
        self.assertTrue(resolver.condition("IsProd"))
        self.assertEqual(resolver.resolve({"Fn::Sub": ["${A}-${!Literal}", {"A": "x"}]}), "x-${Literal}")

    def test_unknown_reference_is_a_clear_error(self):
        with self.assertRaisesRegex(TemplateError, "Nope"):
            self.resolver(self.load()).resolve({"Ref": "Nope"})

    def mapped(self, text=MAPPINGS_TEMPLATE):
        template = self.load(text)
        resolver = Resolver(template, "stk", {}, ref=lambda lid: f"stk-{lid}", get_att=local_arns)
        return {f.logical_id: f for f in read_functions(template, resolver, lambda lid: True)}

    def test_an_event_source_mapping_on_a_queue_is_read_as_the_sqs_event_sam_makes_the_same_mapping_of(self):
        functions = self.mapped()
        [event] = functions["EventWorker"].sqs_triggers
        [mapping] = functions["AliasWorker"].sqs_triggers
        self.assertEqual((mapping.event_name, mapping.mapping, mapping.where("AliasWorker")),
                         ("AliasWorkerJobs", True, "AliasWorkerJobs"))
        self.assertEqual((event.event_name, event.mapping, event.where("EventWorker")), ("Jobs", False, "EventWorker.Jobs"))
        self.assertEqual(mapping, SqsTrigger(event_name="AliasWorkerJobs", mapping=True, queue_arn=event.queue_arn,
                                             batch_size=20, batching_window_s=2, report_batch_item_failures=True,
                                             max_concurrency=4, enabled=False))
        self.assertEqual({k: v for k, v in vars(mapping).items() if k not in ("event_name", "mapping")},
                         {k: v for k, v in vars(event).items() if k not in ("event_name", "mapping")})
        self.assertEqual(event.queue_arn, "arn:aws:sqs:us-east-1:123456789012:stk-Jobs")

    def test_a_mapping_finds_its_function_by_alias_name_or_arn_and_one_on_a_stream_is_not_polled(self):
        functions = self.mapped()
        self.assertEqual([t.event_name for t in functions["NameWorker"].sqs_triggers], ["NameWorkerJobs"])
        self.assertEqual((functions["NameWorker"].sqs_triggers[0].batch_size,
                          functions["NameWorker"].sqs_triggers[0].report_batch_item_failures), (10, False), "Lambda's defaults")
        self.assertEqual([t.event_name for t in functions["ArnWorker"].sqs_triggers], ["ArnWorkerJobs"])
        self.assertEqual(functions["ArnWorker"].other_events, [("ArnWorkerStream", "EventSourceMapping")])
        self.assertEqual(functions["EventWorker"].other_events, [])

    def test_a_mapping_the_local_stack_cannot_honour_is_a_clear_error(self):
        without_alias = MAPPINGS_TEMPLATE.replace(", AutoPublishAlias: live", "")
        with self.assertRaisesRegex(TemplateError, "AliasWorker has no AutoPublishAlias"):
            self.mapped(without_alias)
        elsewhere = MAPPINGS_TEMPLATE.replace("FunctionName: !Ref NameWorker}", "FunctionName: someone-elses}")
        with self.assertRaisesRegex(TemplateError, "NameWorkerJobs: FunctionName 'someone-elses' is no function"):
            self.mapped(elsewhere)
        filtered = MAPPINGS_TEMPLATE.replace("FunctionName: !Ref NameWorker}",
                                             "FunctionName: !Ref NameWorker, FilterCriteria: {Filters: [{Pattern: '{}'}]}}")
        with self.assertRaisesRegex(TemplateError, "^NameWorkerJobs: FilterCriteria is not applied"):
            self.mapped(filtered)
        with self.assertRaisesRegex(TemplateError, "NameWorkerJobs: BatchSize 0 is outside"):
            self.mapped(MAPPINGS_TEMPLATE.replace("FunctionName: !Ref NameWorker}", "FunctionName: !Ref NameWorker, BatchSize: 0}"))

    @staticmethod
    def project_resolver(template, overrides=None) -> Resolver:
        return Resolver(template, "stk", overrides or {}, ref=lambda lid: f"ref:{lid}",   # queue ARNs as the SQS events need them
                        get_att=lambda lid, att: f"arn:aws:sqs:us-east-1:123456789012:{lid}" if att == "Arn" else f"att:{lid}.{att}")

    def test_project_template_serves_the_token_route(self):
        template = Template(REPO / "template.yaml")
        functions = read_functions(template, self.project_resolver(template), lambda lid: True)
        token = next(f for f in functions if f.logical_id == "TokenFunction")
        self.assertIn("POST /v1/token", [r.key for r in token.routes])
        self.assertEqual(token.environment["QUARKUS_LAMBDA_HANDLER"], "token")
        self.assertEqual(token.environment["FPTR_SECRET_ID"], "ref:FptrSecret")
        worker = next(f for f in functions if f.logical_id == "ThumbnailWorkerFunction")
        [jobs] = worker.sqs_triggers
        self.assertEqual((jobs.event_name, jobs.queue_arn.rsplit(":", 1)[1], jobs.batch_size, jobs.report_batch_item_failures,
                          jobs.max_concurrency), ("ThumbnailWorkerFunctionJobs", "ThumbnailJobQueue", 5, True, 5))
        uploads = next(f for f in functions if f.logical_id == "UploadWorkerFunction")
        [jobs] = uploads.sqs_triggers
        self.assertEqual((jobs.event_name, jobs.queue_arn.rsplit(":", 1)[1], jobs.batch_size, jobs.report_batch_item_failures,
                          jobs.max_concurrency), ("UploadWorkerFunctionJobs", "UploadJobQueue", 1, True, 2))

    def test_reserved_concurrency_follows_the_project_templates_parameters(self):
        template = Template(REPO / "template.yaml")

        def function(logical_id, overrides):
            functions = read_functions(template, self.project_resolver(template, overrides), lambda lid: True)
            return next(f for f in functions if f.logical_id == logical_id)

        self.assertEqual(function("TokenFunction", {}).reserved_concurrency, 10)
        self.assertEqual(function("TokenFunction", {"TokenConcurrency": "3"}).reserved_concurrency, 3)
        self.assertIsNone(function("TokenFunction", {"ReserveConcurrency": "false"}).reserved_concurrency,
                          "!Ref AWS::NoValue: none")
        worker = function("ThumbnailWorkerFunction", {"ThumbnailWorkerConcurrency": "3"})
        self.assertEqual((worker.reserved_concurrency, worker.sqs_triggers[0].max_concurrency), (3, 3),
                         "one parameter caps the worker and its queue's event source")


class LocalResourcesTest(unittest.TestCase):
    """Creates the template's resources in a real moto_server."""

    @classmethod
    def setUpClass(cls):
        cls.moto = MotoServer()
        cls.endpoint = cls.moto.endpoint

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def client(self, service):
        return self.moto.client(service)

    def test_declared_resources_exist_in_moto_and_references_resolve_to_them(self):
        path = Path(tempfile.mkdtemp()) / "template.yaml"
        path.write_text(TEMPLATE)
        template = Template(path)
        local_secret = json.dumps({"site_url": "http://127.0.0.1:1", "script_name": "n", "script_key": "k"})
        resources = LocalResources(template, self.endpoint, "stk", {}, secret_value=lambda lid, props: local_secret)
        lines = resources.create_all()
        self.assertIn("AWS::IAM::Role Role: not created locally (no local counterpart)", lines)

        self.assertIn("stk-bucket", [b["Name"] for b in self.client("s3").list_buckets()["Buckets"]])
        self.assertNotIn("stk-prodonly", [b["Name"] for b in self.client("s3").list_buckets()["Buckets"]])
        rules = self.client("s3").get_bucket_lifecycle_configuration(Bucket="stk-bucket")["Rules"]
        self.assertEqual([(r["ID"], r["Status"], r["Filter"].get("Prefix"), r.get("AbortIncompleteMultipartUpload"),
                           r.get("Expiration")) for r in rules],
                         [("AbortIncomplete", "Enabled", "", {"DaysAfterInitiation": 1}, None),
                          ("OldScratch", "Enabled", "scratch/", None, {"Days": 30})])
        secret = self.client("secretsmanager").get_secret_value(SecretId=resources.ref("Secret"))
        self.assertEqual((secret["Name"], secret["SecretString"]), ("stk/creds", local_secret))
        jobs = self.client("sqs").get_queue_attributes(QueueUrl=resources.ref("Jobs"), AttributeNames=["All"])
        self.assertEqual(jobs["Attributes"]["VisibilityTimeout"], "90")
        self.assertEqual(json.loads(jobs["Attributes"]["RedrivePolicy"])["deadLetterTargetArn"],
                         resources.get_att("DeadLetters", "Arn"))
        self.assertEqual(self.client("dynamodb").describe_table(TableName="stk-Seen")["Table"]["TableName"], "stk-Seen")

        thumb, _ = read_functions(template, resources.resolver, resources.included)
        self.assertEqual(thumb.environment["BUCKET"], "stk-bucket")
        self.assertEqual(thumb.environment["SECRET_ID"], secret["ARN"])
        self.assertEqual(thumb.environment["QUEUE"], "stk-Jobs")


class LifecycleRuleTest(unittest.TestCase):
    def test_a_property_the_local_stack_cannot_translate_is_refused_not_dropped(self):
        from stack.aws import lifecycle_rule
        with self.assertRaisesRegex(TemplateError, "Transitions not supported locally"):
            lifecycle_rule({"Id": "Cold", "Status": "Enabled", "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": 30}]})


if __name__ == "__main__":
    unittest.main()
