package io.fptrfunctions.webhooks;

import io.fptrfunctions.aws.AwsTimeouts;
import io.fptrfunctions.deadline.Deadline;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The events already queued, in DynamoDB (one item per event, key {@code fptr-event#<event log entry id>},
 * gone after {@code fptr.webhook.dedupe-ttl} by the table's TTL on {@code expires_at}). Two steps, so nothing
 * is remembered as seen that was not queued:
 * <ol>
 * <li>{@link #claim}: a conditional put of a {@code queuing} item that only succeeds when the event is
 *     unknown, or when an earlier claim's lease ran out (that invocation died before queueing);</li>
 * <li>after SendMessageBatch, {@link #confirm} marks the queued ones {@code queued}, and {@link #release}
 *     deletes the claims of those that were not, so a redelivery is queued.</li>
 * </ol>
 * If a confirm fails, the claim stays {@code queuing}: a redelivery after the lease queues the event a
 * second time, which the copy tolerates (it is "unchanged"). A duplicate is possible; a loss is not.
 */
@ApplicationScoped
class EventLedger {

    private static final Logger LOG = Logger.getLogger(EventLedger.class);
    static final String KEY = "pk";
    static final String EXPIRES_AT = "expires_at";
    static final String QUEUING = "queuing";
    static final String QUEUED = "queued";
    private static final int MAX_WRITE_BATCH = 25;

    @Inject
    DynamoDbClient dynamo;

    @Inject
    WebhookSettings settings;

    @Inject
    Clock clock;

    /** Builds the DynamoDB client before the first delivery needs it. */
    void prefetch() {
        dynamo.serviceClientConfiguration();
    }

    /**
     * The event's identity across redeliveries, batches and hooks: its event log entry id, else its delivery
     * id; a batch's events that have neither share the request's delivery id, so their place in it is added
     * ({@code #} is never part of a delivery id).
     */
    static String key(WebhookEvent e) {
        if (e.eventLogEntryId() > 0) {
            return "fptr-event#" + e.eventLogEntryId();
        }
        return "fptr-delivery#" + e.deliveryId() + (e.sharedDeliveryId() ? "#" + e.index() : "");
    }

    /**
     * True when this invocation now owns the event (its claim is stored, though the answer may have been lost and
     * the put sent again); false when it is known (queued, or being queued by another invocation).
     */
    boolean claim(String key, String claimId, WebhookEvent e, Deadline deadline) {
        Instant now = clock.instant();
        Map<String, AttributeValue> item = item(key, e, QUEUING, now);
        item.put("claim", s(claimId));
        item.put("lease_until", n(now.plus(settings.config().claimLease()).toEpochMilli()));
        try {
            dynamo.putItem(b -> b.tableName(settings.tableName()).item(item).overrideConfiguration(AwsTimeouts.within(deadline, dynamo))
                    .conditionExpression("attribute_not_exists(pk) OR (#status = :queuing AND lease_until < :now)")
                    .expressionAttributeNames(Map.of("#status", "status"))
                    .expressionAttributeValues(Map.of(":queuing", s(QUEUING), ":now", n(now.toEpochMilli())))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return true;
        } catch (ConditionalCheckFailedException known) {
            // the SDK's retry of this put after its first try's answer was lost finds this invocation's own claim
            return known.hasItem() && item.get("claim").equals(known.item().get("claim"));
        }
    }

    /** Marks claimed events queued; a failure is logged (the claims then expire, see the class comment). */
    void confirm(Map<String, WebhookEvent> queued, Deadline deadline) {
        Instant now = clock.instant();
        List<WriteRequest> writes = new ArrayList<>();
        queued.forEach((key, e) -> writes.add(WriteRequest.builder()
                .putRequest(PutRequest.builder().item(item(key, e, QUEUED, now)).build()).build()));
        for (int start = 0; start < writes.size(); start += MAX_WRITE_BATCH) {
            List<WriteRequest> chunk = writes.subList(start, Math.min(writes.size(), start + MAX_WRITE_BATCH));
            try {
                List<WriteRequest> left = write(chunk, deadline);
                if (!left.isEmpty()) {
                    left = write(left, deadline);
                }
                if (!left.isEmpty()) {
                    LOG.warnf("%d queued events were not marked queued (DynamoDB left them unprocessed); "
                            + "a redelivery after the claim lease would queue them again", left.size());
                }
            } catch (SdkException ex) {
                LOG.warnf("%d queued events were not marked queued: %s; a redelivery after the claim lease would "
                        + "queue them again", chunk.size(), ex.getMessage());
            }
        }
    }

    private List<WriteRequest> write(List<WriteRequest> chunk, Deadline deadline) {
        BatchWriteItemResponse answer = dynamo.batchWriteItem(b -> b.requestItems(Map.of(settings.tableName(), chunk))
                .overrideConfiguration(AwsTimeouts.within(deadline, dynamo)));
        return answer.unprocessedItems().getOrDefault(settings.tableName(), List.of());
    }

    /** Forgets this invocation's claim of an event that was not queued, so its redelivery is queued. */
    void release(String key, String claimId, Deadline deadline) {
        try {
            dynamo.deleteItem(b -> b.tableName(settings.tableName()).key(Map.of(KEY, s(key))).overrideConfiguration(AwsTimeouts.within(deadline, dynamo))
                    .conditionExpression("#status = :queuing AND claim = :claim")
                    .expressionAttributeNames(Map.of("#status", "status"))
                    .expressionAttributeValues(Map.of(":queuing", s(QUEUING), ":claim", s(claimId))));
        } catch (ConditionalCheckFailedException notOurs) {
            // queued or claimed by someone else meanwhile: theirs to keep
        } catch (SdkException ex) {
            LOG.warnf("The claim on %s could not be released (%s): a redelivery within the claim lease (%s) counts "
                    + "as a duplicate", key, ex.getMessage(), settings.config().claimLease());
        }
    }

    private Map<String, AttributeValue> item(String key, WebhookEvent e, String status, Instant now) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(KEY, s(key));
        item.put("status", s(status));
        item.put(EXPIRES_AT, n(now.plus(settings.config().dedupeTtl()).getEpochSecond()));
        item.put("event_type", s(e.eventType()));
        item.put("entity", s(e.entityType() + "/" + e.entityId()));
        if (e.deliveryId() != null) {
            item.put("delivery_id", s(e.deliveryId()));
        }
        item.put(status.equals(QUEUED) ? "queued_at" : "claimed_at", s(now.toString()));
        return item;
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
