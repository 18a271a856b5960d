package io.fptrfunctions.aws;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * An AWS call (S3...) failed, decided from the SDK's exception types and status codes: AWS could not
 * be reached, throttled or failed on its side ({@link #retryable()}: trying again later may work), or
 * it refused the call (access denied, no such bucket: the deployment must change first). The message
 * names the service and what was asked, never a credential or a signed URL.
 */
public final class AwsFailure extends RuntimeException {

    private final String service;
    private final boolean retryable;
    private final boolean timedOut;

    private AwsFailure(String message, String service, boolean retryable, boolean timedOut, Throwable cause) {
        super(message, cause);
        this.service = service;
        this.retryable = retryable;
        this.timedOut = timedOut;
    }

    /** @param what what was asked, e.g. "storing s3://bucket/key" */
    public static AwsFailure of(String service, String what, SdkException e) {
        if (e instanceof AwsServiceException refused) {
            String code = refused.awsErrorDetails() == null ? null : refused.awsErrorDetails().errorCode();
            boolean retryable = refused.isThrottlingException() || refused.statusCode() >= 500;
            return new AwsFailure(service + " answered " + refused.statusCode() + (code == null ? "" : " " + code)
                    + " to " + what + ".", service, retryable, false, e);
        }
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            // The call's own timeout, cut to the invocation's deadline (AwsTimeouts).
            return new AwsFailure(service + " did not answer in time for " + what + ".", service, true, true, e);
        }
        // SdkClientException and the like: no answer from AWS at all.
        return new AwsFailure(service + " could not be reached for " + what + ".", service, true, false, e);
    }

    /**
     * AWS answered, but left part of a batch call undone (DynamoDB's unprocessed keys when a table is
     * throttled) more often than it was asked again; retryable.
     *
     * @param what what was left, e.g. "3 copy records of table T were left unprocessed 9 times"
     */
    public static AwsFailure throttled(String service, String what) {
        return new AwsFailure(service + " is throttling: " + what + ". Try again later, or raise the table's capacity.",
                service, true, false, null);
    }

    /** "S3", "SQS"... */
    public String service() {
        return service;
    }

    /** True when AWS could not be reached, throttled or failed on its side; false when it refused the call. */
    public boolean retryable() {
        return retryable;
    }

    /** True when the call ran out of its time (its API-call timeout, or the invocation's deadline). */
    public boolean timedOut() {
        return timedOut;
    }
}
