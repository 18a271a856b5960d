package io.fptrfunctions.thumbnails;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** {@code fptr.thumbnail.*}: the thumbnail function's settings (a group of {@code io.fptrfunctions.config.FunctionsConfig}). */
public interface ThumbnailConfig {

    /** The bucket images are copied into. Optional here, so the other functions (same artifact) start without one. */
    Optional<String> bucket();

    /** Key prefix of every copied image. */
    @WithDefault("thumbnails/")
    String prefix();

    /**
     * Where {@code Prefer: respond-async} queues the copy for the thumbnail worker (the job queue). Unset, the
     * preference is ignored (RFC 7240 lets a server do so) and the copy runs in the request.
     */
    Optional<String> jobQueueUrl();

    /** What a 409 tells the caller to wait while FPTR still makes the thumbnail (it usually takes 20-40 s). */
    @WithDefault("30s")
    Duration pendingRetryAfter();

    /** The download from FPTR's storage (a signed URL). */
    Download download();

    interface Download {

        @WithDefault("10s")
        Duration connectTimeout();

        /** Longest wait for the next bytes of the download (not for the whole download). */
        @WithDefault("30s")
        Duration readTimeout();

        /** Retries of a download that failed with a 5xx, a 429 or a cut connection, each from the start. */
        @WithDefault("3")
        int maxRetries();

        /** Exponential backoff between those retries: the first delay and the cap. */
        @WithDefault("250ms")
        Duration retryInitialDelay();

        @WithDefault("4s")
        Duration retryMaxDelay();
    }
}
