package io.fptrfunctions.http;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.contract.DocumentedAnswers;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InstanceHandle;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Builds API Gateway HTTP API (payload 2.0) events the way API Gateway does, and hands them to a function's
 * handler in the test's Quarkus application ({@link #invoke}: every function in one boot; the packaged path,
 * events as JSON through the Lambda runtime, is LocalStackIT's), or as JSON maps to the Lambda mock event server.
 */
public final class ApiGatewayEvents {

    private static final ObjectMapper EVENTS = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Map<String, Object> event = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, String> pathParameters = new LinkedHashMap<>();
    private final Map<String, String> query = new LinkedHashMap<>();
    private final String method;
    private String path;
    private String callerArn = PIPELINE;

    private ApiGatewayEvents(String routeKey, String path) {
        this.method = routeKey.substring(0, routeKey.indexOf(' '));
        this.path = path;
        event.put("version", "2.0");
        event.put("routeKey", routeKey);
        headers.put("content-type", "application/json");
        headers.put("host", "abc123.execute-api.us-east-1.amazonaws.com");
        headers.put("user-agent", "test");
    }

    /** The IAM caller of every event unless {@link #caller} says otherwise. */
    public static final String PIPELINE = "arn:aws:iam::123456789012:user/pipeline";

    /** {@code route("POST /v1/token", "/v1/token")}. */
    public static ApiGatewayEvents route(String routeKey, String path) {
        return new ApiGatewayEvents(routeKey, path);
    }

    public ApiGatewayEvents pathParameter(String name, String value) {
        pathParameters.put(name, value);
        return this;
    }

    public ApiGatewayEvents query(String name, String value) {
        query.put(name, value);
        return this;
    }

    public ApiGatewayEvents header(String name, String value) {
        headers.put(name.toLowerCase(), value);
        return this;
    }

    /**
     * The IAM caller API Gateway saw ({@code requestContext.authorizer.iam.userArn}), e.g. a role session
     * {@code arn:aws:sts::123456789012:assumed-role/Review/jane}; null: a route without IAM (no authorizer).
     */
    public ApiGatewayEvents caller(String userArn) {
        this.callerArn = userArn;
        return this;
    }

    public ApiGatewayEvents body(String body) {
        event.put("body", body);
        event.put("isBase64Encoded", false);
        return this;
    }

    public ApiGatewayEvents base64Body(byte[] body) {
        event.put("body", Base64.getEncoder().encodeToString(body));
        event.put("isBase64Encoded", true);
        return this;
    }

    public Map<String, Object> build() {
        StringBuilder raw = new StringBuilder();
        query.forEach((k, v) -> raw.append(raw.length() == 0 ? "" : "&").append(k).append('=').append(v));
        event.put("rawPath", path);
        event.put("rawQueryString", raw.toString());
        event.put("headers", headers);
        if (!query.isEmpty()) {
            event.put("queryStringParameters", query);
        }
        if (!pathParameters.isEmpty()) {
            event.put("pathParameters", pathParameters);
        }
        event.putIfAbsent("isBase64Encoded", false);
        Map<String, Object> http = new LinkedHashMap<>();
        http.put("method", method);
        http.put("path", path);
        http.put("protocol", "HTTP/1.1");
        http.put("sourceIp", "127.0.0.1");
        http.put("userAgent", "test");
        Map<String, Object> iam = new LinkedHashMap<>();
        iam.put("accessKey", "AKIAEXAMPLE");
        iam.put("accountId", "123456789012");
        iam.put("callerId", "AIDAEXAMPLE");
        iam.put("principalOrgId", null);
        iam.put("userArn", callerArn);
        iam.put("userId", "AIDAEXAMPLE");
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("accountId", "123456789012");
        ctx.put("apiId", "abc123");
        if (callerArn != null) {
            ctx.put("authorizer", Map.of("iam", iam));
        }
        ctx.put("domainName", "abc123.execute-api.us-east-1.amazonaws.com");
        ctx.put("domainPrefix", "abc123");
        ctx.put("http", http);
        ctx.put("requestId", UUID.randomUUID().toString());
        ctx.put("routeKey", event.get("routeKey"));
        ctx.put("stage", "$default");
        ctx.put("time", "25/Nov/2026:04:00:00 +0000");
        ctx.put("timeEpoch", System.currentTimeMillis());
        event.put("requestContext", ctx);
        return event;
    }

    /** The event as the Lambda runtime hands it to a handler. */
    public APIGatewayV2HTTPEvent event() {
        return EVENTS.convertValue(build(), APIGatewayV2HTTPEvent.class);
    }

    /**
     * Calls the handler {@code function} ({@code token}, {@code local-file}..., as QUARKUS_LAMBDA_HANDLER names
     * it) of the running Quarkus application with this event and a context of its own (no deadline), as
     * Lambda would, and reads its answer.
     */
    public Answer invoke(String function) {
        return invoke(function, TestLambdaContext.invocation(function));
    }

    /** As {@link #invoke(String)}, with the given Lambda context (e.g. {@link TestLambdaContext#withRemaining}). */
    @SuppressWarnings("unchecked")
    public Answer invoke(String function, Context context) {
        try (InstanceHandle<Object> handler = Arc.container().instance(function)) {
            if (!handler.isAvailable()) {
                throw new AssertionError("no handler named " + function);
            }
            Answer answer = Answer.of(((RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>) handler.get())
                    .handleRequest(event(), context));
            // every answer a test provokes must be one openapi.yaml documents (DocumentedAnswers says what is checked)
            List<String> undocumented = DocumentedAnswers.mismatches(String.valueOf(event.get("routeKey")), answer.status(),
                    answer.headers(), answer.body());
            if (!undocumented.isEmpty()) {
                throw new AssertionError("openapi.yaml does not document this answer of " + event.get("routeKey") + ": "
                        + undocumented + "; the answer: " + answer);
            }
            return answer;
        }
    }

    /** What a handler's function receives for this event. */
    public static ApiRequest request(ApiGatewayEvents event) {
        return new ApiRequest(event.event(), io.fptrfunctions.deadline.Deadline.none());
    }

    public static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
