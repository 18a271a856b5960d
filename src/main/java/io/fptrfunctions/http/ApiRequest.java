package io.fptrfunctions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fptrfunctions.deadline.Deadline;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/** The parts of an API Gateway HTTP API (payload 2.0) event a function reads, with its body parsed as JSON. */
public final class ApiRequest {

    /** The largest JSON body a route takes (API Gateway would pass 10 MB, Lambda 6 MB). */
    public static final int MAX_JSON_BODY_BYTES = 1024 * 1024;
    /** The deepest nesting of objects and lists in a JSON body. */
    public static final int MAX_JSON_DEPTH = 32;
    /** The longest number in a JSON body (an id has at most 18 digits). */
    public static final int MAX_JSON_NUMBER_LENGTH = 32;

    /** Request bodies are read with their own limits, not the application mapper's (which reads FPTR's answers). */
    private static final ObjectMapper BODY_READER = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_JSON_DEPTH)
                    .maxNumberLength(MAX_JSON_NUMBER_LENGTH)
                    .maxStringLength(MAX_JSON_BODY_BYTES)
                    .build())
            .build()).build();

    private final APIGatewayV2HTTPEvent event;
    private final Deadline deadline;

    ApiRequest(APIGatewayV2HTTPEvent event, Deadline deadline) {
        this.event = event;
        this.deadline = deadline;
    }

    /** When the answer must be ready: what the function hands to its service, and on to every call it makes. */
    public Deadline deadline() {
        return deadline;
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

    /** A header read like any other input ({@code X-SG-Delivery-Id:}); absent when not sent. */
    public Input headerInput(String name) {
        return Input.header(name, header(name).orElse(null));
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
        return listNames("Prefer", preference);
    }

    /**
     * True when a {@code Cache-Control} header (RFC 9111 §5.2) holds {@code directive}, e.g. {@code no-cache} in
     * {@code Cache-Control: max-age=0, no-cache}. Names compare case-insensitively; arguments are not read.
     */
    public boolean cacheDirective(String directive) {
        return listNames("Cache-Control", directive);
    }

    /** A comma-separated header (API Gateway joins repeated ones so) names {@code name}, before any {@code ;} or {@code =}. */
    private boolean listNames(String header, String name) {
        return header(header).map(value -> Arrays.stream(value.split(","))
                .map(item -> item.split(";", 2)[0].split("=", 2)[0].trim())
                .anyMatch(name::equalsIgnoreCase)).orElse(false);
    }

    /**
     * The raw body bytes, base64-decoded when API Gateway flagged it (the webhook's HMAC is over these); a
     * body over {@code maxBytes} is a 413 before it is decoded.
     */
    public byte[] rawBody(int maxBytes) {
        String body = event.getBody();
        if (body == null) {
            return new byte[0];
        }
        // A character is at least one byte, and base64 carries 3 bytes in 4 characters: refuse before any work.
        long least = event.getIsBase64Encoded() ? body.length() / 4L * 3 - 2 : body.length();
        if (least > maxBytes) {
            throw tooLarge(maxBytes);
        }
        byte[] bytes;
        if (event.getIsBase64Encoded()) {
            try {
                bytes = Base64.getDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest("The body is flagged base64 but is not valid base64.").with("pointer", "");
            }
        } else {
            bytes = body.getBytes(StandardCharsets.UTF_8);
        }
        if (bytes.length > maxBytes) {
            throw tooLarge(maxBytes);
        }
        return bytes;
    }

    private static ProblemException tooLarge(int maxBytes) {
        return new ProblemException(413, "Content Too Large", "The body is larger than " + maxBytes
                + " bytes, the most this route takes. Nothing was done.").with("pointer", "");
    }

    /**
     * The body, a JSON object of at most {@link #MAX_JSON_BODY_BYTES} bytes, nested at most
     * {@link #MAX_JSON_DEPTH} levels, with numbers of at most {@link #MAX_JSON_NUMBER_LENGTH} characters;
     * an empty body is {@code {}}. Anything else is a 400 (413 when too large) that says what is wrong.
     */
    public Input body() {
        return Input.of(jsonObjectBody());
    }

    private JsonNode jsonObjectBody() {
        byte[] raw = rawBody(MAX_JSON_BODY_BYTES);
        if (raw.length == 0 || new String(raw, StandardCharsets.UTF_8).isBlank()) {
            return JsonNodeFactory.instance.objectNode();
        }
        JsonNode node;
        try {
            node = BODY_READER.readTree(raw);
        } catch (StreamConstraintsException e) {
            throw ProblemException.badRequest("The body is JSON beyond this API's limits: at most " + MAX_JSON_DEPTH
                    + " levels of nesting and numbers of at most " + MAX_JSON_NUMBER_LENGTH + " characters.").with("pointer", "");
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw ProblemException.badRequest("The body is not valid JSON: " + Input.quote(e.getOriginalMessage()) + where + ".")
                    .with("pointer", "");
        } catch (java.io.IOException e) {
            throw ProblemException.badRequest("The body could not be read as JSON.").with("pointer", "");
        }
        if (node == null || !node.isObject()) {
            throw ProblemException.badRequest("The body must be a JSON object.").with("pointer", "");
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
