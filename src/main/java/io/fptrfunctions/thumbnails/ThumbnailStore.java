package io.fptrfunctions.thumbnails;

import io.fptrfunctions.aws.AwsFailure;
import io.fptrfunctions.aws.AwsTimeouts;
import io.fptrfunctions.aws.S3StreamUploader;
import io.fptrfunctions.deadline.Deadline;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The S3 side of the thumbnail copy: where an entity's image goes, what it records, and whether it is
 * already there. S3's failures leave as {@link AwsFailure}.
 */
@ApplicationScoped
class ThumbnailStore {

    /** User metadata keys (S3 sends them as {@code x-amz-meta-*}). */
    static final String META_ENTITY = "fptr-entity";
    static final String META_VARIANT = "fptr-variant";
    static final String META_SOURCE = "fptr-source";

    @Inject
    S3Client s3;

    @Inject
    S3StreamUploader uploader;

    /** Where one entity's variant lands; the extension is added once known. */
    record Target(String bucket, String keyWithoutExtension, String entity, ThumbnailVariant variant, StorageSource source) {

        Target withSource(StorageSource fresh) {
            return new Target(bucket, keyWithoutExtension, entity, variant, fresh);
        }

        String key(String extension) {
            return keyWithoutExtension + extension;
        }

        Map<String, String> metadata() {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(META_ENTITY, entity);
            meta.put(META_VARIANT, variant.alt());
            meta.put(META_SOURCE, source.stableUrl());
            return meta;
        }
    }

    /** Builds the S3 clients (the sync one here, the uploader's with it) before the first copy needs them. */
    void prefetch() {
        s3.serviceClientConfiguration();
    }

    /** The object at {@code key} when it was copied from the same stored file; otherwise empty. */
    Optional<ThumbnailCopy> sameSource(Target target, String key, Deadline deadline) {
        HeadObjectResponse head;
        try {
            head = s3.headObject(b -> b.bucket(target.bucket()).key(key).overrideConfiguration(AwsTimeouts.within(deadline, s3)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            // Without s3:ListBucket (our policy grants none) S3 answers 403 for a missing key. A real
            // permission problem shows up on the PutObject that follows.
            if (e.statusCode() == 404 || e.statusCode() == 403) {
                return Optional.empty();
            }
            throw AwsFailure.of("S3", "reading s3://" + target.bucket() + "/" + key, e);
        } catch (SdkException e) {
            throw AwsFailure.of("S3", "reading s3://" + target.bucket() + "/" + key, e);
        }
        if (!target.source().stableUrl().equals(head.metadata().get(META_SOURCE))) {
            return Optional.empty();
        }
        return Optional.of(new ThumbnailCopy(target.bucket(), key, head.contentLength(), head.contentType(),
                ThumbnailCopy.bareEtag(head.eTag()), ThumbnailCopy.UNCHANGED));
    }

    ThumbnailCopy put(Target target, String key, InputStream bytes, long contentLength, String contentType, Deadline deadline) {
        S3StreamUploader.StoredObject stored;
        try {
            stored = uploader.upload(target.bucket(), key, bytes, contentLength, contentType, target.metadata(), deadline);
        } catch (SdkException e) {
            throw AwsFailure.of("S3", "storing s3://" + target.bucket() + "/" + key, e);
        }
        return new ThumbnailCopy(stored.bucket(), stored.key(), stored.size(), stored.contentType(),
                ThumbnailCopy.bareEtag(stored.etag()), ThumbnailCopy.COPIED);
    }
}
