package io.fptrfunctions.config;

import io.fptrfunctions.access.AccessConfig;
import io.fptrfunctions.aws.S3UploadConfig;
import io.fptrfunctions.fptr.FptrConfig;
import io.fptrfunctions.idempotency.IdempotencyConfig;
import io.fptrfunctions.localfiles.LocalFilesConfig;
import io.fptrfunctions.notes.NotesConfig;
import io.fptrfunctions.telemetry.MetricsConfig;
import io.fptrfunctions.thumbnails.ThumbnailConfig;
import io.fptrfunctions.thumbnailworker.ThumbnailWorkerConfig;
import io.fptrfunctions.uploads.UploadConfig;
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
