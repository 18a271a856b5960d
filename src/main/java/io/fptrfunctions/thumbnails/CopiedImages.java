package io.fptrfunctions.thumbnails;

import io.fptrfunctions.aws.AwsFailure;
import io.fptrfunctions.aws.AwsTimeouts;
import io.fptrfunctions.deadline.Deadline;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What is in the bucket, remembered in the state table: one item per entity and variant, key
 * {@code thumbnail#<Type>/<id>/<variant>}, written after each copy (copied or unchanged) with the image it
 * came from. {@code image_source} is the entity's image field without its signature, as FPTR's reads and
 * searches show it, so the sweep can tell "already copied" from a search page alone: {@link #imageSources}
 * reads 100 of these per call, and a candidate whose current image has the same source needs neither an
 * FPTR read nor a HeadObject. Items never expire (an object stays until someone deletes it); a missing
 * item only costs one job that ends "unchanged".
 */
@ApplicationScoped
public class CopiedImages {

    static final String KEY = "pk";
    static final String KEY_PREFIX = "thumbnail#";
    static final String IMAGE_SOURCE = "image_source";
    /** DynamoDB reads up to 100 keys per BatchGetItem. */
    static final int MAX_BATCH_GET = 100;
    /** Retries of the keys DynamoDB leaves unprocessed: the first after 50 ms, doubling to 1 s (about 4.6 s in all). */
    static final int MAX_RETRIES = 8;
    static final long FIRST_RETRY_MILLIS = 50;
    static final long MAX_RETRY_MILLIS = 1000;
    private static final long RETRY_JITTER_MILLIS = 25;
    /** The least time left worth one more BatchGetItem. */
    private static final Duration MIN_CALL = Duration.ofMillis(250);

    @Inject
    DynamoDbClient dynamo;

    /** {@code thumbnail#Note/7001/original}. */
    public static String key(String entityType, long entityId, ThumbnailVariant variant) {
        return KEY_PREFIX + entityType + "/" + entityId + "/" + variant.alt();
    }

    /**
     * Records a finished copy (a PutItem within {@code deadline}; the latest copy wins); DynamoDB's failures
     * leave as {@link AwsFailure}.
     */
    public void record(String table, ThumbnailService.CopiedImage copied, ThumbnailVariant variant, Instant at, Deadline deadline) {
        ThumbnailService.EntityImage image = copied.image();
        ThumbnailCopy copy = copied.copy();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(KEY, s(key(image.type(), image.id(), variant)));
        item.put("entity", s(image.type() + "/" + image.id()));
        item.put("variant", s(variant.alt()));
        if (image.projectId() != null) {
            item.put("project_id", AttributeValue.fromN(image.projectId().toString()));
        }
        item.put(IMAGE_SOURCE, s(image.imageSource()));
        item.put("file_source", s(copied.fileSource()));
        item.put("s3_bucket", s(copy.bucket()));
        item.put("s3_key", s(copy.key()));
        item.put("size", AttributeValue.fromN(Long.toString(copy.size())));
        if (copy.etag() != null) {
            item.put("etag", s(copy.etag()));
        }
        if (copy.contentType() != null) {
            item.put("content_type", s(copy.contentType()));
        }
        item.put("status", s(copy.status()));
        item.put("recorded_at", s(at.toString()));
        try {
            dynamo.putItem(b -> b.tableName(table).item(item).overrideConfiguration(AwsTimeouts.within(deadline, dynamo)));
        } catch (SdkException e) {
            throw AwsFailure.of("DynamoDB", "recording the copy of " + image.type() + "/" + image.id() + " in " + table, e);
        }
    }

    /**
     * The recorded {@code image_source} of each key that has a record ({@link #key}); keys without one
     * are absent from the answer. One BatchGetItem per 100 keys. Keys DynamoDB leaves unprocessed (it does
     * when the table is throttled) are asked for again after a backoff, as AWS advises: {@value #FIRST_RETRY_MILLIS} ms,
     * doubling up to {@value #MAX_RETRY_MILLIS} ms, {@value #MAX_RETRIES} times at most, and only while the
     * deadline leaves time for the longest wait and a call; then the read fails with a retryable
     * {@link AwsFailure}. Each call is cut to {@code deadline}.
     */
    public Map<String, String> imageSources(String table, List<String> keys, Deadline deadline) {
        Map<String, String> found = new LinkedHashMap<>();
        Guard retries = unprocessedRetries(deadline);
        for (int start = 0; start < keys.size(); start += MAX_BATCH_GET) {
            List<Map<String, AttributeValue>> wanted = new ArrayList<>();
            for (String key : keys.subList(start, Math.min(keys.size(), start + MAX_BATCH_GET))) {
                wanted.add(Map.of(KEY, s(key)));
            }
            Batch batch = new Batch(table, wanted, found, deadline);
            try {
                retries.get(batch::read, Integer.class);
            } catch (Unprocessed e) {
                throw AwsFailure.throttled("DynamoDB", e.left + " copy records of " + table + " were left unprocessed "
                        + batch.calls + " times in a row");
            }
        }
        return found;
    }

    /** DynamoDB left keys of a BatchGetItem unprocessed; {@code left} of them. */
    private static final class Unprocessed extends RuntimeException {
        final int left;

        Unprocessed(int left) {
            super(left + " keys left unprocessed", null, false, false);
            this.left = left;
        }
    }

    /** Up to 100 keys being read: each {@link #read} asks for those still wanted and keeps what was found. */
    private final class Batch {
        final String table;
        final Map<String, String> found;
        final Deadline deadline;
        List<Map<String, AttributeValue>> wanted;
        int calls;

        Batch(String table, List<Map<String, AttributeValue>> wanted, Map<String, String> found, Deadline deadline) {
            this.table = table;
            this.wanted = wanted;
            this.found = found;
            this.deadline = deadline;
        }

        /** One BatchGetItem; throws {@link Unprocessed} when DynamoDB left some keys for another call. */
        Integer read() {
            KeysAndAttributes ask = KeysAndAttributes.builder().keys(wanted).projectionExpression("pk, image_source").build();
            BatchGetItemResponse answer;
            try {
                calls++;
                answer = dynamo.batchGetItem(b -> b.requestItems(Map.of(table, ask))
                        .overrideConfiguration(AwsTimeouts.within(deadline, dynamo)));
            } catch (SdkException e) {
                throw AwsFailure.of("DynamoDB", "reading copy records of " + table, e);
            }
            for (Map<String, AttributeValue> item : answer.responses().getOrDefault(table, List.of())) {
                AttributeValue source = item.get(IMAGE_SOURCE);
                if (source != null) {
                    found.put(item.get(KEY).s(), source.s());
                }
            }
            KeysAndAttributes left = answer.unprocessedKeys().get(table);
            wanted = left == null ? List.of() : left.keys();
            if (!wanted.isEmpty()) {
                throw new Unprocessed(wanted.size());
            }
            return calls;
        }
    }

    /**
     * SmallRye's exponential backoff for unprocessed keys only (a failed call already had the SDK's own
     * retries); a retry is made only when the deadline holds the longest wait and one more call.
     */
    private static Guard unprocessedRetries(Deadline deadline) {
        Duration longestWait = Duration.ofMillis(MAX_RETRY_MILLIS + RETRY_JITTER_MILLIS).plus(MIN_CALL);
        return Guard.create()
                .withRetry()
                    .maxRetries(MAX_RETRIES)
                    .delay(FIRST_RETRY_MILLIS, ChronoUnit.MILLIS)
                    .jitter(RETRY_JITTER_MILLIS, ChronoUnit.MILLIS)
                    .maxDuration(0, ChronoUnit.MILLIS)   // bounded by the count and the deadline (the predicate)
                    .whenException(e -> e instanceof Unprocessed && deadline.allows(longestWait))
                    .withExponentialBackoff().factor(2).maxDelay(MAX_RETRY_MILLIS, ChronoUnit.MILLIS).done()
                    .done()
                .build();
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
