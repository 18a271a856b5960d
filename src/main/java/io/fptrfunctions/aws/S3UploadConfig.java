package io.fptrfunctions.aws;

import io.smallrye.config.WithDefault;

/** {@code fptr.s3.*}: streaming uploads to S3 (a group of {@code io.fptrfunctions.config.FunctionsConfig}). */
public interface S3UploadConfig {

    /** One PutObject up to one part, else a multipart upload with parts of this size (at least 5 MiB). */
    @WithDefault("8388608")
    int partBytes();

    /** Parts the SDK may hold for upload while reading on (memory: this + 1 parts). */
    @WithDefault("2")
    int partsInFlight();
}
