package io.fptrfunctions.uploadworker;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.aws.MotoFaultProxy;
import io.fptrfunctions.aws.MotoServer;
import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.thumbnailworker.SqsEvents;
import io.fptrfunctions.fptr.LogCapture;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.TestLambdaContext;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Prefer: respond-async} on the upload routes and the upload worker, end to end: the upload function's
 * 202 and its job on moto's upload queue, the worker's handler run on that message as Lambda's event source
 * would, the simulator's storage and records read back, the answer kept under the Idempotency-Key (moto's
 * DynamoDB). The test profile refuses objects over 2 MiB in the request (fptr.upload.sync-max-bytes).
 * Demo seed: Version 6003 (project 70, sg_uploaded_movie empty), Shot 1001 (Shot has no attachments field).
 */
@QuarkusTest
class UploadWorkerTest {

    private static final SimAdmin SIM = FptrSimTestResource.admin();
    private static final String BUCKET = MotoTestResource.BUCKET;
    private static final String QUEUE_URL = MotoTestResource.queueUrl(MotoTestResource.UPLOAD_QUEUE);
    private static final String DEAD_LETTER_URL = MotoTestResource.queueUrl(MotoTestResource.UPLOAD_DEAD_LETTERS);
    private static final int KIB = 1024;
    private static final String COMPLETIONS = ".*/_upload$";

    @Inject
    S3Client s3;

    @Inject
    UploadWorkerHandler worker;

    final SqsClient sqs = MotoServer.get().sqs();
    final SimAdmin tool = FptrSimTestResource.admin();
    String tag;
    String key;
    byte[] bytes;

