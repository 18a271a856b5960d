"""infra/local/up --iam: SigV4 signatures checked on IAM routes as API Gateway checks them, with requests
signed by botocore as a studio tool signs them, over HTTP through the gateway and a fake function."""

import http.client
import json
import sys
import tempfile
import unittest
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from stack.gateway import Gateway
from stack.lambda_runtime import FunctionPool, Instance
from stack.sigv4 import LOCAL_DEVELOPER, LocalIamUser, Rejected, SigV4Verifier
from tests.test_gateway import FAKE_RUNTIME, function, route

OTHER = LocalIamUser("pipeline-bot", "AKIAPIPELINEBOT00000", "pipeline-bot-secret")


def signed(method, url, body=b"", user=LOCAL_DEVELOPER, region="us-east-1", service="execute-api",
           headers=None, at=None):
    """The headers botocore's SigV4Auth gives the request (at `at`, default now)."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    signer = SigV4Auth(Credentials(user.access_key_id, user.secret_access_key), service, region)
    if at is None:
        signer.add_auth(request)
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=at.replace(tzinfo=None)):
            signer.add_auth(request)
    sent = dict(request.headers.items())
    sent.setdefault("Host", urlsplit(url).netloc)  # what the HTTP client adds
    return sent


class VerifierTest(unittest.TestCase):
    URL = "http://127.0.0.1:8080/v1/entities/Note/7001/thumbnail?variant=thumbnail"

    def setUp(self):
        self.verifier = SigV4Verifier([LOCAL_DEVELOPER, OTHER])

    def verify(self, headers, method="PUT", path="/v1/entities/Note/7001/thumbnail", query="variant=thumbnail",
               body=b""):
        return self.verifier.verify(method, path, query, list(headers.items()), body)

    def test_a_request_botocore_signed_is_its_users(self):
        self.assertEqual(self.verify(signed("PUT", self.URL)), LOCAL_DEVELOPER)
        self.assertEqual(self.verify(signed("PUT", self.URL, user=OTHER)), OTHER)
        body = b'{"sudo_as_login": "jdoe"}'
        headers = signed("POST", "http://127.0.0.1:8080/v1/token", body, headers={"Content-Type": "application/json"})
        self.assertEqual(self.verifier.verify("POST", "/v1/token", "", list(headers.items()), body), LOCAL_DEVELOPER)

    def test_the_identity_comes_from_the_key(self):
        identity = OTHER.identity()
        self.assertEqual(identity["accessKey"], "AKIAPIPELINEBOT00000")
        self.assertEqual(identity["userArn"], "arn:aws:iam::123456789012:user/pipeline-bot")
        self.assertEqual(identity["accountId"], "123456789012")

    def test_unsigned_or_malformed_is_refused(self):
        self.assertIsInstance(self.verify({"Host": "127.0.0.1:8080"}), Rejected)
        self.assertIsInstance(self.verify({"Host": "127.0.0.1:8080", "Authorization": "Bearer abc"}), Rejected)

    def test_anything_changed_after_signing_is_refused(self):
        headers = signed("POST", "http://127.0.0.1:8080/v1/token", b"{}")
        cases = {
            "body": dict(body=b'{"sudo_as_login":"admin"}'),
            "method": dict(method="PUT", body=b"{}"),
            "path": dict(path="/v1/notes/search", body=b"{}"),
            "query": dict(query="x=1", body=b"{}"),
        }
        for what, change in cases.items():
            with self.subTest(what):
                args = dict(method="POST", path="/v1/token", query="")
                args.update(change)
                self.assertIsInstance(self.verify(headers, **args), Rejected)
        changed_host = dict(headers, Host="127.0.0.1:9999")
        self.assertIsInstance(self.verify(changed_host, method="POST", path="/v1/token", query="", body=b"{}"), Rejected)

    def test_wrong_secret_unknown_key_region_service_or_stale_date_is_refused(self):
        cases = {
            "wrong secret": signed("PUT", self.URL, user=LocalIamUser("x", LOCAL_DEVELOPER.access_key_id, "guess")),
            "unknown key": signed("PUT", self.URL, user=LocalIamUser("x", "AKIAUNKNOWN000000000", "s")),
            "other region": signed("PUT", self.URL, region="eu-west-1"),
            "other service": signed("PUT", self.URL, service="s3"),
            "signed 6 minutes ago": signed("PUT", self.URL, at=datetime.now(timezone.utc) - timedelta(minutes=6)),
            "signed 6 minutes ahead": signed("PUT", self.URL, at=datetime.now(timezone.utc) + timedelta(minutes=6)),
        }
        for what, headers in cases.items():
            with self.subTest(what):
                self.assertIsInstance(self.verify(headers), Rejected)
        recent = signed("PUT", self.URL, at=datetime.now(timezone.utc) - timedelta(minutes=4))
        self.assertEqual(self.verify(recent), LOCAL_DEVELOPER)

    def test_host_must_be_signed(self):
        headers = signed("PUT", self.URL)
        headers["Authorization"] = headers["Authorization"].replace("SignedHeaders=host;x-amz-date",
                                                                    "SignedHeaders=x-amz-date")
        self.assertIn("host is not", self.verify(headers).reason)


class GatewayWithIamTest(unittest.TestCase):
    """Through HTTP: 403 {"message":"Forbidden"} before the function for a bad signature; the function sees
    the signer's identity; the route without IAM takes anything."""

    @classmethod
    def setUpClass(cls):
        cls.work = Path(tempfile.mkdtemp())
        echo = function()

        def start(fn, number):
            return Instance(fn, [sys.executable, str(FAKE_RUNTIME)], {"PATH": "/usr/bin:/bin"}, cwd=cls.work,
                            log_dir=cls.work, echo=False, number=number)

        cls.pool = FunctionPool(echo, start)
        cls.gateway = Gateway(0, verifier=SigV4Verifier([LOCAL_DEVELOPER, OTHER]))
        echo.routes += [route("POST", "/v1/echo", fn=echo), route("POST", "/v1/hook", iam=False, fn=echo)]
        cls.gateway.start(echo.routes, {echo.logical_id: cls.pool})
        cls.base = f"http://127.0.0.1:{cls.gateway.port}"

    @classmethod
    def tearDownClass(cls):
        cls.gateway.close()
        cls.pool.close()

    def call(self, path, body, headers):
        connection = http.client.HTTPConnection("127.0.0.1", self.gateway.port, timeout=30)
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def test_signed_request_runs_as_its_signer(self):
        body = b'{"action":"echo"}'
        headers = signed("POST", self.base + "/v1/echo", body, user=OTHER, headers={"Content-Type": "application/json"})
        response, data = self.call("/v1/echo", body, headers)
        self.assertEqual(response.status, 200, data)
        iam = json.loads(data)["event"]["requestContext"]["authorizer"]["iam"]
        self.assertEqual((iam["userArn"], iam["accessKey"]), ("arn:aws:iam::123456789012:user/pipeline-bot", OTHER.access_key_id))

    def invocations(self):
        return sum(instance["invocations"] for instance in self.pool.describe()["instances"])

    def test_missing_or_bad_signature_is_api_gateways_403_and_the_function_is_not_called(self):
        self.call("/v1/hook", b'{"action":"echo"}', {"Content-Type": "application/json"})  # a warm instance
        before = self.invocations()
        body = b'{"action":"echo"}'
        good = signed("POST", self.base + "/v1/echo", body, headers={"Content-Type": "application/json"})
        for headers in ({"Content-Type": "application/json"},
                        dict(good, Authorization=good["Authorization"][:-4] + "0000")):
            response, data = self.call("/v1/echo", body, headers)
            self.assertEqual((response.status, data), (403, b'{"message":"Forbidden"}'))
            self.assertEqual(response.getheader("Content-Type"), "application/json")
            self.assertTrue(response.getheader("apigw-requestid"))
        self.assertEqual(self.invocations(), before)

    def test_route_without_iam_needs_no_signature(self):
        response, data = self.call("/v1/hook", b'{"action":"echo"}', {"Content-Type": "application/json"})
        self.assertEqual(response.status, 200, data)
        self.assertNotIn("authorizer", json.loads(data)["event"]["requestContext"])


if __name__ == "__main__":
    unittest.main()
