package io.fptrfunctions.idempotency;

import io.fptrfunctions.aws.AwsTimeouts;
import io.fptrfunctions.deadline.Deadline;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The {@code Idempotency-Key} records in the shared DynamoDB table, one item per key, as Powertools keeps
 * them: {@code in_progress} with a lease, then {@code completed} with the stored answer, gone after
 * {@code fptr.idempotency.ttl} (its {@code expires_at} is also the table's TTL attribute; an item past it
 * counts as gone before DynamoDB deletes it). Every change but the first put is conditional on the
 * attempt's own claim id, so an attempt that outlived its lease cannot overwrite its successor's record.
 * Every call is cut to the invocation's {@link Deadline} as well as to the client's own
 * {@code quarkus.dynamodb.api-call-timeout} ({@link AwsTimeouts}), so a slow DynamoDB ends in the caller's
 * 503 before the function's time runs out.
 */
@ApplicationScoped
class IdempotencyStore {

    private static final Logger LOG = Logger.getLogger(IdempotencyStore.class);
    static final String IN_PROGRESS = "in_progress";
    static final String COMPLETED = "completed";
    static final String UNKNOWN_OUTCOME = "unknown";
    /** A queued job's run failed after its write may have landed (kept for the job's later runs). */
    static final String MAY_HAVE_LANDED = "may_have_landed";
    /** DynamoDB's item limit is 400 KB; an answer over this is not kept (the record says so). */
    static final int MAX_STORED_BODY_BYTES = 350_000;

    @Inject
    DynamoDbClient dynamo;

    @Inject
    IdempotencyConfig config;

    @Inject
    Clock clock;

    /** A stored answer: status, headers and JSON body (null: none; {@code omitted}: too large to keep). */
    record Answer(int status, Map<String, String> headers, String body, boolean omitted) {
    }

    /**
     * The record under a key, as a refused claim found it; {@code claim}: the claim id of the attempt that holds (or
     * held) it; {@code queued}: claimed for a job on a queue, and {@code runUntil} how long a run of that job holds it
     * (null when none has started).
     */
    record Existing(String status, String requestHash, String claim, Instant firstStartedAt, Instant leaseUntil,
                    boolean outcomeUnknown, boolean queued, Instant runUntil, Answer answer) {
    }

    /** Either this attempt holds the key now, or another record is in the way. */
    sealed interface Claim {
        /**
         * This attempt's claim; {@code earlierStartedAt} when it took over an unfinished earlier attempt;
         * {@code earlierMayHaveLanded} when an earlier run of the same queued job failed after its write may have landed.
         */
        record Mine(String key, String claimId, Instant earlierStartedAt, boolean earlierMayHaveLanded) implements Claim {
            Mine(String key, String claimId, Instant earlierStartedAt) {
                this(key, claimId, earlierStartedAt, false);
            }
        }

        record Taken(Existing existing) implements Claim {
        }
    }

    /**
     * Claims the key with a conditional put: it succeeds when there is no record, when the record has
     * expired, or (a second put, conditional on that attempt's claim id, carrying its first start) when an
     * attempt at the same request stopped holding its lease (it died, or its write's outcome was unknown);
     * anything else is {@link Claim.Taken}. A put the SDK sent again after its answer was lost finds its own
     * item ({@code put_id}) and is this attempt's claim. The claim holds the key for {@code lease};
     * {@code queued} marks one made for a job on a queue. DynamoDB failures propagate.
     */
    Claim claim(String key, String requestHash, String caller, String route, Duration lease, boolean queued, Deadline deadline) {
        return claim(key, UUID.randomUUID().toString(), requestHash, caller, route, lease, queued, null, deadline);
    }

