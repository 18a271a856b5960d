package io.fptrfunctions.uploads;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * {@code fptr.upload.*}: where the upload function may read from, and how it splits and retries a transfer
 * (a group of {@code io.fptrfunctions.config.FunctionsConfig}; env {@code FPTR_UPLOAD_SOURCE_BUCKET}...).
 * Sizes are checked when the upload service is first created (a wrong one fails with a message naming it).
 */
public interface UploadConfig {

    /** The one bucket objects may be read from (template: the DataBucket). Unset: the function is not configured. */
    Optional<String> sourceBucket();

    /** Only keys under this prefix may be read (template parameter {@code UploadSourcePrefix}; IAM allows no more). */
    @WithDefault("uploads/")
    String sourcePrefix();

    /** Objects up to this size go up in one PUT; larger ones in parts (FPTR requires parts from 500 MB on S3 storage). */
    @WithDefault("67108864")
    long singlePutMaxBytes();

    /** The size of each part but the last (FPTR: 5 MB to 500 MB). */
    @WithDefault("67108864")
    long partBytes();

    /**
     * The smallest part size accepted in {@code part-bytes}: S3's floor (5 MiB), which FPTR's storage
     * enforces on every part but the last. Lower it only against a simulator configured to take less.
     */
    @WithDefault("5242880")
    long minPartBytes();

    /** Parts streaming at once, each through its own 64 KiB buffer (S3 and FPTR's storage serve each stream at its own pace). */
    @WithDefault("2")
    int partsInFlight();

    /** Retries of one part (or of the single PUT) from its own start: 5xx, 429, a cut connection, a short or altered body. */
    @WithDefault("4")
    int partRetries();

    /** Backoff between those retries: first delay, doubled up to the cap; storage's Retry-After when it sends one. */
    @WithDefault("500ms")
    Duration retryInitialDelay();

    @WithDefault("8s")
    Duration retryMaxDelay();

    /**
     * The largest object uploaded within the request; a larger one is refused (422) unless it is sent with
     * {@code Prefer: respond-async}. 512 MiB: infra/bench/upload measured 3.4-8.4 s for it warm (6.2-8.8 s cold),
     * a third of the 25 s function's time (README "upload").
     */
    @WithDefault("536870912")
    long syncMaxBytes();

    /** The bytes must be sent this long before the deadline: the time kept for the completion or the abort. */
    @WithDefault("5s")
    Duration finishReserve();

    /**
     * Where {@code Prefer: respond-async} queues the upload for the upload worker. Unset, the preference is ignored
     * (RFC 7240 lets a server do so) and the upload runs in the request.
     */
    Optional<String> jobQueueUrl();

    /** A Retry-After longer than this is not waited for: the upload fails (and is aborted) at once. */
    @WithDefault("30s")
    Duration maxRetryAfter();
}
