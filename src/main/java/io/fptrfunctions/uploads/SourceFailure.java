package io.fptrfunctions.uploads;

/**
 * Reading the S3 object failed in a way worth trying again (S3 5xx or throttling, a connection cut, a
 * body that ended early): the part is read again from its own start. Still failing after the retries, it
 * becomes S3's {@code AwsFailure} (502).
 */
final class SourceFailure extends RuntimeException {

    SourceFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
