package io.fptrfunctions.sweep;

import io.fptrfunctions.aws.AwsFailure;
import io.fptrfunctions.aws.AwsTimeouts;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.http.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The walks' checkpoints in the state table, one item per walk and entity type:
 * {@code sweep#schedule#Note}, {@code sweep#backfill#<hash>#Note} ({@link SweepRequest#key()}), holding
 * the scheduled walk's {@code created_at} and {@code event_id} ({@link EventCheckpoint}) or a backfill's
 * {@code updated_at} and {@code entity_id} ({@link Checkpoint}), and a {@code version} that every save
 * increments. A scheduled item saved before the schedule read the event log holds {@code updated_at} and
 * {@code entity_id}: it is read as the {@link Checkpoint} it is, and its walk takes it as a time. A save is conditional on the version it read, so a second sweep running at the same time
 * (the template's reserved concurrency of 1 prevents it; a raised limit would not) can never move a
 * checkpoint back: it is told another run moved it, and stops. A save the SDK sends again after its first try's
 * answer was lost fails that condition on its own first try's item, which it recognises (the item it stored, whole).
 */
@ApplicationScoped
class SweepCheckpoints {

    private static final String KEY = "pk";
    /** A save's time when the client has no api-call-timeout (the functions' configuration gives it 2 s). */
    private static final Duration DEFAULT_SAVE_TIME = Duration.ofSeconds(2);

    @Inject
    DynamoDbClient dynamo;

    /** What a walk found when it started: its checkpoint (null before its first save) and the version to save over. */
    record Stored(WalkPosition checkpoint, long version) {
    }

    /** Another run moved this checkpoint since this one read it. */
    static final class MovedByAnother extends ProblemException {
        MovedByAnother(String key) {
            super(409, "Another sweep moved the checkpoint", "Another run of the sweep moved " + key + " while this one "
                    + "ran, so this one stopped without moving it back. The template runs one sweep at a time "
                    + "(its reserved concurrency, SweepConcurrency, is 1); the next run continues from where the other stopped.");
        }
    }

    /** The checkpoint of a walk; one past its {@code expires_at} (DynamoDB deletes within days, not at once) counts as none. */
    Stored load(String table, String key, Instant now, Deadline deadline) {
        Map<String, AttributeValue> item;
        try {
            item = dynamo.getItem(b -> b.tableName(table).key(Map.of(KEY, AttributeValue.fromS(key))).consistentRead(true)
                    .overrideConfiguration(AwsTimeouts.within(deadline, dynamo))).item();
        } catch (SdkException e) {
            throw AwsFailure.of("DynamoDB", "reading the checkpoint " + key + " of " + table, e);
        }
        if (item == null || item.isEmpty()) {
            return new Stored(null, 0);
        }
        long version = item.containsKey("version") ? Long.parseLong(item.get("version").n()) : 0;
        boolean expired = item.containsKey("expires_at") && Long.parseLong(item.get("expires_at").n()) <= now.getEpochSecond();
        if (expired) {
            return new Stored(null, version);
        }
        if (item.containsKey("created_at") && item.containsKey("event_id")) {
            return new Stored(new EventCheckpoint(Instant.parse(item.get("created_at").s()),
                    Long.parseLong(item.get("event_id").n())), version);
        }
        if (item.containsKey("updated_at") && item.containsKey("entity_id")) {
            return new Stored(new Checkpoint(Instant.parse(item.get("updated_at").s()),
                    Long.parseLong(item.get("entity_id").n())), version);
        }
        return new Stored(null, version);
    }

    /** The longest a save takes: the DynamoDB client's {@code api-call-timeout} (its attempts and retries), which a page's sends leave it. */
    Duration saveTime() {
        return dynamo.serviceClientConfiguration().overrideConfiguration().apiCallTimeout().orElse(DEFAULT_SAVE_TIME);
    }

    /**
     * Saves the walk's new checkpoint over the version it read; returns the new version.
     *
     * @param expiresAt when DynamoDB may drop the item (the table's TTL), null to keep it
     * @param request   the backfill's normalised body, kept beside its progress for whoever reads the table; null for the schedule
     * @param deadline  the invocation's; the call's timeout is capped by it
     */
    long save(String table, String key, WalkPosition checkpoint, long version, Instant now, Instant expiresAt, String request,
              Deadline deadline) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(KEY, AttributeValue.fromS(key));
        if (checkpoint instanceof EventCheckpoint e) {
            item.put("created_at", AttributeValue.fromS(e.createdAt().toString()));
            item.put("event_id", AttributeValue.fromN(Long.toString(e.eventId())));
        } else if (checkpoint instanceof Checkpoint c) {
            item.put("updated_at", AttributeValue.fromS(c.updatedAt().toString()));
            item.put("entity_id", AttributeValue.fromN(Long.toString(c.id())));
        }
        item.put("version", AttributeValue.fromN(Long.toString(version + 1)));
        item.put("saved_at", AttributeValue.fromS(now.toString()));
        if (expiresAt != null) {
            item.put("expires_at", AttributeValue.fromN(Long.toString(expiresAt.getEpochSecond())));
        }
        if (request != null) {
            item.put("request", AttributeValue.fromS(request));
        }
        PutItemRequest.Builder put = PutItemRequest.builder().tableName(table).item(item)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .overrideConfiguration(AwsTimeouts.within(deadline, dynamo));
        if (version == 0) {
            put.conditionExpression("attribute_not_exists(pk) OR attribute_not_exists(version)");
        } else {
            put.conditionExpression("version = :read").expressionAttributeValues(Map.of(":read", AttributeValue.fromN(Long.toString(version))));
        }
        try {
            dynamo.putItem(put.build());
            return version + 1;
        } catch (ConditionalCheckFailedException e) {
            if (item.equals(e.item())) {
                // the SDK's retry of this save after its first try's answer was lost: that try stored it
                return version + 1;
            }
            throw new MovedByAnother(key);
        } catch (SdkException e) {
            throw AwsFailure.of("DynamoDB", "saving the checkpoint " + key + " of " + table, e);
        }
    }
}
