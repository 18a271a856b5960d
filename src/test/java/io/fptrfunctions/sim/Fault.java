package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An injected fault: for the next {@code times} requests whose method and path match, add latency,
 * expire the caller's token, answer a status (with Retry-After, and FPTR's error code, title and detail when given), send the body chunked (no
 * Content-Length, as a server streaming a body of unknown length does), and/or cut the connection after K
 * body bytes, or stall a streamed body after K bytes for a while (a storage server that stops sending). Two act on the request body of an upload: read K bytes of it and drop the connection
 * without answering ({@code cut_request_after_bytes}), or keep only its first K bytes and answer as if all
 * had arrived ({@code keep_request_bytes}: a PUT that "succeeded" with a short body). One alters what the route
 * answers in JSON after it has done its work ({@code rewrite}: JSON pointer to a new value, null to drop the
 * member), for an answer FPTR got wrong: a link that is no URL, a member missing. The path pattern is a regex
 * searched in the request path (anchor it with ^...$ to be exact).
 */
public final class Fault {

    final long id;
    final String method;
    final Pattern path;
    final String pathText;
    /** Optional regex searched in the request body (UTF-8), e.g. {@code "number":3} to fail one _search page. */
    final Pattern body;
    int remaining;
    final Integer status;
    /**
     * FPTR's words for the injected status, when given: its error {@code code}, {@code title} and {@code detail}
     * (e.g. a permission refusal, 400 code 104 {@code The field is not editable for this user: [Note.subject].}).
     */
    final Integer errorCode;
    final String errorTitle;
    final String errorDetail;
    final String retryAfter;
    final long latencyMs;
    final Long cutAfterBytes;
    /** Streamed bodies only: after this many bytes, wait {@link #stallMs} before sending the rest. */
    final Long stallAfterBytes;
    final long stallMs;
    final boolean chunked;
    final boolean expireToken;
    final Long cutRequestAfterBytes;
    final Long keepRequestBytes;
    /** JSON pointer (e.g. {@code /links/upload}) to the value the answer gets there; null removes the member. */
    final ObjectNode rewrite;

    private Fault(long id, JsonNode spec) {
        this.id = id;
        this.method = spec.hasNonNull("method") ? spec.get("method").asText().toUpperCase(Locale.ROOT) : null;
        this.pathText = spec.hasNonNull("path") ? spec.get("path").asText() : ".*";
        try {
            this.path = Pattern.compile(pathText);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("path is not a valid regex: " + e.getDescription());
        }
        try {
            this.body = spec.hasNonNull("body") ? Pattern.compile(spec.get("body").asText()) : null;
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("body is not a valid regex: " + e.getDescription());
        }
        this.remaining = intField(spec, "times", 1, 1);
        this.status = spec.hasNonNull("status") ? intField(spec, "status", 0, 100) : null;
        if (status != null && status > 599) {
            throw new IllegalArgumentException("status must be an HTTP status (100-599)");
        }
        this.errorCode = spec.hasNonNull("code") ? intField(spec, "code", 0, 0) : null;
        this.errorTitle = spec.hasNonNull("title") ? spec.get("title").asText() : null;
        this.errorDetail = spec.hasNonNull("detail") ? spec.get("detail").asText() : null;
        if (status == null && (errorCode != null || errorTitle != null || errorDetail != null)) {
            throw new IllegalArgumentException("code, title and detail are the words of an injected status: give status too");
        }
        this.retryAfter = spec.hasNonNull("retry_after") ? spec.get("retry_after").asText() : null;
        this.latencyMs = spec.hasNonNull("latency_ms") ? intField(spec, "latency_ms", 0, 0) : 0;
        this.cutAfterBytes = spec.hasNonNull("cut_after_bytes") ? (long) intField(spec, "cut_after_bytes", 0, 0) : null;
        this.stallAfterBytes = spec.hasNonNull("stall_after_bytes") ? (long) intField(spec, "stall_after_bytes", 0, 0) : null;
        this.stallMs = intField(spec, "stall_ms", 0, 0);
        if ((stallAfterBytes == null) != (stallMs == 0)) {
            throw new IllegalArgumentException("stall_after_bytes and stall_ms (> 0) go together");
        }
        this.chunked = spec.path("chunked").asBoolean(false);
        this.expireToken = spec.path("expire_token").asBoolean(false);
        this.cutRequestAfterBytes = spec.hasNonNull("cut_request_after_bytes")
                ? (long) intField(spec, "cut_request_after_bytes", 0, 0) : null;
        this.keepRequestBytes = spec.hasNonNull("keep_request_bytes") ? (long) intField(spec, "keep_request_bytes", 0, 0) : null;
        if (spec.hasNonNull("rewrite") && !spec.get("rewrite").isObject()) {
            throw new IllegalArgumentException("rewrite is an object of JSON pointers to values");
        }
        this.rewrite = spec.hasNonNull("rewrite") ? (ObjectNode) spec.get("rewrite").deepCopy() : null;
        if (rewrite != null) {
            rewrite.fieldNames().forEachRemaining(pointer -> {
                if (!pointer.startsWith("/") || pointer.length() < 2) {
                    throw new IllegalArgumentException("rewrite: '" + pointer + "' is not a JSON pointer to a member");
                }
            });
        }
    }