    /**
     * A queued job's run claiming its key again (its record was freed or expired): under the job's own claim id, and
     * held by this run ({@code run_until}, counted) as {@link #adopt} holds it, so the job's later deliveries adopt it
     * (a failed run is then run again and dead-lettered like any other) and a second delivery meanwhile waits.
     */
    Claim claimForRun(String key, String claimId, String requestHash, String caller, String route, Deadline deadline) {
        Instant now = clock.instant();
        Instant runUntil = now.plus(config.inProgressLease());
        Instant queuedUntil = now.plus(config.queuedLease());
        Duration lease = Duration.between(now, queuedUntil.isAfter(runUntil) ? queuedUntil : runUntil);
        return claim(key, claimId, requestHash, caller, route, lease, true, runUntil, deadline);
    }

    private Claim claim(String key, String claimId, String requestHash, String caller, String route, Duration lease,
                        boolean queued, Instant runUntil, Deadline deadline) {
        Instant now = clock.instant();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", s(key));
        item.put("status", s(IN_PROGRESS));
        item.put("request_hash", s(requestHash));
        item.put("claim", s(claimId));
        item.put("started_at", s(now.toString()));
        item.put("first_started_at", s(now.toString()));
        item.put("lease_until", n(now.plus(lease).toEpochMilli()));
        if (queued) {
            item.put("queued", AttributeValue.fromBool(true));
        }
        if (runUntil != null) {
            item.put("run_until", n(runUntil.toEpochMilli()));
            item.put("runs", n(1));
        }
        item.put("expires_at", n(now.plus(config.ttl()).getEpochSecond()));
        item.put("caller", s(caller));
        item.put("route", s(route));
        // this put's own id: when its answer is lost and the SDK sends it again, the retry finds its first try's item
        item.put("put_id", s(UUID.randomUUID().toString()));
        Map<String, AttributeValue> over = null;   // the lapsed attempt's record this put takes over; null: a new key
        ConditionalCheckFailedException refused = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Map<String, AttributeValue> put = new HashMap<>(item);
            Map<String, AttributeValue> values = new HashMap<>();
            String condition;
            if (over == null) {
                condition = "attribute_not_exists(pk) OR expires_at < :now_s";
                values.put(":now_s", n(now.getEpochSecond()));
            } else {
                // the takeover keeps the first attempt's start in its own item: what that attempt created is looked for from then
                put.put("first_started_at", over.get("first_started_at"));
                condition = "claim = :over AND #status = :in_progress AND lease_until < :now_ms";
                values.put(":over", over.get("claim"));
                values.put(":in_progress", s(IN_PROGRESS));
                values.put(":now_ms", n(now.toEpochMilli()));
            }
            try {
                dynamo.putItem(b -> {
                    b.tableName(table()).item(put).conditionExpression(condition).expressionAttributeValues(values)
                            .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                            .overrideConfiguration(within(deadline));
                    if (condition.contains("#status")) {
                        b.expressionAttributeNames(Map.of("#status", "status"));
                    }
                });
                return mine(key, claimId, over);
            } catch (ConditionalCheckFailedException taken) {
                refused = taken;
                Map<String, AttributeValue> old = taken.hasItem() && !taken.item().isEmpty() ? taken.item()
                        : dynamo.getItem(b -> b.tableName(table()).key(Map.of("pk", s(key))).consistentRead(true)
                        .overrideConfiguration(within(deadline))).item();
                if (old == null || old.isEmpty() || number(old, "expires_at") < now.getEpochSecond()) {
                    over = null;   // released or expired between our put and our read: claim it as a new key
                } else if (item.get("put_id").equals(old.get("put_id"))) {
                    return mine(key, claimId, over);   // the SDK's retry of this put: its first try stored it
                } else if (IN_PROGRESS.equals(text(old, "status")) && number(old, "lease_until") < now.toEpochMilli()
                        && requestHash.equals(text(old, "request_hash"))) {
                    over = old;   // an attempt at the same request that stopped holding its lease: take it over
                } else {
                    return new Claim.Taken(existing(old));
                }
            }
        }
        throw refused;   // changed under us on every try: give up rather than loop
    }

    /** This attempt's claim; when it took over {@code over}, that attempt's first start. */
    private static Claim.Mine mine(String key, String claimId, Map<String, AttributeValue> over) {
        return new Claim.Mine(key, claimId, over == null ? null : Instant.parse(text(over, "first_started_at")));
    }

    /**
     * A queued job's run takes over the claim made when the job was queued: conditional on that claim id, the
     * record still in progress and no other run holding it ({@code run_until}), the run holds it for
     * {@code fptr.idempotency.in-progress-lease}, the key stays the queue's for another
     * {@code fptr.idempotency.queued-lease} (a retry of the request is a 409 meanwhile), and the run is counted. A run
     * after an earlier one (a redelivery: that run may have written before it stopped) or after a lost answer gets the
     * first attempt's start, so the write looks in FPTR first. The job's own dead-letter answer ({@link #complete} with
     * {@code deadLettered}) is taken back the same way: the job was moved back from the dead-letter queue to run again.
     * Answers {@link Claim.Taken} when another attempt holds the key or it is completed, and null when there
     * is no record any more (freed or expired: the job then claims it as a new request).
     */
    Claim adopt(String key, String claimId, Instant queuedEarlierStart, Deadline deadline) {
        Instant now = clock.instant();
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":claim", s(claimId));
        values.put(":in_progress", s(IN_PROGRESS));
        values.put(":now_s", n(now.getEpochSecond()));
        values.put(":now_ms", n(now.toEpochMilli()));
        Instant runUntil = now.plus(config.inProgressLease());
        Instant queuedUntil = now.plus(config.queuedLease());
        values.put(":run_until", n(runUntil.toEpochMilli()));
        values.put(":lease", n((queuedUntil.isAfter(runUntil) ? queuedUntil : runUntil).toEpochMilli()));
        values.put(":now", s(now.toString()));
        values.put(":zero", n(0));
        values.put(":one", n(1));
        values.put(":completed", s(COMPLETED));
        values.put(":true", AttributeValue.fromBool(true));
        // this run's own id: when its answer is lost and the SDK sends it again, the retry finds the hold its first try made
        values.put(":run_id", s(UUID.randomUUID().toString()));
        try {
            Map<String, AttributeValue> old = dynamo.updateItem(b -> b.tableName(table()).key(Map.of("pk", s(key)))
                    // no run holding it: two deliveries of one job never run at once
                    .conditionExpression("claim = :claim AND expires_at >= :now_s AND ((#status = :in_progress "
                            + "AND (attribute_not_exists(run_until) OR run_until < :now_ms)) "
                            // its own dead-letter answer: the job was moved back from the dead-letter queue
                            + "OR (#status = :completed AND dead_lettered = :true))")
                    .updateExpression("SET #status = :in_progress, run_until = :run_until, lease_until = :lease, started_at = :now, "
                            + "run_id = :run_id, runs = if_not_exists(runs, :zero) + :one "
                            + "REMOVE answer_status, answer_headers, answer_body, answer_omitted, completed_at, dead_lettered")
                    .expressionAttributeNames(Map.of("#status", "status"))
                    .expressionAttributeValues(values)
                    .returnValues(ReturnValue.ALL_OLD)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .overrideConfiguration(within(deadline))).attributes();
            return adopted(key, claimId, number(old, "runs"), old, queuedEarlierStart);
        } catch (ConditionalCheckFailedException notOurs) {
            Map<String, AttributeValue> old = notOurs.hasItem() && !notOurs.item().isEmpty() ? notOurs.item()
                    : dynamo.getItem(b -> b.tableName(table()).key(Map.of("pk", s(key))).consistentRead(true)
                    .overrideConfiguration(within(deadline))).item();
            if (old != null && values.get(":run_id").equals(old.get("run_id"))) {
                // the SDK's retry of this update: its first try adopted the key and counted this run
                return adopted(key, claimId, number(old, "runs") - 1, old, queuedEarlierStart);
            }
            return old == null || old.isEmpty() || number(old, "expires_at") < now.getEpochSecond() ? null : new Claim.Taken(existing(old));
        }
    }

    /**
     * The run's adopted claim, from the record as it was ({@code earlierRuns} runs before this one): after an earlier
     * run or a lost answer, with the first attempt's start.
     */
    private static Claim.Mine adopted(String key, String claimId, long earlierRuns, Map<String, AttributeValue> record,
                                      Instant queuedEarlierStart) {
        boolean rerun = earlierRuns > 0 || UNKNOWN_OUTCOME.equals(text(record, "outcome"));
        String first = text(record, "first_started_at");
        return new Claim.Mine(key, claimId, rerun && first != null ? Instant.parse(first) : queuedEarlierStart,
                flag(record, MAY_HAVE_LANDED));
    }

    /** Stores the attempt's answer and keeps it for {@code fptr.idempotency.ttl}. */
    void complete(Claim.Mine claim, Answer answer, Deadline deadline) {
        complete(claim, answer, false, deadline);
    }

    /**
     * Stores the attempt's answer; {@code deadLettered}: a queued job's answer for its failure on its last receive
     * (the job then goes to the dead-letter queue), which the job takes back if it is moved back ({@link #adopt}).
     */
    void complete(Claim.Mine claim, Answer answer, boolean deadLettered, Deadline deadline) {
        Instant now = clock.instant();
        Map<String, String> names = Map.of("#status", "status");
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":completed", s(COMPLETED));
        values.put(":answer_status", n(answer.status()));
        Map<String, AttributeValue> headers = new LinkedHashMap<>();
        answer.headers().forEach((k, v) -> headers.put(k, s(v)));
        values.put(":answer_headers", AttributeValue.fromM(headers));
        values.put(":completed_at", s(now.toString()));
        values.put(":expires_at", n(now.plus(config.ttl()).getEpochSecond()));
        values.put(":claim", s(claim.claimId()));
        String set = "SET #status = :completed, answer_status = :answer_status, answer_headers = :answer_headers, "
                + "completed_at = :completed_at, expires_at = :expires_at";
        if (answer.body() != null && answer.body().length() * 3L > MAX_STORED_BODY_BYTES
                && answer.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_STORED_BODY_BYTES) {
            values.put(":omitted", AttributeValue.fromBool(true));
            set += ", answer_omitted = :omitted";
        } else if (answer.body() != null) {
            values.put(":answer_body", s(answer.body()));
            set += ", answer_body = :answer_body";
        }
        if (deadLettered) {
            values.put(":dead_lettered", AttributeValue.fromBool(true));
            set += ", dead_lettered = :dead_lettered";
        }
        String update = set + " REMOVE lease_until, outcome";
        change(claim, deadLettered ? "completed with its dead-letter answer" : "completed", deadline, b -> b.updateExpression(update).expressionAttributeNames(names).expressionAttributeValues(values));
    }

    /** Frees the key: the attempt wrote nothing, so its retry is a fresh request. */
    void release(Claim.Mine claim, Deadline deadline) {
        try {
            dynamo.deleteItem(b -> b.tableName(table()).key(Map.of("pk", s(claim.key())))
                    .conditionExpression("claim = :claim").expressionAttributeValues(Map.of(":claim", s(claim.claimId())))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .overrideConfiguration(within(deadline)));
        } catch (ConditionalCheckFailedException notOurs) {
            if (notOurs.hasItem() && !notOurs.item().isEmpty()) {   // no item: the SDK's retry of a delete whose answer was lost
                LOG.warnf("Idempotency key %s was taken over before its attempt could free it", claim.key());
            }
        } catch (SdkException e) {
            LOG.warnf("Idempotency key %s could not be freed (%s); a retry waits for its lease (%s)", claim.key(),
                    e.getMessage(), config.inProgressLease());
        }
    }

    /**
     * Keeps the key in progress for another lease: the attempt's write may have landed (its answer was
     * lost, or something failed after it), so a retry waits, then takes over and checks FPTR first.
     */
    void holdUnknown(Claim.Mine claim, Deadline deadline) {
        long leaseUntil = clock.instant().plus(config.inProgressLease()).toEpochMilli();
        change(claim, "held", deadline, b -> b.updateExpression("SET lease_until = :lease, outcome = :unknown")
                .expressionAttributeValues(Map.of(":lease", n(leaseUntil), ":unknown", s(UNKNOWN_OUTCOME), ":claim", s(claim.claimId()))));
    }

    /**
     * Ends a queued job's failed run: the key stays in progress (the queue's), but no run holds it any more, so
     * the job's next delivery can adopt it at once, and looks in FPTR first. {@code mayHaveLanded}: the run's write
     * may have landed, which the record keeps for the job's later runs (its dead-letter answer says so).
     */
    void endRun(Claim.Mine claim, boolean mayHaveLanded, Deadline deadline) {
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":now", n(clock.instant().toEpochMilli()), ":claim", s(claim.claimId())));
        String set = "SET run_until = :now";
        if (mayHaveLanded) {   // only ever set: a later run that wrote nothing does not clear it
            values.put(":true", AttributeValue.fromBool(true));
            set += ", " + MAY_HAVE_LANDED + " = :true";
        }
        String update = set;
        change(claim, "freed for its next run", deadline, b -> b.updateExpression(update).expressionAttributeValues(values));
    }

    private void change(Claim.Mine claim, String what, Deadline deadline,
                        Consumer<UpdateItemRequest.Builder> update) {
        try {
            dynamo.updateItem(b -> {
                b.tableName(table()).key(Map.of("pk", s(claim.key()))).conditionExpression("claim = :claim")
                        .overrideConfiguration(within(deadline));
                update.accept(b);
            });
        } catch (ConditionalCheckFailedException notOurs) {
            LOG.warnf("Idempotency key %s was taken over (its lease ran out) before its attempt was %s", claim.key(), what);
        } catch (SdkException e) {
            // The answer still goes to the caller. The record stays in progress: a retry after the lease takes
            // it over and checks FPTR before writing, so nothing is written twice.
            LOG.warnf("Idempotency key %s could not be marked %s (%s); a retry after its lease checks FPTR first",
                    claim.key(), what, e.getMessage());
        }
    }

    private Existing existing(Map<String, AttributeValue> item) {
        Answer answer = null;
        if (COMPLETED.equals(text(item, "status"))) {
            Map<String, String> headers = new LinkedHashMap<>();
            AttributeValue stored = item.get("answer_headers");
            if (stored != null && stored.hasM()) {
                stored.m().forEach((k, v) -> headers.put(k, v.s()));
            }
            answer = new Answer((int) number(item, "answer_status"), headers, text(item, "answer_body"), flag(item, "answer_omitted"));
        }
        String first = text(item, "first_started_at");
        return new Existing(text(item, "status"), text(item, "request_hash"), text(item, "claim"),
                first == null ? null : Instant.parse(first), Instant.ofEpochMilli(number(item, "lease_until")),
                UNKNOWN_OUTCOME.equals(text(item, "outcome")), flag(item, "queued"),
                item.containsKey("run_until") ? Instant.ofEpochMilli(number(item, "run_until")) : null, answer);
    }

    private Consumer<AwsRequestOverrideConfiguration.Builder> within(Deadline deadline) {
        return AwsTimeouts.within(deadline, dynamo);
    }

    private String table() {
        return config.tableName().orElseThrow();
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item == null ? null : item.get(name);
        return v == null ? null : v.s();
    }

    private static boolean flag(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item == null ? null : item.get(name);
        return v != null && Boolean.TRUE.equals(v.bool());
    }

    private static long number(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item == null ? null : item.get(name);
        return v == null || v.n() == null ? 0 : Long.parseLong(v.n());
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
