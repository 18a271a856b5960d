package io.fptrfunctions.sweep;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.aws.MotoFaultProxy;
import io.fptrfunctions.aws.MotoServer;
import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.fptrfunctions.thumbnailworker.ThumbnailWorkerHandler;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the sweep's tests share: a clean site, queue, table and bucket before each test; invoking the
 * sweep handler; the jobs it queued; and the thumbnail worker, run in this JVM on whatever the queue holds
 * (the event source's part: receive, invoke, delete). The tests' one configuration has the sweep's queue
 * and table the worker's, pages of 2, runs bounded to 4 entities past the checkpoint.
 */
abstract class SweepHarness {

    static final SimAdmin SIM = FptrSimTestResource.admin();
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TABLE = MotoTestResource.WORKER_TABLE;
    static final String QUEUE_URL = MotoTestResource.queueUrl(MotoTestResource.JOB_QUEUE);
    static final String BUCKET = MotoTestResource.BUCKET;

    /** The test's own clients, straight to moto: the proxy's log then holds the function's calls only. */
    static final SqsClient SQS = MotoServer.get().sqs();
    static final DynamoDbClient DYNAMO = MotoServer.get().dynamoDb();

    @Inject
    S3Client s3;

    @Inject
    ThumbnailWorkerHandler worker;

    @Inject
    SweepHandler sweepHandler;

    final MotoFaultProxy aws = MotoFaultProxy.get();

    @BeforeEach
    void cleanSlate() {
        SIM.reset();
        SIM.login();
        CircuitBreakerMaintenance.get().resetAll();   // FPTR faults of other tests leave no open breaker
        SQS.purgeQueue(b -> b.queueUrl(QUEUE_URL));
        MotoServer.get().createStateTable(TABLE);
        DYNAMO.scan(b -> b.tableName(TABLE)).items()
                .forEach(item -> DYNAMO.deleteItem(b -> b.tableName(TABLE).key(Map.of("pk", item.get("pk")))));
        s3.listObjectsV2(b -> b.bucket(BUCKET).prefix("thumbnails/")).contents()
                .forEach(o -> s3.deleteObject(b -> b.bucket(BUCKET).key(o.key())));
        aws.clear();
    }

    /**
     * One invocation of the sweep with this event (JSON), as Lambda's runtime hands it over: parsed, to the
     * handler bean, the answer serialised. (The profile's Lambda handler is the worker's, so a test can run
     * both.)
     */
    JsonNode sweep(String event) {
        return sweep(event, null);
    }

    /** {@link #sweep(String)} with Lambda's context (its remaining time). */
    JsonNode sweep(String event, Context context) {
        try {
            return JSON.readTree(JSON.writeValueAsString(sweepHandler.handleRequest(JSON.readTree(event), context)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The scheduled run, with the event EventBridge sends. */
    JsonNode scheduledSweep() {
        return scheduledSweep(null);
    }

    /** {@link #scheduledSweep()} with Lambda's context (its remaining time). */
    JsonNode scheduledSweep(Context context) {
        return sweep("{\"version\":\"0\",\"id\":\"b7ce4715-8e7c-4d5a-9c43-3c1d6f0e1a2b\",\"detail-type\":\"Scheduled Event\","
                + "\"source\":\"aws.events\",\"account\":\"123456789012\",\"time\":\"2026-12-01T10:00:00Z\",\"region\":\"us-east-1\","
                + "\"resources\":[\"arn:aws:events:us-east-1:123456789012:rule/fptr-functions-SweepFunctionSweep\"],\"detail\":{}}", context);
    }

    /** Gives the Note an image now (FPTR shows it ready, or pending for {@code pendingSeconds}); its updated_at moves. */
    static void newImage(long noteId, long pendingSeconds) {
        SIM.putFile("Note", noteId, "image", "note" + noteId + ".png", "image/png", pendingSeconds,
                () -> new ByteArrayInputStream(("image of " + noteId + " " + System.nanoTime()).getBytes()));
    }

    /** The id of the simulator's latest {@code EventLogEntry} of an image change of this Note. */
    static long imageEventId(long noteId) {
        JsonNode found = SIM.searchArray("EventLogEntry", "{\"filters\":[[\"entity\",\"is\",{\"type\":\"Note\",\"id\":" + noteId
                + "}],[\"attribute_name\",\"is\",\"image\"]],\"sort\":\"-id\",\"page\":{\"size\":1}}").json().path("data");
        assertEquals(1, found.size(), "Note " + noteId + "'s image change is logged: " + found);
        return found.get(0).get("id").asLong();
    }

    /** Takes every job off the queue (for the test to look at, not for the worker): the entity ids, in the order queued. */
    static List<JsonNode> takeJobs() {
        List<JsonNode> jobs = new ArrayList<>();
        for (Message m : receiveAll()) {
            jobs.add(parse(m.body()));
            SQS.deleteMessage(b -> b.queueUrl(QUEUE_URL).receiptHandle(m.receiptHandle()));
        }
        return jobs;
    }

    static List<Long> ids(List<JsonNode> jobs) {
        return jobs.stream().map(j -> j.get("entity_id").asLong()).sorted().toList();
    }

    /** Puts jobs the test took back on the queue and has the worker run them, as it would have. */
    int copy(List<JsonNode> jobs) {
        jobs.forEach(job -> SQS.sendMessage(b -> b.queueUrl(QUEUE_URL).messageBody(job.toString())));
        return runWorker();
    }

    /**
     * Lambda's event source for the worker: hands what the queue holds to the worker handler in batches
     * of 5, deleting what it does not report; returns how many jobs it ran.
     */
    int runWorker() {
        int ran = 0;
        List<Message> left = receiveAll();
        for (int start = 0; start < left.size(); start += 5) {
            List<Message> batch = left.subList(start, Math.min(left.size(), start + 5));
            SQSEvent event = new SQSEvent();
            List<SQSEvent.SQSMessage> records = new ArrayList<>();
            for (Message m : batch) {
                SQSEvent.SQSMessage r = new SQSEvent.SQSMessage();
                r.setMessageId(m.messageId());
                r.setReceiptHandle(m.receiptHandle());
                r.setBody(m.body());
                r.setAttributes(new HashMap<>(m.attributesAsStrings()));
                r.setMessageAttributes(Map.of());
                records.add(r);
            }
            event.setRecords(records);
            SQSBatchResponse answer = worker.handleRequest(event, null);
            List<String> failed = answer.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
            assertEquals(List.of(), failed, "the worker copied every job");
            batch.forEach(m -> SQS.deleteMessage(b -> b.queueUrl(QUEUE_URL).receiptHandle(m.receiptHandle())));
            ran += batch.size();
        }
        return ran;
    }

    /** The checkpoint item of a walk, as stored. */
    static Map<String, AttributeValue> stored(String key) {
        Map<String, AttributeValue> item = DYNAMO.getItem(b -> b.tableName(TABLE).key(Map.of("pk", AttributeValue.fromS(key)))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? null : item;
    }

    static JsonNode walk(JsonNode answer, int index) {
        return answer.get("entity_types").get(index);
    }

    private static List<Message> receiveAll() {
        List<Message> all = new ArrayList<>();
        while (true) {
            List<Message> got = SQS.receiveMessage(b -> b.queueUrl(QUEUE_URL).maxNumberOfMessages(10).waitTimeSeconds(0)
                    .visibilityTimeout(30).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            if (got.isEmpty()) {
                return all;
            }
            all.addAll(got);
        }
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
