package io.fptrfunctions.idempotency;

import java.time.Instant;
import java.util.Optional;

/**
 * What the idempotency layer must know of one attempt at a write, told by the service that makes it:
 * whether the write was sent to FPTR and whether it landed. From that, {@link IdempotentWrites} decides
 * whether a failed attempt frees its {@code Idempotency-Key} (nothing was written: a retry is a fresh
 * request) or keeps it (the write may have landed: a retry must look at FPTR before writing).
 *
 * <p>{@link #earlierAttemptStartedAt()} is set when an earlier attempt under the same key stopped without
 * finishing (its process died, or its write's answer was lost): it may have written, so the service
 * reads FPTR first and does not write again when FPTR already holds what was asked.
 */
public final class WriteAttempt {

    /** Where the attempt got to. */
    enum Stage { NOT_SENT, SENDING, LANDED }

    private final Instant earlierAttemptStartedAt;
    private volatile Stage stage = Stage.NOT_SENT;

    WriteAttempt(Instant earlierAttemptStartedAt) {
        this.earlierAttemptStartedAt = earlierAttemptStartedAt;
    }

    /** For a request without an {@code Idempotency-Key}: nothing is remembered. */
    public static WriteAttempt unkeyed() {
        return new WriteAttempt(null);
    }

    /** When an unfinished earlier attempt under the same key started; empty for a first attempt. */
    public Optional<Instant> earlierAttemptStartedAt() {
        return Optional.ofNullable(earlierAttemptStartedAt);
    }

    /** The write is about to be sent to FPTR. */
    public void sending() {
        stage = Stage.SENDING;
    }

    /** FPTR answered the write: it landed. */
    public void landed() {
        stage = Stage.LANDED;
    }

    Stage stage() {
        return stage;
    }
}
