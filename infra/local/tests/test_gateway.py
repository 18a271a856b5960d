"""The HTTP API lookalike: route selection, the payload 2.0 event, response mapping, and the whole path
over HTTP with a fake function process."""

import base64
import http.client
import json
import socket
import sys
import tempfile
import unittest
from pathlib import Path

from stack.gateway import Gateway, Request, RouteTable, build_event, map_response, query_parameters
from stack.lambda_runtime import FunctionPool, Instance, Outcome
from stack.template import Function, Route

FAKE_RUNTIME = Path(__file__).with_name("fake_runtime.py")


def function(logical_id="EchoFunction") -> Function:
    return Function(logical_id=logical_id, name=f"local-{logical_id}", handler="unused", runtime="java21",
                    code_uri="unused", memory_mb=128, timeout_s=5, environment={})


def route(method, path, iam=True, fn=None) -> Route:
    return Route(method=method, path=path, function=fn or function(), iam=iam)


def request(method="POST", path="/v1/token", query="", headers=None, body=b"") -> Request:
    return Request(method=method, raw_path=path, raw_query=query, headers=headers or [("Host", "127.0.0.1:8080")],
                   body=body, source_ip="127.0.0.1", server_port=8080)


class RouteTableTest(unittest.TestCase):
    def setUp(self):
        self.table = RouteTable([
            route("GET", "/v1/entities/{type}/{id}/local-files/{field}"),
            route("PUT", "/v1/entities/{type}/{id}/thumbnail"),
            route("GET", "/v1/entities/Shot/{id}/thumbnail"),
            route("ANY", "/v1/entities/{type}/{id}/thumbnail"),
            route("ANY", "/files/{proxy+}"),
            route("GET", "/files/readme"),
        ])

    def key(self, method, path):
        found = self.table.match(method, path)
        return (found[0].key, found[1]) if found else None

    def test_path_parameters_are_captured_and_decoded(self):
        self.assertEqual(self.key("GET", "/v1/entities/Shot/7/local-files/sg_path%20to"),
                         ("GET /v1/entities/{type}/{id}/local-files/{field}",
                          {"type": "Shot", "id": "7", "field": "sg_path to"}))

    def test_method_route_wins_over_any_and_literal_segment_over_parameter(self):
        self.assertEqual(self.key("PUT", "/v1/entities/Asset/3/thumbnail")[0], "PUT /v1/entities/{type}/{id}/thumbnail")
        self.assertEqual(self.key("DELETE", "/v1/entities/Asset/3/thumbnail")[0], "ANY /v1/entities/{type}/{id}/thumbnail")
        self.assertEqual(self.key("GET", "/v1/entities/Shot/3/thumbnail"),
                         ("GET /v1/entities/Shot/{id}/thumbnail", {"id": "3"}))

    def test_greedy_parameter_takes_the_rest_of_the_path_but_loses_to_a_full_match(self):
        self.assertEqual(self.key("POST", "/files/a/b/c.txt"), ("ANY /files/{proxy+}", {"proxy": "a/b/c.txt"}))
        self.assertEqual(self.key("GET", "/files/readme"), ("GET /files/readme", {}))
        self.assertIsNone(self.key("GET", "/files"))

    def test_unknown_path_or_method_matches_nothing(self):
        self.assertIsNone(self.key("GET", "/v1/token"))
        self.assertIsNone(self.key("POST", "/v1/entities/Shot/7/local-files/x"))
        self.assertIsNone(self.key("GET", "/v1/entities/Shot/7/local-files/x/"))

    def test_default_route_takes_what_nothing_else_matched(self):
        table = RouteTable([route("POST", "/v1/token"), route("ANY", "$default")])
        self.assertEqual(table.match("GET", "/anything")[0].key, "$default")
        self.assertEqual(table.match("POST", "/v1/token")[0].key, "POST /v1/token")


