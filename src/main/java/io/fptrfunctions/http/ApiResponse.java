package io.fptrfunctions.http;

import java.util.LinkedHashMap;
import java.util.Map;

/** What a function answers: a status, a JSON-serialisable body (or none) and extra headers. */
public record ApiResponse(int status, Object body, Map<String, String> headers) {

    public static ApiResponse ok(Object body) {
        return new ApiResponse(200, body, Map.of());
    }

    public static ApiResponse created(Object body) {
        return new ApiResponse(201, body, Map.of());
    }

    /** 202: the request was queued, not done (e.g. {@code Prefer: respond-async}). */
    public static ApiResponse accepted(Object body) {
        return new ApiResponse(202, body, Map.of());
    }

    public ApiResponse withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new ApiResponse(status, body, copy);
    }
}
