package io.fptrfunctions.uploads;

/** {@code {"bucket": "...", "key": "..."}} of a request: the S3 object to upload. */
record S3Location(String bucket, String key) {

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + key;
    }
}
