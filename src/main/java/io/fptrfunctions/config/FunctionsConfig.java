package io.fptrfunctions.config;

import io.fptrfunctions.access.AccessConfig;
import io.fptrfunctions.aws.S3UploadConfig;
import io.fptrfunctions.deadline.DeadlineConfig;
import io.fptrfunctions.fptr.FptrConfig;
import io.fptrfunctions.idempotency.IdempotencyConfig;
import io.fptrfunctions.localfiles.LocalFilesConfig;
import io.fptrfunctions.notes.NotesConfig;
import io.fptrfunctions.sweep.SweepConfig;
import io.fptrfunctions.telemetry.MetricsConfig;
import io.fptrfunctions.thumbnails.ThumbnailConfig;
import io.fptrfunctions.thumbnailworker.ThumbnailWorkerConfig;
import io.fptrfunctions.uploads.UploadConfig;
import io.fptrfunctions.uploadworker.UploadWorkerConfig;
import io.fptrfunctions.webhooks.WebhookConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;

/**
 * Every setting of our own, under one prefix, {@code fptr.}, with its default here and nowhere else
 * (README's configuration table is checked against this tree by ConfigurationTableTest). In Lambda each
 * key is an environment variable: upper case, {@code .} and {@code -} as {@code _}
 * ({@code fptr.thumbnail.bucket} = {@code FPTR_THUMBNAIL_BUCKET}).
 * Each package gets its own group injected ({@link ConfigGroups}) and knows nothing of the others'.
 */
@ConfigMapping(prefix = "fptr")
public interface FunctionsConfig {

    /** The FPTR client: {@code fptr.secret-id}, {@code fptr.calls.read.timeout}... */
    @WithParentName
    FptrConfig client();

    /** Each invocation's deadline: {@code fptr.deadline.*}. */
    DeadlineConfig deadline();

    /** note-search: {@code fptr.notes.*}. */
    NotesConfig notes();

    /** The thumbnail function: {@code fptr.thumbnail.*}. */
    ThumbnailConfig thumbnail();

    /** The thumbnail worker: {@code fptr.thumbnail-worker.*}. */
    ThumbnailWorkerConfig thumbnailWorker();

    /** local-file: {@code fptr.local-files.*}. */
    LocalFilesConfig localFiles();

    /** Streaming uploads to S3: {@code fptr.s3.*}. */
    S3UploadConfig s3();

    /** The webhook receiver: {@code fptr.webhook.*}. */
    WebhookConfig webhook();

    /** The sweep (scheduled catch-up and backfill): {@code fptr.sweep.*}. */
    SweepConfig sweep();

    /** The upload function: {@code fptr.upload.*}. */
    UploadConfig upload();

    /** The upload worker: {@code fptr.upload-worker.*}. */
    UploadWorkerConfig uploadWorker();

    /** Who may act as whom (sudo, raw filters): {@code fptr.access.*}. */
    AccessConfig access();

    /** {@code Idempotency-Key}s of the write routes: {@code fptr.idempotency.*}. */
    IdempotencyConfig idempotency();

    /** CloudWatch metrics of every function: {@code fptr.metrics.*}. */
    MetricsConfig metrics();
}
