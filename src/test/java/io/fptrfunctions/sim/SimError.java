package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An FPTR error answer: the HTTP status and the JSON body, normally FPTR's
 * {@code {"errors":[{"id","status","code","title","source","detail","meta"}]}}.
 */
public class SimError extends RuntimeException {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final int status;
    private final JsonNode body;
    private final Map<String, String> headers = new LinkedHashMap<>();

    public SimError(int status, JsonNode body) {
        super("HTTP " + status + " " + body);
        this.status = status;
        this.body = body;
    }

    public int status() {
        return status;
    }

    public JsonNode body() {
        return body;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public SimError withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /** The full FPTR error shape. {@code source} may be null (JSON null). */
    public static SimError fptr(int status, int code, String title, JsonNode source, String detail) {
        ObjectNode e = SimJson.object();
        e.put("id", requestId());
        e.put("status", status);
        e.put("code", code);
        e.put("title", title);
        e.set("source", source == null ? SimJson.NODES.nullNode() : source);
        if (detail == null) {
            e.putNull("detail");
        } else {
            e.put("detail", detail);
        }
        e.putNull("meta");
        return wrap(status, e);
    }

    /** FPTR's short error shape without id/detail/meta (as its 415 answers are recorded). */
    public static SimError brief(int status, int code, String title, JsonNode source) {
        ObjectNode e = SimJson.object();
        e.put("status", status);
        e.put("code", code);
        e.put("title", title);
        e.set("source", source);
        return wrap(status, e);
    }

    /** FPTR's 415 for a body type the endpoint does not take, naming the ones it does. */
    public static SimError unsupportedContentType(String sent, String... allowed) {
        ObjectNode source = SimJson.object();
        source.put("content_type", "Content-Type must be one of: '" + String.join("', '", allowed) + "'.");
        return brief(415, 103, "Unsupported Content-Type '" + sent + "'", source);
    }

    /** 400 "Request Parameters invalid." with {@code source} naming the parameter and its messages. */
    public static SimError invalidParameters(ObjectNode source) {
        return fptr(400, 103, "Request Parameters invalid.", source, null);
    }

    public static SimError invalidParameter(String param, String message) {
        ObjectNode source = SimJson.object();
        source.putArray(param).add(message);
        return invalidParameters(source);
    }

    public static SimError notFound(String detail) {
        return fptr(404, 104, "Not Found", null, detail);
    }

    public static SimError recordMissing(String type, Object id) {
        return notFound("Entity of type [" + type + "] with id=" + id + " does not exist.");
    }

    public static SimError badRequest(String title) {
        return fptr(400, 103, title, SimJson.object(), null);
    }

    public static SimError unauthorized(String detail) {
        return fptr(401, 102, "Unauthorized", null, detail);
    }

    public static String requestId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static SimError wrap(int status, ObjectNode error) {
        ObjectNode body = SimJson.object();
        body.putArray("errors").add(error);
        return new SimError(status, body);
    }
}
