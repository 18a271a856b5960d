package io.fptrfunctions.fptr;

import java.time.Duration;

/**
 * A failure worth trying again: 429, 502, 503, 504 or a connection that failed or was cut. Only safe
 * calls are retried on it ({@link FptrCalls}); {@link FptrResponses} turns what is left after retries
 * into {@link FptrFailure.Unavailable} or, for a write that may have reached FPTR,
 * {@link FptrFailure.WriteOutcomeUnknown}. Package-private: it never leaves {@code fptr/}.
 */
class TransientFptrFailure extends RuntimeException {

    private final Duration retryAfter;
    private final FptrFailure.WriteOutcomeUnknown.Lost lost;
    private final boolean retryable;

    TransientFptrFailure(String message, Duration retryAfter, FptrFailure.WriteOutcomeUnknown.Lost lost, Throwable cause) {
        this(message, retryAfter, lost, true, cause);
    }

    TransientFptrFailure(String message, Duration retryAfter, FptrFailure.WriteOutcomeUnknown.Lost lost, boolean retryable,
                         Throwable cause) {
        super(message, cause, false, false);
        this.retryAfter = retryAfter;
        this.lost = lost;
        this.retryable = retryable;
    }

    /** False when FPTR asked for a wait longer than {@code fptr.max-retry-after}: the call fails at once, with the wait. */
    boolean retryable() { return retryable; }

    /** FPTR's Retry-After, or null. */
    Duration retryAfter() { return retryAfter; }

    /**
     * How the request may have reached FPTR without its answer reaching us (a cut, a socket timeout, a
     * gateway error); null when FPTR certainly did not act on it: connection refused, 429 (throttled
     * before processing) or 503 (not serving).
     */
    FptrFailure.WriteOutcomeUnknown.Lost lost() { return lost; }
}
