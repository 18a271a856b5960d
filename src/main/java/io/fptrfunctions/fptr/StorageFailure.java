package io.fptrfunctions.fptr;

import java.time.Duration;
import java.util.Optional;

/**
 * A transfer to or from FPTR's file storage failed: a download from the signed URL FPTR's {@code ?alt=}
 * redirect hands out, or an upload to {@code links.upload}. Storage kept failing after retries (5xx,
 * 429, cut or refused connections), or it refused the signed URL. {@link #retryable()} says whether
 * trying again may work (storage was failing) or not without a change (it refused); {@link #retryAfter()}
 * is storage's own Retry-After, when it sent one.
 */
public final class StorageFailure extends RuntimeException {

    private final boolean retryable;
    private final Duration retryAfter;

    public StorageFailure(String message, boolean retryable, Throwable cause) {
        this(message, retryable, null, cause);
    }

    public StorageFailure(String message, boolean retryable, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    public boolean retryable() {
        return retryable;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
