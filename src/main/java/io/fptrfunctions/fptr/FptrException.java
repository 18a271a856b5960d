package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * FPTR refused a call with an error body ({@code {"errors":[{...}]}}): the status, FPTR's own code, title
 * and detail of the first error, and that error object as FPTR sent it, so a function can answer
 * precisely and pass FPTR's words on as {@code upstream}. The message never holds a token or a key.
 */
public class FptrException extends RuntimeException {

    private final int status;
    private final Integer code;
    private final String title;
    private final String detail;
    private final JsonNode errors;

    public FptrException(int status, Integer code, String title, String detail, JsonNode errors) {
        super(describe(status, code, title, detail));
        this.status = status;
        this.code = code;
        this.title = title;
        this.detail = detail;
        this.errors = errors;
    }

    /** The HTTP status FPTR answered. */
    public int status() { return status; }

    /** FPTR's numeric error code (102 auth, 103 request, 104 not found...), or null when FPTR sent none. */
    public Integer code() { return code; }

    public String title() { return title; }

    public String detail() { return detail; }

    /** FPTR's first error object verbatim ({@code id, status, code, title, source, detail, meta}), or null. */
    public JsonNode errors() { return errors; }

    private static String describe(int status, Integer code, String title, String detail) {
        StringBuilder s = new StringBuilder("FPTR answered ").append(status);
        if (code != null) {
            s.append(" (code ").append(code).append(')');
        }
        if (title != null && !title.isBlank()) {
            s.append(": ").append(title);
        }
        if (detail != null && !detail.isBlank() && !detail.equals(title)) {
            s.append(" - ").append(detail);
        }
        return s.toString();
    }
}