    /** The route's JSON answer with the {@code rewrite} applied (members the pointers' parents lack are added). */
    JsonNode rewritten(JsonNode answer) {
        if (rewrite == null || !answer.isObject()) {
            return answer;
        }
        JsonNode copy = answer.deepCopy();
        rewrite.fields().forEachRemaining(change -> {
            String pointer = change.getKey();
            int cut = pointer.lastIndexOf('/');
            JsonNode parent = cut == 0 ? copy : copy.at(pointer.substring(0, cut));
            if (parent instanceof ObjectNode object) {
                String name = pointer.substring(cut + 1).replace("~1", "/").replace("~0", "~");
                if (change.getValue().isNull()) {
                    object.remove(name);
                } else {
                    object.set(name, change.getValue());
                }
            }
        });
        return copy;
    }

    static Fault parse(long id, JsonNode spec) {
        if (spec == null || !spec.isObject()) {
            throw new IllegalArgumentException("a fault is a JSON object");
        }
        return new Fault(id, spec);
    }

    boolean matches(String requestMethod, String requestPath) {
        return remaining > 0 && (method == null || method.equals(requestMethod)) && path.matcher(requestPath).find();
    }

    /** The body test, for a request whose method and path matched (the body is read only then). */
    boolean matchesBody(java.util.function.Supplier<String> requestBody) {
        return body == null || body.matcher(requestBody.get()).find();
    }

    ObjectNode toJson() {
        ObjectNode n = SimJson.object();
        n.put("id", id);
        n.put("method", method);
        n.put("path", pathText);
        if (body != null) {
            n.put("body", body.pattern());
        }
        n.put("remaining", remaining);
        if (status != null) {
            n.put("status", status);
        }
        n.put("code", errorCode);
        n.put("title", errorTitle);
        n.put("detail", errorDetail);
        n.put("retry_after", retryAfter);
        n.put("latency_ms", latencyMs);
        if (cutAfterBytes != null) {
            n.put("cut_after_bytes", cutAfterBytes);
        }
        if (stallAfterBytes != null) {
            n.put("stall_after_bytes", stallAfterBytes);
            n.put("stall_ms", stallMs);
        }
        n.put("chunked", chunked);
        n.put("expire_token", expireToken);
        if (cutRequestAfterBytes != null) {
            n.put("cut_request_after_bytes", cutRequestAfterBytes);
        }
        if (keepRequestBytes != null) {
            n.put("keep_request_bytes", keepRequestBytes);
        }
        if (rewrite != null) {
            n.set("rewrite", rewrite);
        }
        return n;
    }

    private static int intField(JsonNode spec, String name, int dflt, int min) {
        JsonNode v = spec.get(name);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must be an integer >= " + min);
        }
        return v.intValue();
    }
}
