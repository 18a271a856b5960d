package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;

/**
 * A failure worth trying again: 429, 502, 503, 504 or a connection that failed or was cut. Only safe
 * calls are retried on it ({@link FptrCalls}); {@link FptrClient} turns what is left after retries into
 * {@link FptrUnavailableException} or, for a write, {@link FptrWriteOutcomeUnknownException}.
 */
class TransientFptrFailure extends RuntimeException {

    private final int status;
    private final Duration retryAfter;
    private final boolean mayHaveReachedFptr;
    private final JsonNode errors;

    TransientFptrFailure(String message, int status, Duration retryAfter, boolean mayHaveReachedFptr, JsonNode errors,
                         Throwable cause) {
        super(message, cause, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
        this.mayHaveReachedFptr = mayHaveReachedFptr;
        this.errors = errors;
    }

    /** The HTTP status, or 0 when no answer arrived (connection refused or cut). */
    int status() { return status; }

    /** FPTR's Retry-After, or null. */
    Duration retryAfter() { return retryAfter; }

    /**
     * False only when FPTR certainly did not act on the request: connection refused, 429 (throttled before
     * processing) or 503 (not serving). A cut connection, 502 or 504 may hide a completed request.
     */
    boolean mayHaveReachedFptr() { return mayHaveReachedFptr; }

    JsonNode errors() { return errors; }
}
