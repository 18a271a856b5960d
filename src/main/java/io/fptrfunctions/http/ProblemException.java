package io.fptrfunctions.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 {@code application/problem+json} answer. Services throw it (or a subclass) for the answers
 * their contract defines (bad input, a 409 while an image is pending...); failures of FPTR, AWS and
 * storage become one through {@link Problems}; the {@link HttpApiAdapter} writes it out. The message is
 * the {@code detail} and must never carry a secret.
 */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String title;
    private final String type;
    private final JsonNode upstream;
    private final Map<String, Object> extensions = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();

    public ProblemException(int status, String title, String detail) {
        this(status, title, detail, null, null);
    }

    public ProblemException(int status, String title, String detail, JsonNode upstream, Throwable cause) {
        super(detail, cause);
        this.status = status;
        this.title = title;
        this.type = "about:blank";
        this.upstream = upstream;
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(400, "Bad Request", detail);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "Not Found", detail);
    }

    public static ProblemException conflict(String detail) {
        return new ProblemException(409, "Conflict", detail);
    }

    public static ProblemException unprocessable(String detail) {
        return new ProblemException(422, "Unprocessable Content", detail);
    }

    /**
     * Adds a member beside type/title/status/detail (RFC 9457 extension member), e.g. {@code roots}.
     * The input at fault is always {@code pointer} (see {@link Input#pointer()}).
     */
    public ProblemException with(String key, Object value) {
        extensions.put(key, value);
        return this;
    }

    /**
     * The same problem (status, title, upstream, members, headers) with another {@code detail}: how a
     * function words a row of the shared table its own way where its contract says so.
     */
    public ProblemException withDetail(String detail) {
        ProblemException copy = new ProblemException(status, title, detail, upstream, getCause());
        copy.extensions.putAll(extensions);
        copy.headers.putAll(headers);
        return copy;
    }

    /** Adds {@code Retry-After} in whole seconds, at least 1 (RFC 9110 delta-seconds). */
    public ProblemException withRetryAfter(Duration wait) {
        return withHeader("Retry-After", String.valueOf(Math.max(1, (wait.toMillis() + 999) / 1000)));
    }

    /** Adds a response header. */
    public ProblemException withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /** The problem as JSON: type, title, status, detail, upstream (when FPTR refused) and the extension members. */
    public ObjectNode body(ObjectMapper mapper) {
        ObjectNode body = mapper.createObjectNode();
        body.put("type", type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", getMessage());
        if (upstream != null) {
            body.set("upstream", upstream);
        }
        extensions.forEach((k, v) -> body.set(k, mapper.valueToTree(v)));
        return body;
    }

    public int status() { return status; }
    public String title() { return title; }
    public String type() { return type; }
    public String detail() { return getMessage(); }
    public JsonNode upstream() { return upstream; }
    public Map<String, Object> extensions() { return extensions; }
    public Map<String, String> headers() { return headers; }
}
