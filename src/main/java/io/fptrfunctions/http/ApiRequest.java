package io.fptrfunctions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/** The parts of an API Gateway HTTP API (payload 2.0) event a function reads, with its body parsed as JSON. */
public final class ApiRequest {

    private final APIGatewayV2HTTPEvent event;
    private final ObjectMapper mapper;

    ApiRequest(APIGatewayV2HTTPEvent event, ObjectMapper mapper) {
        this.event = event;
        this.mapper = mapper;
    }

    /** {@code "POST /v1/token"} as API Gateway sets it; functions with several routes switch on it. */
    public String routeKey() {
        return event.getRouteKey() == null ? "" : event.getRouteKey();
    }

    /** A path parameter the route declares ({@code {type}}), read like any other input. */
    public Input path(String name) {
        return Input.pathParameter(name, pathParameters().get(name));
    }

    /** A query parameter ({@code ?platform}); absent when not sent. */
    public Input query(String name) {
        return Input.queryParameter(name, queryParameters().get(name));
    }

    /** Every path parameter as sent (empty when none). */
    public Map<String, String> pathParameters() {
        return event.getPathParameters() == null ? Map.of() : event.getPathParameters();
    }

    /** Every query parameter as API Gateway parsed it (repeated names joined with commas; empty when none). */
    public Map<String, String> queryParameters() {
        return event.getQueryStringParameters() == null ? Map.of() : event.getQueryStringParameters();
    }

    /** Header lookup; HTTP API lower-cases header names, but a hand-made event may not. */
    public Optional<String> header(String name) {
        Map<String, String> headers = event.getHeaders();
        if (headers == null) {
            return Optional.empty();
        }
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
                return Optional.ofNullable(e.getValue());
            }
        }
        return Optional.empty();
    }

    /**
     * True when a {@code Prefer} header (RFC 7240) asks for {@code preference}, e.g. {@code respond-async}
     * in {@code Prefer: respond-async, wait=10}. Names compare case-insensitively; parameters and values
     * are not read. (API Gateway joins repeated headers with commas, as RFC 7240 allows.)
     */
    public boolean prefers(String preference) {
        return header("Prefer").map(value -> Arrays.stream(value.split(","))
                .map(p -> p.split(";", 2)[0].split("=", 2)[0].trim())
                .anyMatch(preference::equalsIgnoreCase)).orElse(false);
    }

    /** The raw body bytes, base64-decoded when API Gateway flagged it (the webhook's HMAC is over these). */
    public byte[] rawBody() {
        String body = event.getBody();
        if (body == null) {
            return new byte[0];
        }
        if (event.getIsBase64Encoded()) {
            try {
                return Base64.getDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest("The body is flagged base64 but is not valid base64.");
            }
        }
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /** The body, a JSON object; an empty body is {@code {}}. Anything else is a 400 that says what is wrong. */
    public Input body() {
        return Input.of(jsonObjectBody());
    }

    private JsonNode jsonObjectBody() {
        byte[] raw = rawBody();
        if (raw.length == 0 || new String(raw, StandardCharsets.UTF_8).isBlank()) {
            return JsonNodeFactory.instance.objectNode();
        }
        JsonNode node;
        try {
            node = mapper.readTree(raw);
        } catch (JsonProcessingException e) {
            // Jackson's own limits (nesting depth, number and string lengths) fail with no location.
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw ProblemException.badRequest("The body is not valid JSON: " + e.getOriginalMessage() + where + ".");
        } catch (java.io.IOException e) {
            throw ProblemException.badRequest("The body could not be read as JSON.");
        }
        if (node == null || !node.isObject()) {
            throw ProblemException.badRequest("The body must be a JSON object.");
        }
        return node;
    }

    /** The caller as API Gateway's IAM authoriser saw it, for access decisions and audit lines; never a secret. */
    public Caller caller() {
        var context = event.getRequestContext();
        var authorizer = context == null ? null : context.getAuthorizer();
        var iam = authorizer == null ? null : authorizer.getIam();
        return Caller.of(iam == null ? null : iam.getUserArn());
    }

    /** API Gateway's id of this request ({@code requestContext.requestId}), as logs name it; {@code "-"} without one. */
    public String requestId() {
        var context = event.getRequestContext();
        return context == null || context.getRequestId() == null ? "-" : context.getRequestId();
    }
}
