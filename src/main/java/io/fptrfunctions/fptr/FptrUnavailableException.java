package io.fptrfunctions.fptr;

import java.time.Duration;
import java.util.Optional;

/**
 * FPTR could not be reached in time: retries exhausted (429, 502, 503, 504, cut connections), a timeout,
 * or the circuit breaker open because the site keeps failing. Nothing was changed on FPTR (reads, or a
 * write that never reached it), so the caller may try again later; {@link #retryAfter()} says when if
 * FPTR told us.
 */
public class FptrUnavailableException extends RuntimeException {

    private final Duration retryAfter;

    public FptrUnavailableException(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    public FptrUnavailableException(String message, Throwable cause) {
        this(message, null, cause);
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
