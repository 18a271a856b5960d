"""A local API Gateway HTTP API: matches requests to the template's routes, builds payload 2.0 events the
way API Gateway does, invokes the route's function and maps its answer back to HTTP."""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional
from urllib.parse import unquote

from .docs import DocsSite
from .http_util import read_body
from .lambda_runtime import FunctionPool, Outcome
from .schedules import ScheduleSource
from .sigv4 import LOCAL_DEVELOPER, Rejected, SigV4Verifier, unsigned_access_key
from .template import ACCOUNT_ID, Route

# HTTP API hands a body to the function as text only for these media types; everything else
# (application/x-www-form-urlencoded and a missing Content-Type included) arrives base64-encoded.
TEXT_MEDIA_TYPES = ("application/json", "application/xml", "application/javascript")
MAX_REQUEST_BYTES = 10 * 1024 * 1024        # HTTP API payload quota
MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024  # Lambda synchronous invocation quota, both ways
INTEGRATION_TIMEOUT_S = 30.0                # HTTP API waits this long for a function (counted here from
                                            # when the function takes the event, so local cold starts are free)
ADMIN_PREFIX = "/_local/"                   # the local stack's own endpoints, never a template route
ACCESS_LOG = logging.getLogger("stack.access")

GATEWAY_ERRORS = {
    403: "Forbidden",
    404: "Not Found",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class Request:
    method: str
    raw_path: str
    raw_query: str
    headers: list[tuple[str, str]]   # as received, in order, duplicates kept
    body: bytes
    source_ip: str
    server_port: int


class RouteTable:
    """HTTP API route selection: the most specific path wins (a literal segment over {param}, {param}
    over {proxy+}), then a route for the method over ANY; $default takes what nothing else matched."""

    def __init__(self, routes: list[Route]):
        self.routes = [r for r in routes if r.path != "$default"]
        self.default = next((r for r in routes if r.path == "$default"), None)
        self._compiled = [(route, _compile(route.path)) for route in self.routes]

    def match(self, method: str, raw_path: str) -> Optional[tuple[Route, dict[str, str]]]:
        candidates = []
        for route, (regex, rank) in self._compiled:
            if route.method not in (method, "ANY"):
                continue
            found = regex.fullmatch(raw_path)
            if found:
                params = {name: unquote(value) for name, value in found.groupdict().items()}
                candidates.append((rank, route.method != "ANY", route, params))
        if candidates:
            _, _, route, params = max(candidates, key=lambda c: (c[0], c[1]))
            return route, params
        return (self.default, {}) if self.default else None


def _compile(path: str) -> tuple[re.Pattern, tuple]:
    pattern, rank = "", []
    for segment in path.strip("/").split("/") if path != "/" else []:
        greedy = re.fullmatch(r"\{([A-Za-z0-9_]+)\+\}", segment)
        param = re.fullmatch(r"\{([A-Za-z0-9_]+)\}", segment)
        if greedy:
            pattern += rf"/(?P<{greedy.group(1)}>.+)"
            rank.append(0)
        elif param:
            pattern += rf"/(?P<{param.group(1)}>[^/]+)"
            rank.append(1)
        else:
            pattern += "/" + re.escape(segment)
            rank.append(2)
    return re.compile(pattern or "/"), tuple(rank)


def is_text(content_type: Optional[str]) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return media_type.startswith("text/") or media_type in TEXT_MEDIA_TYPES


def build_event(route: Route, path_params: dict[str, str], request: Request, api_id: str,
                request_id: str, now: float, caller: Optional[dict] = None) -> dict:
    """The payload 2.0 event API Gateway sends for this request. An IAM route's event carries `caller`
    (the identity whose signature was checked) or, when signatures are not checked, the local developer
    with the access key id the Authorization header names."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        name = name.lower()
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
        elif name in headers:
            headers[name] += "," + value
        else:
            headers[name] = value
    host = headers.get("host", f"127.0.0.1:{request.server_port}").split(":")[0]
    trace_id = f"Root=1-{int(now):08x}-{secrets.token_hex(12)}"
    headers.update({"x-amzn-trace-id": trace_id, "x-forwarded-for": request.source_ip,
                    "x-forwarded-port": str(request.server_port), "x-forwarded-proto": "http"})

    event: dict = {"version": "2.0", "routeKey": route.key, "rawPath": request.raw_path,
                   "rawQueryString": request.raw_query}
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = query_parameters(request.raw_query)
    if query:
        event["queryStringParameters"] = query
    context = {
        "accountId": ACCOUNT_ID,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": host.split(".")[0],
        "http": {"method": request.method, "path": request.raw_path, "protocol": "HTTP/1.1",
                 "sourceIp": request.source_ip, "userAgent": headers.get("user-agent", "")},
        "requestId": request_id,
        "routeKey": route.key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if route.iam:
        context["authorizer"] = {"iam": caller or dict(
            LOCAL_DEVELOPER.identity(),
            accessKey=unsigned_access_key(headers.get("authorization")) or LOCAL_DEVELOPER.access_key_id)}
    event["requestContext"] = context
    if path_params:
        event["pathParameters"] = path_params
    if request.body:
        if is_text(headers.get("content-type")):
            event["body"] = request.body.decode("utf-8", errors="replace")
            event["isBase64Encoded"] = False
        else:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def query_parameters(raw_query: str) -> dict[str, str]:
    """queryStringParameters: percent-decoded, repeated names joined with commas."""
    params: dict[str, str] = {}
    for part in raw_query.split("&") if raw_query else []:
        if not part:
            continue
        name, _, value = part.partition("=")
        name, value = unquote(name), unquote(value)
        params[name] = params[name] + "," + value if name in params else value
    return params


def map_response(outcome: Outcome) -> tuple[int, list[tuple[str, str]], bytes, Optional[str]]:
    """The function's answer as API Gateway returns it: (status, headers, body, why it failed or None)."""
    if not outcome.ok:
        return _gateway_error(502, f"the function failed: {outcome.error_message or outcome.error_type}")
    if len(outcome.payload) > MAX_INVOKE_PAYLOAD_BYTES:
        return _gateway_error(502, f"the response is {len(outcome.payload)} bytes; Lambda's limit is 6 MB")
    try:
        doc = json.loads(outcome.payload)
    except ValueError:
        return _gateway_error(502, "the function's response is not JSON")
    if not (isinstance(doc, dict) and "statusCode" in doc):
        # payload 2.0 takes any JSON without a statusCode as a 200 JSON body
        return 200, [("Content-Type", "application/json")], outcome.payload, None
    try:
        status = int(doc["statusCode"])
        if not 100 <= status <= 599:
            raise ValueError
    except (TypeError, ValueError):
        return _gateway_error(502, f"statusCode {doc['statusCode']!r} is not an HTTP status")
    headers = [(str(k), str(v)) for k, v in (doc.get("headers") or {}).items()
               if str(k).lower() not in ("content-length", "transfer-encoding", "connection")]
    headers += [("Set-Cookie", str(c)) for c in doc.get("cookies") or []]
    body = doc.get("body")
    if body is None:
        data = b""
    elif doc.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except ValueError:
            return _gateway_error(502, "isBase64Encoded is true but the body is not base64")
    else:
        data = str(body).encode("utf-8")
    return status, headers, data, None


def _gateway_error(status: int, why: Optional[str] = None) -> tuple[int, list[tuple[str, str]], bytes, Optional[str]]:
    body = json.dumps({"message": GATEWAY_ERRORS[status]}, separators=(",", ":")).encode()
    return status, [("Content-Type", "application/json")], body, why


class _Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: a burst of concurrent callers (16 senders of a benchmark, a
    # batch of FPTR deliveries) found it full and had their connections dropped or reset.
    request_queue_size = 128


class Gateway:
    def __init__(self, port: int, api_id: str = "local", integration_timeout_s: float = INTEGRATION_TIMEOUT_S,
                 verifier: Optional[SigV4Verifier] = None, docs: Optional[DocsSite] = None):
        """Takes the port at once; requests wait in the listen backlog until `start`. With a `verifier`,
        IAM routes take only requests it accepts (infra/local/up --iam); with `docs`, /docs is its page."""
        self.integration_timeout_s = integration_timeout_s
        self.verifier = verifier
        self.docs = docs
        self.table = RouteTable([])
        self.pools: dict[str, FunctionPool] = {}
        self.api_id = api_id
        self.server = _Server(("127.0.0.1", port), _gateway_handler(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._serving = False

    def start(self, routes: list[Route], pools: dict[str, FunctionPool]) -> None:
        self.table = RouteTable(routes)
        self.pools = pools
        self._serving = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, name="gateway",
                         daemon=True).start()

    def close(self) -> None:
        if self._serving:  # shutdown() waits for serve_forever, forever if it never ran
            self.server.shutdown()
        self.server.server_close()

    def handle(self, request: Request) -> tuple[int, list[tuple[str, str]], bytes, str]:
        """Returns (status, headers, body, a note for the access log)."""
        request_id = base64.b64encode(secrets.token_bytes(11)).decode()
        if request.raw_path.startswith(ADMIN_PREFIX):
            status, headers, body = self._admin(request)
            return status, headers, body, "local stack"
        if self.docs and DocsSite.owns(request.raw_path):
            host = next((value for name, value in request.headers if name.lower() == "host"), None)
            status, headers, body = self.docs.serve(request.method, request.raw_path, host, self.port)
            return status, headers, body, "docs"
        if len(request.body) > MAX_REQUEST_BYTES:  # a chunked body, which had no Content-Length to refuse early
            status, headers, body, _ = _gateway_error(413)
            return status, headers + [("apigw-requestid", request_id)], body, "body over 10 MB"
        found = self.table.match(request.method, request.raw_path)
        if found is None:
            status, headers, body, _ = _gateway_error(404)
            return status, headers + [("apigw-requestid", request_id)], body, "no route"
        route, path_params = found
        caller = None
        if route.iam and self.verifier:
            signed_by = self.verifier.verify(request.method, request.raw_path, request.raw_query, request.headers,
                                             request.body)
            if isinstance(signed_by, Rejected):
                status, headers, body, _ = _gateway_error(403)
                return status, headers + [("apigw-requestid", request_id)], body, f"IAM: {signed_by.reason}"
            caller = signed_by.identity()
        event = json.dumps(build_event(route, path_params, request, self.api_id, request_id, time.time(),
                                       caller)).encode()
        if len(event) > MAX_INVOKE_PAYLOAD_BYTES:
            status, headers, body, _ = _gateway_error(500)
            return status, headers + [("apigw-requestid", request_id)], body, \
                f"{route.function.logical_id}: the event is {len(event)} bytes; Lambda's limit is 6 MB"
        outcome, invocation = self.pools[route.function.logical_id].invoke(event, self.integration_timeout_s)
        if outcome is None:
            status, headers, body, why = _gateway_error(
                503, f"no answer within {self.integration_timeout_s:.0f} s (the integration timeout); "
                     f"the function carries on until its own Timeout")
        else:
            status, headers, body, why = map_response(outcome)
        note = f"{route.function.logical_id} {invocation.request_id}" + (f" ({why})" if why else "")
        return status, headers + [("apigw-requestid", request_id)], body, note

    def _admin(self, request: Request) -> tuple[int, list[tuple[str, str]], bytes]:
        """GET /_local/functions: functions, routes, event sources, schedules and warm instances.
        DELETE /_local/functions/{logical id}/instances: stop them, so the next call starts cold.
        POST /_local/functions/{logical id}/invocations: invoke it with the body as the event (infra/local/invoke).
        PUT /_local/functions/{logical id}/events/{event name} {"enabled": false|true}: pause or resume an SQS
        event source (what `aws lambda update-event-source-mapping --no-enabled` does)."""
        path = request.raw_path[len(ADMIN_PREFIX):].strip("/").split("/")
        json_type = [("Content-Type", "application/json")]
        if request.method == "GET" and path == ["functions"]:
            return 200, json_type, json.dumps({"functions": [pool.describe() for pool in self.pools.values()]}).encode()
        if len(path) == 3 and path[0] == "functions" and (request.method, path[2]) in (("DELETE", "instances"),
                                                                                     ("POST", "invocations")):
            pool = self.pools.get(path[1])
            if not pool:
                return 404, json_type, json.dumps({"message": f"no function {path[1]}; known: {sorted(self.pools)}"}).encode()
            if request.method == "DELETE":
                return 200, json_type, json.dumps({"stopped": pool.recycle()}).encode()
            return self._invoke(pool, request.body)
        if len(path) == 4 and path[0] == "functions" and path[2] == "events" and request.method == "PUT":
            return self._enable(path[1], path[3], request.body)
        return 404, json_type, json.dumps({"message": "local stack endpoints: GET /_local/functions, "
                                                      "DELETE /_local/functions/{LogicalId}/instances, "
                                                      "POST /_local/functions/{LogicalId}/invocations, "
                                                      "PUT /_local/functions/{LogicalId}/events/{EventName}"}).encode()

    def _enable(self, logical_id: str, event_name: str, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        json_type = [("Content-Type", "application/json")]
        pool = self.pools.get(logical_id)
        sources = [s for s in (pool.event_sources if pool else []) if hasattr(s, "set_enabled") and s.trigger.event_name == event_name]
        if not sources:
            return 404, json_type, json.dumps({"message": f"no SQS event or event source mapping {event_name} on {logical_id}"}).encode()
        try:
            enabled = json.loads(body).get("enabled")
        except (ValueError, AttributeError):
            enabled = None
        if not isinstance(enabled, bool):
            return 400, json_type, json.dumps({"message": 'the body must be {"enabled": true} or {"enabled": false}'}).encode()
        sources[0].set_enabled(enabled)
        return 200, json_type, json.dumps(sources[0].describe()).encode()

    @staticmethod
    def _invoke(pool: FunctionPool, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        """Like Lambda's Invoke API (RequestResponse): the payload back with 200, and X-Amz-Function-Error
        when the function failed. No body: a schedule's event for a scheduled function, else {}."""
        if not body.strip():
            schedules = [source for source in pool.event_sources if isinstance(source, ScheduleSource)]
            body = schedules[0].event() if schedules else b"{}"
        json_type = [("Content-Type", "application/json")]
        if len(body) > MAX_INVOKE_PAYLOAD_BYTES:
            return 413, json_type, json.dumps({"Type": "User", "message": f"the event is {len(body)} bytes; "
                                                                          f"Lambda's limit is 6 MB"}).encode()
        try:
            json.loads(body)
        except ValueError as e:
            return 400, json_type, json.dumps({"Type": "User", "message": f"Could not parse request body into json: {e}"}).encode()
        outcome, invocation = pool.invoke(body)
        headers = json_type + [("X-Amz-Executed-Version", "$LATEST"), ("x-amzn-RequestId", invocation.request_id)]
        if outcome.ok:
            return 200, headers, outcome.payload
        return 200, headers + [("X-Amz-Function-Error", "Unhandled")], json.dumps(
            {"errorMessage": outcome.error_message, "errorType": outcome.error_type}).encode()


def _gateway_handler(gateway: Gateway):
    class GatewayHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall

        def _serve(self):
            started = time.monotonic()
            raw_path, _, raw_query = self.path.partition("?")
            if int(self.headers.get("Content-Length") or 0) > MAX_REQUEST_BYTES:
                status, headers, data = _gateway_error(413)[:3]
                # the body is left unread, so the connection cannot carry another request: say so (HTTP/1.1),
                # or a client keeping it alive writes its next request into a closed socket
                self._send(status, headers + [("Connection", "close")], data)
                self.close_connection = True
                return
            try:
                body = read_body(self)
            except ValueError:
                self.send_error(400)
                return
            request = Request(method=self.command, raw_path=raw_path, raw_query=raw_query,
                              headers=list(self.headers.items()), body=body,
                              source_ip=self.client_address[0], server_port=gateway.port)
            try:
                status, headers, data, note = gateway.handle(request)
            except Exception as e:  # a fault of the local stack itself: answer like API Gateway would
                ACCESS_LOG.exception("local stack fault")
                (status, headers, data, _), note = _gateway_error(500), f"local stack fault: {e}"
            self._send(status, headers, data)
            ACCESS_LOG.info('"%s %s" %d %.1f ms  %s', self.command, raw_path, status,
                            (time.monotonic() - started) * 1000, note)

        def _send(self, status: int, headers: list[tuple[str, str]], data: bytes):
            self.send_response_only(status)
            self.send_header("Date", formatdate(usegmt=True))
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format, *args):  # noqa: A002 - the access log above replaces it
            pass

    return GatewayHandler
