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
import io.fptrfunctions.thumbnails.JobTargets;
import io.fptrfunctions.thumbnails.ThumbnailConfig;
import io.fptrfunctions.thumbnailworker.ThumbnailWorkerConfig;
import io.fptrfunctions.uploads.UploadConfig;
import io.fptrfunctions.uploadworker.UploadWorkerConfig;
import io.fptrfunctions.webhooks.WebhookConfig;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Hands each package its own group of {@link FunctionsConfig}, so none depends on the whole tree. */
@Dependent
class ConfigGroups {

    @Produces
    @Singleton
    FptrConfig fptr(FunctionsConfig config) {
        return config.client();
    }

    @Produces
    @Singleton
    DeadlineConfig deadline(FunctionsConfig config) {
        return config.deadline();
    }

    @Produces
    @Singleton
    NotesConfig notes(FunctionsConfig config) {
        return config.notes();
    }

    @Produces
    @Singleton
    ThumbnailConfig thumbnail(FunctionsConfig config) {
        return config.thumbnail();
    }

    @Produces
    @Singleton
    ThumbnailWorkerConfig thumbnailWorker(FunctionsConfig config) {
        return config.thumbnailWorker();
    }

    @Produces
    @Singleton
    UploadWorkerConfig uploadWorker(FunctionsConfig config) {
        return config.uploadWorker();
    }

    @Produces
    @Singleton
    LocalFilesConfig localFiles(FunctionsConfig config) {
        return config.localFiles();
    }

    @Produces
    @Singleton
    S3UploadConfig s3(FunctionsConfig config) {
        return config.s3();
    }

    @Produces
    @Singleton
    WebhookConfig webhook(FunctionsConfig config) {
        return config.webhook();
    }

    /** The webhook's entity types and variants, which the sweep shares (the keys stay {@code fptr.webhook.*}). */
    @Produces
    @Singleton
    JobTargets jobTargets(FunctionsConfig config) {
        return new JobTargets(config.webhook().entityTypes(), config.webhook().variants());
    }

    @Produces
    @Singleton
    SweepConfig sweep(FunctionsConfig config) {
        return config.sweep();
    }

    @Produces
    @Singleton
    UploadConfig upload(FunctionsConfig config) {
        return config.upload();
    }

    @Produces
    @Singleton
    AccessConfig access(FunctionsConfig config) {
        return config.access();
    }

    @Produces
    @Singleton
    IdempotencyConfig idempotency(FunctionsConfig config) {
        return config.idempotency();
    }

    @Produces
    @Singleton
    MetricsConfig metrics(FunctionsConfig config) {
        return config.metrics();
    }
}
