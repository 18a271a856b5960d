package io.fptrfunctions.thumbnailworker;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * {@code fptr.thumbnail-worker.*}: the thumbnail worker's settings, a group of {@code io.fptrfunctions.config.FunctionsConfig}
 * (env {@code FPTR_THUMBNAIL_WORKER_QUEUE_URL}, {@code FPTR_THUMBNAIL_WORKER_TABLE_NAME}...). Only the worker needs
 * the queue and the table; every other function of the artifact starts without them. Its copies use
 * {@code fptr.thumbnail.*}.
 */
public interface ThumbnailWorkerConfig {

    /** The job queue the worker reads (its SQS event source): waiting jobs are sent back to it. */
    Optional<String> queueUrl();

    /** The state table: each copy is recorded there ({@code thumbnail#<Type>/<id>/<variant>}) for the sweep. */
    Optional<String> tableName();

    /** While FPTR still makes the thumbnail, the next look comes after a third of the time waited so far, at least this... */
    @WithDefault("10s")
    Duration pendingMinDelay();

    /** ...and at most this (SQS delays a message 15 minutes at most). */
    @WithDefault("5m")
    Duration pendingMaxDelay();

    /** How long a job waits for FPTR's thumbnail in all before it is given up (logged and acknowledged). */
    @WithDefault("30m")
    Duration pendingMaxWait();

    /** A failed job (FPTR, storage or S3 failing) is visible again after this, doubling with each receive... */
    @WithDefault("1m")
    Duration retryMinDelay();

    /** ...up to this; the queue's redrive policy moves it to the dead-letter queue after its maxReceiveCount receives. */
    @WithDefault("15m")
    Duration retryMaxDelay();

    /** A copy is started only while the invocation has at least this much time left; later ones are sent back. */
    @WithDefault("60s")
    Duration minTimeLeft();
}
