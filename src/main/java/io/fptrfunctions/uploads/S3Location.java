package io.fptrfunctions.uploads;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** {@code {"bucket": "...", "key": "..."}} of a request: the S3 object to upload (also in upload jobs). */
@RegisterForReflection
record S3Location(String bucket, String key) {

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + key;
    }
}