    @BeforeEach
    void cleanSlate() {
        SIM.reset();
        SIM.config(Map.of("multipart_min_part_bytes", 64 * KIB));
        CircuitBreakerMaintenance.get().resetAll();
        sqs.purgeQueue(b -> b.queueUrl(QUEUE_URL));
        sqs.purgeQueue(b -> b.queueUrl(DEAD_LETTER_URL));
        tag = UUID.randomUUID().toString();
        key = "uploads/async/plate-" + tag.substring(0, 8) + ".exr";
        bytes = new byte[10 * 256 * KIB + 123];   // 2.5 MiB: over the request's limit, ten parts
        new Random(11).nextBytes(bytes);
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(bytes));
        warmTheMint();
        SIM.clearRequests();
    }

    /**
     * No test here is about minting, but the first upload of a cold app mints, and on a loaded machine that first
     * mint can pass the tests' 1.5 s mint timeout on all three attempts (a 503 where 202 was asserted): so a token
     * is minted first, given a few tries.
     */
    private static void warmTheMint() {
        for (int attempt = 0; attempt < 3; attempt++) {
            if (ApiGatewayEvents.route("POST /v1/token", "/v1/token").body("{}").invoke("token").status() == 200) {
                return;
            }
        }
    }

    String attachmentBody() {
        return attachmentBody(key, tag);
    }

    static String attachmentBody(String s3Key, String description) {
        return "{\"project\": 70, \"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"" + s3Key + "\"},"
                + " \"attachment_links\": [{\"type\": \"Version\", \"id\": 6003}], \"description\": \"" + description + "\"}";
    }

    @Test
    void anObjectTooLargeForTheRequestIsA422ThatSaysToSendRespondAsyncAndWritesNothing() {
        Answer a = invoke(upload(attachmentBody()));
        assertEquals(422, a.status(), a.body()::toString);
        assertTrue(a.detail().contains("Prefer: respond-async"), a::detail);
        assertEquals("respond-async", a.body().path("prefer").asText());
        assertEquals(bytes.length, a.body().path("size").asLong());
        assertEquals(0, SIM.count("POST", ".*/_upload.*"), "nothing was started in FPTR");
        assertEquals(0, attachmentsMade());
    }

    @Test
    void respondAsyncAnswers202AndTheWorkerMakesOneAttachmentWithTheBytesEvenWhenTheJobComesTwice() {
        Answer accepted = invoke(upload(attachmentBody()).header("Prefer", "respond-async"));
        assertEquals(202, accepted.status(), accepted.body()::toString);
        assertEquals("respond-async", accepted.header("Preference-Applied"));
        String named = accepted.header("Idempotency-Key");
        assertNotNull(named, "the 202 names the key its answer is kept under");
        assertEquals(named, accepted.body().path("idempotency_key").asText());
        assertEquals("queued", accepted.body().path("status").asText());
        assertEquals(bytes.length, accepted.body().at("/source/size").asLong());
        assertEquals(0, SIM.count("POST", ".*/_upload.*"), "nothing uploaded in the request");

        Answer meanwhile = invoke(upload(attachmentBody()).header("Idempotency-Key", named));
        assertEquals(409, meanwhile.status(), meanwhile.body()::toString);
        assertEquals("5", meanwhile.header("Retry-After"));

        Message job = onlyMessage();
        assertEquals(List.of(), deliver(job), "the job is done");
        assertEquals(1, attachmentsMade());
        assertEquals(1, SIM.count("POST", COMPLETIONS), "one completion");
        JsonNode attachment = attachment();
        assertArrayEquals(bytes, tool.download(tool.login().get("/api/v1.1/entity/attachments/" + attachment.path("id").asLong()
                + "/this_file?alt=original").header("Location")), "the object's bytes");

        assertEquals(List.of(), deliver(job), "delivered again: done, nothing uploaded");
        assertEquals(1, attachmentsMade(), "still one Attachment");
        assertEquals(1, SIM.count("POST", COMPLETIONS));

        Answer result = invoke(upload(attachmentBody()).header("Idempotency-Key", named));
        assertEquals(201, result.status(), result.body()::toString);
        assertEquals("true", result.header("Idempotent-Replayed"));
        assertEquals(attachment.path("id").asLong(), result.body().path("id").asLong(), "the worker's answer");
        assertEquals(tag, result.body().path("description").asText());
        Answer again = invoke(upload(attachmentBody()).header("Idempotency-Key", named).header("Prefer", "respond-async"));
        assertEquals(201, again.status(), "with the preference too: the answer, nothing queued");
        assertTrue(receive().isEmpty());
    }

    @Test
    void aTimeoutBelowMinTimeLeftFailsTheBatchOnTheQueueInsteadOfSendingItAgainForEver() {
        assertEquals(202, invoke(upload(attachmentBody()).header("Prefer", "respond-async")).status());
        Message job = onlyMessage();

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> worker.handleRequest(SqsEvents.of(job, MotoTestResource.UPLOAD_QUEUE), TestLambdaContext.withRemaining(1900)));

        assertTrue(e.getMessage().contains("fptr.upload-worker.min-time-left"), e.getMessage());
        assertTrue(receive().isEmpty(), "not sent again with its receive count reset: it stays in flight");
        assertEquals(0, attachmentsMade());
    }

    @Test
    void aRunThatFailedLeavesTheJobOnTheQueueAndTheNextRunUploadsOnce() {
        Answer accepted = invoke(upload(attachmentBody()).header("Idempotency-Key", tag).header("Prefer", "respond-async"));
        assertEquals(202, accepted.status(), accepted.body()::toString);
        Message job = onlyMessage();
        SIM.fault(Map.of("method", "PUT", "path", "/parts/3$", "status", 500, "times", 50));

        assertEquals(List.of(job.messageId()), deliver(job), "storage kept failing: the job stays on the queue");
        assertEquals(0, attachmentsMade());
        assertEquals(409, invoke(upload(attachmentBody()).header("Idempotency-Key", tag)).status(), "the key is still in progress");

        SIM.clearFaults();
        assertEquals(List.of(), deliver(job), "the next delivery adopts the key at once and uploads");
        assertEquals(1, attachmentsMade());
        assertEquals(1, SIM.count("POST", COMPLETIONS));
        assertEquals(201, invoke(upload(attachmentBody()).header("Idempotency-Key", tag)).status());
    }

    @Test
    void aJobThatFailsOnEveryReceiveEndsItsKeyAsAReadableFailureAndGoesToTheDeadLetterQueueWhenceItCanRunAgain() {
        assertEquals(202, invoke(upload(attachmentBody()).header("Idempotency-Key", tag).header("Prefer", "respond-async")).status());
        SIM.fault(Map.of("method", "PUT", "path", "/parts/3$", "status", 500, "times", 1000));

        for (int receive = 1; receive <= MotoTestResource.MAX_RECEIVE_COUNT; receive++) {
            Message job = receiveWaiting(QUEUE_URL);
            assertEquals(String.valueOf(receive), job.attributesAsStrings().get("ApproximateReceiveCount"));
            assertEquals(List.of(job.messageId()), deliver(job), "it failed: left on the queue");
            if (receive < MotoTestResource.MAX_RECEIVE_COUNT) {
                assertEquals(409, invoke(upload(attachmentBody()).header("Idempotency-Key", tag)).status(), "not its last receive");
            }
        }
        Answer failed = invoke(upload(attachmentBody()).header("Idempotency-Key", tag));
        assertEquals(502, failed.status(), failed.body()::toString);
        assertEquals("true", failed.header("Idempotent-Replayed"));
        assertNull(failed.header("Retry-After"), "the same key answers the same again: nothing to wait for");
        assertEquals("dead_lettered", failed.body().path("job").asText());
        assertEquals(MotoTestResource.MAX_RECEIVE_COUNT, failed.body().path("receives").asInt());
        assertEquals("not_landed", failed.body().path("write_outcome").asText(), "storage failed before the completion");
        assertEquals(502, failed.body().at("/last_failure/status").asInt());
        assertTrue(failed.detail().contains("dead-letter queue") && failed.detail().contains("new Idempotency-Key"), failed::detail);
        assertEquals(0, attachmentsMade());
        assertEquals(0, SIM.count("POST", COMPLETIONS));

        assertTrue(receive().isEmpty(), "visible again at once, so the next receive moves it to the dead-letter queue");
        Message dead = receiveWaiting(DEAD_LETTER_URL);

        SIM.clearFaults();
        assertEquals(List.of(), deliver(dead), "moved back from the dead-letter queue, the job runs again under its key");
        assertEquals(1, attachmentsMade());
        Answer done = invoke(upload(attachmentBody()).header("Idempotency-Key", tag));
        assertEquals(201, done.status(), done.body()::toString);
        assertEquals(tag, done.body().path("description").asText());
    }

    @Test
    void aJobWhoseKeyNowHoldsAnotherRequestIsDroppedAndTheLogSaysSoNotThatItWasARedelivery() {
        String small = key + ".small";
        s3.putObject(b -> b.bucket(BUCKET).key(small), RequestBody.fromBytes(new byte[1000]));
        assertEquals(202, invoke(upload(attachmentBody(small, tag)).header("Idempotency-Key", tag).header("Prefer", "respond-async")).status());
        forgetKey(tag);   // as if its record had expired
        Answer other = invoke(upload(attachmentBody(small, "other-" + tag)).header("Idempotency-Key", tag));
        assertEquals(201, other.status(), "another request under the key: " + other.body());

        try (LogCapture log = LogCapture.start()) {
            assertEquals(List.of(), deliver(onlyMessage()), "dropped");
            assertTrue(log.all().contains("now holds another request"), log::all);
            assertFalse(log.all().contains("redelivery"), log::all);
        }
        assertEquals(0, attachmentsMade(), "the job uploaded nothing");
        assertEquals("other-" + tag, invoke(upload(attachmentBody(small, "other-" + tag)).header("Idempotency-Key", tag))
                .body().path("description").asText(), "the key keeps the other request's answer");
    }

    @Test
    void aJobThatClaimedItsFreedKeyAgainAndFailedIsRunByItsNextDeliveryNotSentAroundForEver() {
        assertEquals(202, invoke(upload(attachmentBody()).header("Idempotency-Key", tag).header("Prefer", "respond-async")).status());
        forgetKey(tag);   // as if its record had expired before a worker took the job
        SIM.fault(Map.of("method", "PUT", "path", "/parts/3$", "status", 500, "times", 1000));
        Message first = receiveWaiting(QUEUE_URL);
        assertEquals(List.of(first.messageId()), deliver(first), "it claimed the key again, then storage failed");
        assertEquals(409, invoke(upload(attachmentBody()).header("Idempotency-Key", tag)).status());

        SIM.clearFaults();
        Message second = receiveWaiting(QUEUE_URL);
        assertEquals("2", second.attributesAsStrings().get("ApproximateReceiveCount"));
        assertEquals(List.of(), deliver(second), "its next delivery runs it (it was sent around again, with its receive count reset)");
        assertEquals(1, attachmentsMade());
        assertTrue(receive().isEmpty(), "nothing sent again");
        assertEquals(201, invoke(upload(attachmentBody()).header("Idempotency-Key", tag)).status());
    }

    @Test
    void aJobWhoseKeyIsHeldByAnAttemptThatStoppedHoldingItTakesItOverInsteadOfWaitingForEver() {
        assertEquals(202, invoke(upload(attachmentBody()).header("Idempotency-Key", tag).header("Prefer", "respond-async")).status());
        // as if the same request, sent without the preference after the queued lease, took the key over and died
        updateKey(tag, "SET claim = :other, lease_until = :past REMOVE run_until",
                Map.of(":other", AttributeValue.fromS("another-attempt"), ":past", AttributeValue.fromN("0")));

        assertEquals(List.of(), deliver(onlyMessage()), "taken over and run");
        assertEquals(1, attachmentsMade());
        assertTrue(receive().isEmpty(), "not sent around again to wait for an attempt that will not finish");
        assertEquals(201, invoke(upload(attachmentBody()).header("Idempotency-Key", tag)).status());
    }

    @Test
    void aRunWhoseAdoptionAnswerWasLostRunsNotWaitsForItsOwnHold() {
        assertEquals(202, invoke(upload(attachmentBody()).header("Idempotency-Key", tag).header("Prefer", "respond-async")).status());
        Message job = onlyMessage();
        MotoFaultProxy aws = MotoFaultProxy.get();
        aws.clear();   // its log of calls, from here
        // DynamoDB stores the run's adoption, its answer is lost, and the SDK sends the same UpdateItem again: its
        // condition (no run holding the key) now fails on this run's own hold
        aws.loseAnswers("DynamoDB_20120810.UpdateItem", 1);
        try {
            assertEquals(List.of(), deliver(job), "the job ran and is done");
            assertEquals(2, aws.calls("DynamoDB_20120810.UpdateItem").stream()
                    .filter(call -> call.at("/Key/pk/S").asText().endsWith("#" + tag))
                    .filter(call -> call.path("UpdateExpression").asText().contains("run_until = :run_until")).count(), "adopted twice");
        } finally {
            aws.clear();
        }
        assertEquals(1, attachmentsMade());
        assertEquals(201, invoke(upload(attachmentBody()).header("Idempotency-Key", tag)).status());
    }

    @Test
    void aJobWhoseRequestWasSentAgainAndRanUnderItsKeyUploadsNothingAndTheLogSaysSo() {
        String small = key + ".small";
        s3.putObject(b -> b.bucket(BUCKET).key(small), RequestBody.fromBytes(new byte[1000]));
        assertEquals(202, invoke(upload(attachmentBody(small, tag)).header("Idempotency-Key", tag).header("Prefer", "respond-async")).status());
        forgetKey(tag);   // as if the job's claim had lapsed
        assertEquals(201, invoke(upload(attachmentBody(small, tag)).header("Idempotency-Key", tag)).status(), "sent again, in the request");

        try (LogCapture log = LogCapture.start()) {
            assertEquals(List.of(), deliver(onlyMessage()));
            assertTrue(log.all().contains("the same request, sent again under its Idempotency-Key, ran"), log::all);
            assertFalse(log.all().contains("redelivery"), log::all);
        }
        assertEquals(1, attachmentsMade(), "one Attachment: the request's");
    }

    @Test
    void aSecondDeliveryWhileTheFirstRunsUploadsNothingAndComesBackLater() throws Exception {
        assertEquals(202, invoke(upload(attachmentBody()).header("Idempotency-Key", tag).header("Prefer", "respond-async")).status());
        Message job = onlyMessage();
        SIM.fault(Map.of("method", "PUT", "path", "/parts/2$", "latency_ms", 2000));

        var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> deliver(job));
        long until = System.nanoTime() + 5_000_000_000L;
        while (SIM.count("PUT", ".*/parts/.*") == 0 && System.nanoTime() < until) {
            Thread.sleep(20);   // the first run is uploading
        }
        assertEquals(List.of(), deliver(job), "the second delivery is sent again for later, not run");
        assertEquals(List.of(), first.get(30, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(1, attachmentsMade(), "one Attachment");
        assertEquals(1, SIM.count("POST", COMPLETIONS));
        String delayed = sqs.getQueueAttributes(b -> b.queueUrl(QUEUE_URL).attributeNamesWithStrings("ApproximateNumberOfMessagesDelayed"))
                .attributesAsStrings().get("ApproximateNumberOfMessagesDelayed");
        assertEquals("1", delayed, "the second delivery's job, delayed until the first run's hold ends");
    }

    @Test
    void aFieldUploadIsQueuedUnderTheCallersKeyAndItsAnswerIsTheFieldAsStored() {
        String body = "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"" + key + "\"}}";
        Answer accepted = invoke(putFile("Version", 6003, "sg_uploaded_movie", body).header("Idempotency-Key", tag)
                .header("Prefer", "respond-async"));
        assertEquals(202, accepted.status(), accepted.body()::toString);
        assertEquals(tag, accepted.header("Idempotency-Key"));
        assertEquals(List.of(), deliver(onlyMessage()));
        Answer result = invoke(putFile("Version", 6003, "sg_uploaded_movie", body).header("Idempotency-Key", tag));
        assertEquals(200, result.status(), result.body()::toString);
        assertEquals(bytes.length, result.body().at("/upload/bytes").asLong());
        assertTrue(result.body().at("/upload/multipart").asBoolean());
        assertArrayEquals(bytes, tool.download(tool.login().get("/api/v1.1/entity/versions/6003/sg_uploaded_movie?alt=original")
                .header("Location")));
    }

    @Test
    void badInputWithRespondAsyncIsTheSame4xxAndQueuesNothing() {
        String missing = "{\"project\": 70, \"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/async/missing.exr\"}}";
        String outside = "{\"project\": 70, \"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"thumbnails/x.exr\"}}";
        String noProject = "{\"project\": \"No Such Project\", \"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"" + key + "\"}}";
        String onShot = "{\"project\": 70, \"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"" + key + "\"},"
                + " \"attachment_links\": [{\"type\": \"Shot\", \"id\": 1001}]}";
        String badJson = "{\"project\": 70}";
        for (Map.Entry<String, Integer> c : Map.of(missing, 404, outside, 403, noProject, 422, onShot, 400, badJson, 400).entrySet()) {
            Answer a = invoke(upload(c.getKey()).header("Prefer", "respond-async").header("Idempotency-Key", tag));
            assertEquals(c.getValue(), a.status(), () -> c.getKey() + " -> " + a.body());
        }
        String file = "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"" + key + "\"}}";
        Answer notAFileField = invoke(putFile("Version", 6003, "code", file).header("Prefer", "respond-async"));
        assertEquals(400, notAFileField.status(), notAFileField.body()::toString);
        Answer thisFile = invoke(putFile("Attachment", 1, "this_file", file).header("Prefer", "respond-async"));
        assertEquals(409, thisFile.status(), thisFile.body()::toString);
        assertTrue(receive().isEmpty(), "nothing queued");
        assertEquals(0, SIM.count("POST", ".*/_upload.*"));

        Answer good = invoke(upload(attachmentBody()).header("Prefer", "respond-async").header("Idempotency-Key", "fresh-" + tag));
        assertEquals(202, good.status(), "a refused request keeps no key: " + good.body());
    }

    @Test
    void aJobThatIsNotAnUploadGoesBackAtOnceForTheDeadLetterQueue() {
        sqs.sendMessage(b -> b.queueUrl(QUEUE_URL).messageBody("{\"route\": \"POST /v1/uploads\"}"));
        Message m = onlyMessage();
        assertEquals(List.of(m.messageId()), deliver(m));
    }

    private long attachmentsMade() {
        return tool.login().searchHash("attachments", "{\"filters\": {\"logical_operator\": \"and\", \"conditions\": "
                + "[[\"description\", \"is\", \"" + tag + "\"]]}}").json().path("data").size();
    }

    private JsonNode attachment() {
        return tool.login().searchHash("attachments", "{\"filters\": {\"logical_operator\": \"and\", \"conditions\": "
                + "[[\"description\", \"is\", \"" + tag + "\"]]}}").json().path("data").get(0);
    }

    private List<Message> receive() {
        return sqs.receiveMessage(b -> b.queueUrl(QUEUE_URL).maxNumberOfMessages(10).waitTimeSeconds(0)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
    }

    /** The next message of {@code queueUrl}, waiting up to 10 s for it (a failed job is visible again after 1-2 s). */
    private Message receiveWaiting(String queueUrl) {
        long until = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < until) {
            List<Message> got = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(1).waitTimeSeconds(2)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            if (!got.isEmpty()) {
                return got.get(0);
            }
        }
        throw new AssertionError("no message on " + queueUrl + " within 10 s");
    }

    /** Changes the key's record as {@code update} says. */
    private static void updateKey(String idempotencyKey, String update, Map<String, AttributeValue> values) {
        try (DynamoDbClient dynamo = MotoServer.get().dynamoDb()) {
            dynamo.scan(b -> b.tableName(MotoTestResource.IDEMPOTENCY_TABLE)).items().stream()
                    .filter(item -> item.get("pk").s().endsWith("#" + idempotencyKey))
                    .forEach(item -> dynamo.updateItem(b -> b.tableName(MotoTestResource.IDEMPOTENCY_TABLE)
                            .key(Map.of("pk", item.get("pk"))).updateExpression(update).expressionAttributeValues(values)));
        }
    }

    /** Deletes the key's record, as its expiry would. */
    private static void forgetKey(String idempotencyKey) {
        try (DynamoDbClient dynamo = MotoServer.get().dynamoDb()) {
            dynamo.scan(b -> b.tableName(MotoTestResource.IDEMPOTENCY_TABLE)).items().stream()
                    .filter(item -> item.get("pk").s().endsWith("#" + idempotencyKey))
                    .forEach(item -> dynamo.deleteItem(b -> b.tableName(MotoTestResource.IDEMPOTENCY_TABLE).key(Map.of("pk", item.get("pk")))));
        }
    }

    private Message onlyMessage() {
        List<Message> got = receive();
        assertEquals(1, got.size(), "one job on the queue: " + got);
        return got.get(0);
    }

    /** Lambda's event source: the message to the worker's handler; answers the ids it leaves on the queue. */
    private List<String> deliver(Message m) {
        return SqsEvents.failures(worker.handleRequest(SqsEvents.of(m, MotoTestResource.UPLOAD_QUEUE), TestLambdaContext.withRemaining(60_000)));
    }

    private static ApiGatewayEvents upload(String body) {
        return ApiGatewayEvents.route("POST /v1/uploads", "/v1/uploads").body(body);
    }

    private static ApiGatewayEvents putFile(String type, long id, String field, String body) {
        return ApiGatewayEvents.route("PUT /v1/entities/{type}/{id}/files/{field}", "/v1/entities/" + type + "/" + id + "/files/" + field)
                .pathParameter("type", type).pathParameter("id", String.valueOf(id)).pathParameter("field", field).body(body);
    }

    private static Answer invoke(ApiGatewayEvents event) {
        return event.invoke("upload");
    }
}
