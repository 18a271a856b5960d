package io.fptrfunctions.uploadworker;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * {@code fptr.upload-worker.*}: the upload worker's settings, a group of {@code io.fptrfunctions.config.FunctionsConfig}
 * (env {@code FPTR_UPLOAD_WORKER_QUEUE_URL}...). Its uploads use {@code fptr.upload.*}, its keys {@code fptr.idempotency.*}.
 */
public interface UploadWorkerConfig {

    /** The upload job queue the worker reads (its SQS event source): jobs not started are sent back to it. */
    Optional<String> queueUrl();

    /** A failed job (FPTR, storage or S3 failing, out of time) is visible again after this, doubling with each receive... */
    @WithDefault("1m")
    Duration retryMinDelay();

    /** ...up to this; the queue's redrive policy moves it to the dead-letter queue after its maxReceiveCount receives. */
    @WithDefault("15m")
    Duration retryMaxDelay();

    /** An upload is started only while the invocation has at least this much time left; later ones are sent back. */
    @WithDefault("60s")
    Duration minTimeLeft();
}