class EventTest(unittest.TestCase):
    def test_event_has_the_payload_2_0_shape(self):
        r = route("PUT", "/v1/entities/{type}/{id}/thumbnail")
        req = request("PUT", "/v1/entities/Shot/7/thumbnail", "variant=thumbnail&a=1&a=2&flag&x=%2F%20y", headers=[
            ("Host", "127.0.0.1:8080"), ("User-Agent", "curl/8"), ("X-Multi", "one"), ("x-multi", "two"),
            ("Cookie", "s=1; t=2"), ("Content-Type", "application/json")], body=b'{"k":"v"}')
        event = build_event(r, {"type": "Shot", "id": "7"}, req, "localapi", "abcDEF123ghiJK=", 1764000000.5)
        self.assertEqual(event["version"], "2.0")
        self.assertEqual(event["routeKey"], "PUT /v1/entities/{type}/{id}/thumbnail")
        self.assertEqual(event["rawPath"], "/v1/entities/Shot/7/thumbnail")
        self.assertEqual(event["rawQueryString"], "variant=thumbnail&a=1&a=2&flag&x=%2F%20y")
        self.assertEqual(event["cookies"], ["s=1", "t=2"])
        self.assertEqual(event["headers"]["x-multi"], "one,two")
        self.assertNotIn("cookie", event["headers"])
        self.assertEqual(event["headers"]["x-forwarded-for"], "127.0.0.1")
        self.assertTrue(event["headers"]["x-amzn-trace-id"].startswith("Root=1-"))
        self.assertEqual(event["queryStringParameters"], {"variant": "thumbnail", "a": "1,2", "flag": "", "x": "/ y"})
        self.assertEqual(event["pathParameters"], {"type": "Shot", "id": "7"})
        self.assertEqual(event["body"], '{"k":"v"}')
        self.assertFalse(event["isBase64Encoded"])
        context = event["requestContext"]
        self.assertEqual(context["http"], {"method": "PUT", "path": "/v1/entities/Shot/7/thumbnail",
                                           "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "curl/8"})
        self.assertEqual((context["stage"], context["routeKey"], context["requestId"], context["apiId"]),
                         ("$default", event["routeKey"], "abcDEF123ghiJK=", "localapi"))
        self.assertEqual(context["time"], "24/Nov/2025:16:00:00 +0000")
        self.assertEqual(context["timeEpoch"], 1764000000500)
        self.assertEqual(context["authorizer"]["iam"]["userArn"], "arn:aws:iam::123456789012:user/local-developer")

    def test_body_is_text_only_for_text_media_types(self):
        for content_type, encoded in [("application/json; charset=utf-8", False), ("text/plain", False),
                                      ("application/xml", False), ("application/x-www-form-urlencoded", True),
                                      ("application/octet-stream", True), ("image/png", True), (None, True)]:
            headers = [("Content-Type", content_type)] if content_type else []
            event = build_event(route("POST", "/x"), {}, request(headers=headers, body=b"{}\x00"), "a", "r", 0)
            self.assertEqual(event["isBase64Encoded"], encoded, content_type)
            self.assertEqual(base64.b64decode(event["body"]) if encoded else event["body"].encode(), b"{}\x00")

    def test_no_body_no_query_no_parameters_means_no_such_keys(self):
        event = build_event(route("GET", "/v1/token"), {}, request("GET"), "a", "r", 0)
        for key in ("body", "queryStringParameters", "pathParameters", "cookies"):
            self.assertNotIn(key, event)
        self.assertEqual(event["rawQueryString"], "")
        self.assertFalse(event["isBase64Encoded"])

    def test_unauthenticated_route_has_no_iam_identity_and_sigv4_lends_its_access_key(self):
        self.assertNotIn("authorizer", build_event(route("POST", "/hook", iam=False), {}, request(), "a", "r", 0)
                         ["requestContext"])
        signed = request(headers=[("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE123/20261125/"
                                                    "us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=x")])
        iam = build_event(route("POST", "/x"), {}, signed, "a", "r", 0)["requestContext"]["authorizer"]["iam"]
        self.assertEqual(iam["accessKey"], "AKIAEXAMPLE123")

    def test_query_parameters(self):
        self.assertEqual(query_parameters(""), {})
        self.assertEqual(query_parameters("a=1&&b=%3D&a=3"), {"a": "1,3", "b": "="})


class ResponseTest(unittest.TestCase):
    def mapped(self, doc):
        return map_response(Outcome(payload=json.dumps(doc).encode()))

    def test_status_headers_cookies_and_body(self):
        status, headers, body, why = self.mapped({"statusCode": 201, "headers": {"Content-Type": "application/json"},
                                                  "cookies": ["a=1"], "body": '{"ok":true}'})
        self.assertEqual((status, body, why), (201, b'{"ok":true}', None))
        self.assertIn(("Content-Type", "application/json"), headers)
        self.assertIn(("Set-Cookie", "a=1"), headers)

    def test_base64_body_is_decoded(self):
        _, _, body, _ = self.mapped({"statusCode": 200, "body": base64.b64encode(b"\x89PNG").decode(),
                                     "isBase64Encoded": True})
        self.assertEqual(body, b"\x89PNG")

    def test_json_without_status_code_is_a_200_json_body(self):
        status, headers, body, _ = self.mapped({"hello": "world"})
        self.assertEqual((status, json.loads(body)), (200, {"hello": "world"}))
        self.assertIn(("Content-Type", "application/json"), headers)

    def test_function_error_and_malformed_answers_are_502_internal_server_error(self):
        for outcome in [Outcome(error_type="Unhandled", error_message="boom"), Outcome(payload=b"not json"),
                        Outcome(payload=b'{"statusCode": "abc"}'),
                        Outcome(payload=b'{"statusCode": 200, "body": "@@", "isBase64Encoded": true}')]:
            status, headers, body, why = map_response(outcome)
            self.assertEqual((status, body), (502, b'{"message":"Internal Server Error"}'))
            self.assertTrue(why)


class GatewayOverHttpTest(unittest.TestCase):
    """The whole path: HTTP request -> route -> event -> a function process -> HTTP response."""

    @classmethod
    def setUpClass(cls):
        cls.work = Path(tempfile.mkdtemp())
        echo = function()
        echo.timeout_s = 1  # below the gateway's 1.5 s: a timeout is the function's, a 502

        def start(fn, number):
            return Instance(fn, [sys.executable, str(FAKE_RUNTIME)], {"PATH": "/usr/bin:/bin"}, cwd=cls.work,
                            log_dir=cls.work, echo=False, number=number)

        cls.pool = FunctionPool(echo, start)
        cls.gateway = Gateway(0, integration_timeout_s=1.5)
        echo.routes.append(route("POST", "/v1/echo/{name}", fn=echo))
        cls.gateway.start(echo.routes, {echo.logical_id: cls.pool})

    @classmethod
    def tearDownClass(cls):
        cls.gateway.close()
        cls.pool.close()

    def call(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.gateway.port, timeout=30)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def test_request_reaches_the_function_and_its_answer_comes_back(self):
        response, data = self.call("POST", "/v1/echo/sh%20010?x=1", body=b'{"action":"echo"}',
                                   headers={"Content-Type": "application/json", "Cookie": "c=1"})
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Content-Type"), "application/json")
        self.assertEqual(response.headers.get_all("Set-Cookie"), ["a=1; Path=/", "b=2"])
        self.assertTrue(response.getheader("apigw-requestid"))
        event = json.loads(data)["event"]
        self.assertEqual(event["routeKey"], "POST /v1/echo/{name}")
        self.assertEqual(event["pathParameters"], {"name": "sh 010"})
        self.assertEqual(event["queryStringParameters"], {"x": "1"})
        self.assertEqual(event["cookies"], ["c=1"])

    def test_unknown_route_is_api_gateways_404(self):
        for method, path in [("GET", "/v1/echo/x"), ("POST", "/nothing/here")]:
            response, data = self.call(method, path)
            self.assertEqual((response.status, data), (404, b'{"message":"Not Found"}'))
            self.assertEqual(response.getheader("Content-Type"), "application/json")

    def test_function_error_and_timeout_are_502(self):
        for body in (b'{"action":"fail"}', b'{"action":"sleep","seconds":5}'):
            response, data = self.call("POST", "/v1/echo/x", body=body, headers={"Content-Type": "application/json"})
            self.assertEqual((response.status, data), (502, b'{"message":"Internal Server Error"}'))

    def test_gateway_stops_waiting_after_its_integration_timeout_while_the_function_carries_on(self):
        self.pool.function.timeout_s = 5
        try:
            response, data = self.call("POST", "/v1/echo/x", body=b'{"action":"sleep","seconds":2.5}',
                                       headers={"Content-Type": "application/json"})
            self.assertEqual((response.status, data), (503, b'{"message":"Service Unavailable"}'))
            [instance] = json.loads(self.call("GET", "/_local/functions")[1])["functions"][0]["instances"]
            self.assertTrue(instance["busy"])
            response, _ = self.call("POST", "/v1/echo/x", body=b"{}", headers={"Content-Type": "application/json"})
            self.assertEqual(response.status, 200)  # served by the same process once it finished
            self.assertEqual(json.loads(self.call("GET", "/_local/functions")[1])["functions"][0]["instances"][0]["pid"],
                             instance["pid"])
        finally:
            self.pool.function.timeout_s = 1

    def test_a_body_over_the_quota_is_refused_unread_and_the_connection_says_it_closes(self):
        # The body stays unread, so the connection cannot carry another request: a kept-alive client must be
        # told (Connection: close), or it writes its next request into a closed socket (a broken pipe).
        connection = http.client.HTTPConnection("127.0.0.1", self.gateway.port, timeout=30)
        connection.putrequest("POST", "/v1/echo/x")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(11 * 1024 * 1024))
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        connection.close()
        self.assertEqual(response.status, 413)
        self.assertEqual(response.getheader("Connection"), "close")

    def test_local_endpoints_list_functions_and_recycle_instances(self):
        self.call("POST", "/v1/echo/x", body=b"{}", headers={"Content-Type": "application/json"})
        response, data = self.call("GET", "/_local/functions")
        [described] = json.loads(data)["functions"]
        self.assertEqual(described["routes"], ["POST /v1/echo/{name}"])
        self.assertEqual(len(described["instances"]), 1)
        response, data = self.call("DELETE", "/_local/functions/EchoFunction/instances")
        self.assertEqual(json.loads(data), {"stopped": 1})
        response, data = self.call("DELETE", "/_local/functions/Nope/instances")
        self.assertEqual(response.status, 404)


if __name__ == "__main__":
    unittest.main()


class GatewayBacklogTest(unittest.TestCase):
    def test_sixty_four_connections_opened_at_once_all_wait_to_be_served(self):
        """Connections made before the gateway accepts them (as a burst of concurrent callers finds it busy)
        wait in its listen backlog; with socketserver's default of 5, the rest were dropped or reset."""
        gateway = Gateway(0)   # listening, not accepting yet
        sockets = []
        try:
            for _ in range(64):
                s = socket.socket()
                s.settimeout(0.5)
                s.connect(("127.0.0.1", gateway.port))   # completes only while the backlog has room
                s.sendall(b"GET /nothing HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n")
                sockets.append(s)
            gateway.start([], {})
            for s in sockets:
                s.settimeout(10)
                self.assertTrue(s.recv(64).startswith(b"HTTP/1.1 404"))
        finally:
            for s in sockets:
                s.close()
            gateway.close()
