package io.fptrfunctions.fptr;

/**
 * A download from FPTR's file storage (the signed URL FPTR's {@code ?alt=} redirect hands out) failed:
 * storage kept failing after retries (5xx, 429, cut or refused connections), or it refused a freshly
 * signed URL. Nothing was stored on our side. {@link #retryable()} says whether trying again later may
 * work (storage was failing) or not without a change (it refused).
 */
public final class StorageFailure extends RuntimeException {

    private final boolean retryable;

    public StorageFailure(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
