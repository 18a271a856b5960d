package io.fptrfunctions.uploads;

import io.fptrfunctions.aws.AwsFailure;
import io.fptrfunctions.aws.AwsTimeouts;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.http.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

import java.io.InputStream;

/**
 * The objects the function may upload: only under {@code fptr.upload.source-bucket} and
 * {@code fptr.upload.source-prefix} (the IAM policy allows {@code s3:GetObject} there and nowhere else, so the
 * check here only says it first and clearly). Reads are ranged and pinned to the object's ETag, so a part
 * can be read again from its own start.
 */
@ApplicationScoped
class SourceObjects {

    @Inject
    S3Client s3;

    /** Builds the S3 client before the first upload needs it. */
    void prefetch() {
        s3.serviceClientConfiguration();
    }

    @Inject
    UploadConfig config;

    /** The allowed place, {@code s3://bucket/prefix}; a 500 when no bucket is configured. */
    String allowed() {
        String bucket = config.sourceBucket().filter(b -> !b.isBlank()).orElseThrow(() -> new ProblemException(500,
                "The function is not configured for uploads", "fptr.upload.source-bucket (FPTR_UPLOAD_SOURCE_BUCKET) is not set, so "
                + "no object may be read. Set it to the bucket the function's IAM policy lets it read."));
        return "s3://" + bucket + "/" + config.sourcePrefix();
    }

    /** 403 naming the allowed prefix unless the object is under it. */
    void checkAllowed(S3Location source) {
        String allowed = allowed();
        boolean inBucket = config.sourceBucket().get().equals(source.bucket());
        if (!inBucket || !source.key().startsWith(config.sourcePrefix())) {
            throw new ProblemException(403, "Source not allowed", source + " is outside what this function may read: only "
                    + "objects under " + allowed + " can be uploaded (its IAM policy allows no more). Nothing was read or "
                    + "written.").with("pointer", inBucket ? "/s3/key" : "/s3/bucket").with("allowed", allowed);
        }
    }

    /** The object's size, ETag and content type, asked within {@code deadline}; a missing object is a 404 problem. */
    SourceObject head(S3Location source, Deadline deadline) {
        HeadObjectResponse head;
        try {
            head = s3.headObject(b -> b.bucket(source.bucket()).key(source.key()).overrideConfiguration(AwsTimeouts.within(deadline, s3)));
        } catch (AwsServiceException e) {
            if (e.statusCode() == 404) {
                throw ProblemException.notFound(source + " does not exist; nothing was written to FPTR.")
                        .with("pointer", "/s3/key");
            }
            if (e.statusCode() == 403) {
                // The policy lets the function read the prefix but not list the bucket, and S3 then answers 403,
                // not 404, for a key that does not exist.
                throw ProblemException.notFound(source + " does not exist (S3 answered 403, as it does for a missing key "
                        + "to a caller that may not list the bucket; a bucket policy or KMS key refusing the function "
                        + "looks the same). Nothing was written to FPTR.").with("pointer", "/s3/key");
            }
            throw AwsFailure.of("S3", "reading " + source, e);
        } catch (SdkException e) {
            throw AwsFailure.of("S3", "reading " + source, e);
        }
        String etag = head.eTag() == null ? null : head.eTag().replace("\"", "");
        return new SourceObject(source, head.contentLength(), etag, head.contentType());
    }

    /**
     * {@code length} bytes from {@code offset}, streamed (If-Match the ETag seen by {@link #head}); S3's answer (the
     * SDK's retries included) is waited for within {@code deadline}, as the part's PUT is then cut at it. An object
     * replaced or deleted since is a 409; S3 failing or too slow is a retryable {@link SourceFailure}; S3 refusing an
     * {@link AwsFailure}.
     */
    InputStream open(SourceObject object, long offset, long length, Deadline deadline) {
        if (length == 0) {
            return InputStream.nullInputStream();
        }
        S3Location at = object.location();
        try {
            return s3.getObject(b -> {
                b.bucket(at.bucket()).key(at.key()).range("bytes=" + offset + "-" + (offset + length - 1))
                        .overrideConfiguration(AwsTimeouts.within(deadline, s3));
                if (object.etag() != null) {
                    b.ifMatch("\"" + object.etag() + "\"");
                }
            });
        } catch (AwsServiceException e) {
            if (e.statusCode() == 412 || e.statusCode() == 404) {
                throw ProblemException.conflict(at + " was replaced or deleted during the upload; nothing was completed "
                        + "in FPTR. Send the request again once the object is final.").with("pointer", "/s3/key");
            }
            if (e.isThrottlingException() || e.statusCode() >= 500) {
                throw new SourceFailure("S3 answered " + e.statusCode() + " to a read of " + at, e);
            }
            throw AwsFailure.of("S3", "reading " + at, e);
        } catch (SdkException e) {
            throw new SourceFailure("S3 could not be reached to read " + at, e);
        }
    }
}
