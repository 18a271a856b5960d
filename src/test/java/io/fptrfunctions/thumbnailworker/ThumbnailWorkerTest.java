package io.fptrfunctions.thumbnailworker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.fptrfunctions.aws.MotoFaultProxy;
import io.fptrfunctions.aws.AwsFailure;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.aws.MotoServer;
import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.fptr.LogCapture;
import io.fptrfunctions.fptr.TestClock;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.TestLambdaContext;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.fptrfunctions.telemetry.ConsoleLines;
import io.fptrfunctions.telemetry.EmfLines;
import io.fptrfunctions.thumbnails.CopiedImages;
import io.fptrfunctions.thumbnails.ThumbnailJob;
import io.fptrfunctions.thumbnails.ThumbnailVariant;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The thumbnail worker: SQS events as Lambda builds them (from moto's queue) → the handler → the FPTR
 * simulator and moto's S3, DynamoDB and SQS over HTTP. {@link #deliverBatch()} plays
 * Lambda's event source: it receives, invokes, and deletes every message the answer does not report.
 * Demo seed: Note 7001 (project 70) has an image, Note 7004 none.
 */
@QuarkusTest
class ThumbnailWorkerTest {

    private static final SimAdmin SIM = FptrSimTestResource.admin();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUCKET = MotoTestResource.BUCKET;
    private static final String QUEUE_URL = MotoTestResource.queueUrl(MotoTestResource.JOB_QUEUE);
    private static final String DLQ_URL = MotoTestResource.queueUrl(MotoTestResource.DEAD_LETTERS);
    private static final String TABLE = MotoTestResource.WORKER_TABLE;
    private static final String KEY_7001 = "thumbnails/70/Note/7001/original.png";

    /** The test's own SQS client, straight to moto: the proxy's log then holds the worker's calls only. */
    private static final SqsClient sqs = MotoServer.get().sqs();

    @Inject
    S3Client s3;

    @Inject
    DynamoDbClient dynamo;

    @Inject
    TestClock clock;

    @Inject
    ThumbnailWorker worker;

    @Inject
    ThumbnailWorkerHandler handler;

    @Inject
    JobReader reader;

    @Inject
    CopiedImages copies;

    final MotoFaultProxy aws = MotoFaultProxy.get();

    @BeforeEach
    void cleanSlate() {
        SIM.reset();
        SIM.login();
        CircuitBreakerMaintenance.get().resetAll();   // FPTR faults of other tests leave no open breaker
        sqs.purgeQueue(b -> b.queueUrl(QUEUE_URL));
        sqs.purgeQueue(b -> b.queueUrl(DLQ_URL));
        try {
            dynamo.createTable(b -> b.tableName(TABLE).billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(k -> k.attributeName("pk").keyType("HASH"))
                    .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S)));
        } catch (ResourceInUseException exists) {
            dynamo.scan(b -> b.tableName(TABLE)).items()
                    .forEach(item -> dynamo.deleteItem(b -> b.tableName(TABLE).key(Map.of("pk", item.get("pk")))));
        }
        s3.listObjectsV2(b -> b.bucket(BUCKET).prefix("thumbnails/")).contents()
                .forEach(o -> s3.deleteObject(b -> b.bucket(BUCKET).key(o.key())));
        aws.clear();
    }

    // ---- outcomes --------------------------------------------------------------------------------------------

    @Test
    void aBatchIsCopiedJobByJobAndOnlyTheJobThatIsNoJobStaysOnTheQueue() throws IOException {
        String copied = send(job("Note", 7001, "original", null));
        String noImage = send(job("Note", 7004, "original", null));
        String noEntity = send(job("Note", 999_999, "original", null));
        String notAJob = send("{\"entity_type\":\"Note\",\"entity_id\":\"seven\"}");

        Batch batch = deliverBatch();

        assertEquals(List.of(copied, noImage, noEntity, notAJob).stream().sorted().toList(), batch.messageIds().stream().sorted().toList(),
                "one batch of four");
        assertEquals(List.of(notAJob), batch.failures(), "only the message that is no job is reported");
        assertArrayEquals(SIM.download(SIM.location("notes", 7001, "original")), read(KEY_7001));
        assertEquals(List.of("0"), visibilities(), "the one left is visible again at once, so it reaches the dead-letter queue soon");
        List<Message> left = receive(QUEUE_URL);
        assertEquals(List.of(notAJob), left.stream().map(Message::messageId).toList(), "the others were deleted");
    }

    @Test
    void aCopyOvertakenByTheNewerImagesCopyIsMadeAgainAtOnceSoS3EndsWithTheNewerImage() throws Exception {
        // The job's download (the current image's) is slow; meanwhile the image is replaced and a tool's call copies
        // the replacement (and the newer image's own job could have recorded it): the slow copy ends last and leaves
        // the older image in S3. Left on the queue as a failure (after retry-min-delay, toward the DLQ: on its last
        // receive never), S3 kept the older image, which neither the sweep (the record names the newer) nor an event fixes.
        SIM.config(Map.of("thumbnail_pending_seconds", 0));
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "latency_ms", 5000, "times", 1));
        String id = send(job("Note", 7001, "original", null));
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Future<Batch> slow = other.submit(() -> deliverBatch());
            long waitUntil = System.nanoTime() + 10_000_000_000L;
            while (SIM.requests("GET", "/_storage/.*").isEmpty() && System.nanoTime() < waitUntil) {
                Thread.sleep(20);   // until the job, having read the entity, waits for its bytes
            }
            byte[] replacement = png(64, 48);
            SIM.upload("notes", 7001, "image", "regrade_v2.png", "image/png", replacement);
            Answer fast = ApiGatewayEvents.route("PUT /v1/entities/{type}/{id}/thumbnail", "/v1/entities/Note/7001/thumbnail")
                    .pathParameter("type", "Note").pathParameter("id", "7001").invoke("thumbnail");
            assertEquals("copied", fast.body().path("status").asText(), fast.body()::toString);

            Batch batch = slow.get(60, TimeUnit.SECONDS);

            assertEquals(List.of(), batch.failures(), "the job is done, not left to a failure's backoff: " + batch);
            assertArrayEquals(replacement, read(KEY_7001), "S3 ends with the image FPTR shows");
            assertTrue(record("thumbnail#Note/7001/original").get("file_source").s().endsWith("/regrade_v2.png"),
                    "the record names what S3 holds");
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void aBatchCountsItsJobsByOutcomeInOneMetricsLineAndEachJobsLinesNameItsDelivery() {
        String delivery = "7c1d5e2a-4b3f-4e6d-8a9b-0c1d2e3f4a5b";
        send(job("Note", 7001, "original", delivery));
        send(job("Note", 7004, "original", null));
        send("{\"entity_type\":\"Note\",\"entity_id\":\"seven\"}");
        JsonNode line;
        List<ConsoleLines.Record> records;
        try (EmfLines emf = EmfLines.capture(); ConsoleLines console = ConsoleLines.capture()) {
            deliverBatch();
            line = emf.only();
            records = console.records();
        }
        assertEquals("thumbnail-worker", line.get("Function").asText());
        assertEquals(1, EmfLines.value(line, "JobsDone"), line.toString());
        assertEquals(1, EmfLines.value(line, "JobsGone"), line.toString());
        assertEquals(1, EmfLines.value(line, "JobsNotAJob"), line.toString());
        assertEquals(SIM.download(SIM.location("notes", 7001, "original")).length, EmfLines.value(line, "BytesCopied"), line.toString());
        assertEquals(1, line.get("CopyTime").size(), line.toString());

        ConsoleLines.Record copied = records.stream().filter(r -> r.message().startsWith("job Note/7001")).findFirst().orElseThrow();
        assertEquals(delivery, copied.mdc().get("delivery_id"), copied.toString());
        ConsoleLines.Record gone = records.stream().filter(r -> r.message().startsWith("job Note/7004")).findFirst().orElseThrow();
        assertNull(gone.mdc().get("delivery_id"), "the next job's lines do not carry the last one's delivery: " + gone);
        ConsoleLines.Record done = records.get(records.size() - 1);
        assertEquals("io.fptrfunctions.access", done.logger(), records.toString());
        assertTrue(done.message().startsWith("thumbnail-worker invocation done in "), done.toString());
        assertTrue(done.mdc().containsKey("AWSRequestId") && done.mdc().containsKey("duration_ms"), done.toString());
    }

    @Test
    void aCopyIsRecordedForTheSweepWithTheImageItCameFrom() {
        send(job("Note", 7001, "original", null));
        deliverBatch();

        Map<String, AttributeValue> item = record("thumbnail#Note/7001/original");
        assertNotNull(item, "the copy is recorded");
        String image = SIM.get("/api/v1.1/entity/notes/7001?fields=image").json().at("/data/attributes/image").asText();
        assertEquals(image.substring(0, image.indexOf('?')), item.get("image_source").s(),
                "the image field as a search shows it, without its signature");
        assertFalse(item.toString().contains("X-Amz-"), "no signature is recorded: " + item);
        String original = SIM.location("notes", 7001, "original");
        assertEquals(original.substring(0, original.indexOf('?')), item.get("file_source").s());
        assertEquals(KEY_7001, item.get("s3_key").s());
        assertEquals(BUCKET, item.get("s3_bucket").s());
        assertEquals("copied", item.get("status").s());
        assertEquals("70", item.get("project_id").n());

        send(job("Note", 7001, "original", null));
        deliverBatch();
        assertEquals("unchanged", record("thumbnail#Note/7001/original").get("status").s(), "a repeated job is recorded as unchanged");
    }

    @Test
    void copyRecordsAreReadAHundredPerCall() {
        send(job("Note", 7001, "original", null));
        deliverBatch();
        List<String> keys = new ArrayList<>(List.of(CopiedImages.key("Note", 7001, ThumbnailVariant.ORIGINAL)));
        for (int id = 1; id <= 149; id++) {
            String key = CopiedImages.key("Note", 100_000 + id, ThumbnailVariant.ORIGINAL);
            keys.add(key);
            if (id % 3 != 0) {   // a third have no record: never copied
                dynamo.putItem(b -> b.tableName(TABLE).item(Map.of("pk", AttributeValue.fromS(key),
                        "image_source", AttributeValue.fromS("http://storage/" + key))));
            }
        }
        aws.clear();

        Map<String, String> sources = copies.imageSources(TABLE, keys, Deadline.none());

        assertEquals(1 + 149 - 49, sources.size());
        assertEquals("http://storage/thumbnail#Note/100001/original", sources.get("thumbnail#Note/100001/original"));
        assertFalse(sources.containsKey("thumbnail#Note/100003/original"));
        assertTrue(sources.get("thumbnail#Note/7001/original").contains("/_storage/"), sources.get("thumbnail#Note/7001/original"));
        assertEquals(2, aws.calls("DynamoDB_20120810.BatchGetItem").size(), "150 keys: two calls");
    }

    @Test
    void copyRecordsAreReadWithinTheDeadline() throws InterruptedException {
        Deadline spent = Deadline.in(Duration.ofMillis(1));
        Thread.sleep(5);
        List<String> keys = List.of(CopiedImages.key("Note", 7001, ThumbnailVariant.ORIGINAL));

        AwsFailure e = assertThrows(AwsFailure.class, () -> copies.imageSources(TABLE, keys, spent));

        assertTrue(e.getMessage().contains("copy records"), e.getMessage());
    }

    @Test
    void keysDynamoDbLeavesUnprocessedAreAskedForAgainAfterAGrowingBackoff() {
        List<String> keys = new ArrayList<>();
        for (int id = 1; id <= 4; id++) {
            String key = CopiedImages.key("Note", 200_000 + id, ThumbnailVariant.ORIGINAL);
            keys.add(key);
            if (id != 4) {
                dynamo.putItem(b -> b.tableName(TABLE).item(Map.of("pk", AttributeValue.fromS(key),
                        "image_source", AttributeValue.fromS("http://storage/" + key))));
            }
        }
        aws.clear();
        // a throttled table: four answers in a row leave keys unprocessed (4 keys -> 2 left -> 1 -> 1 -> 1), the fifth takes the rest
        aws.leaveUnprocessed(4);

        Map<String, String> sources = copies.imageSources(TABLE, keys, Deadline.in(Duration.ofSeconds(20)));

        assertEquals(3, sources.size(), sources.toString());
        assertEquals("http://storage/" + keys.get(2), sources.get(keys.get(2)), "found on the last call");
        List<Long> at = aws.callTimes("DynamoDB_20120810.BatchGetItem");
        assertEquals(5, at.size(), "the first call and four retries of the keys left");
        for (int i = 1; i < at.size(); i++) {
            long gapMillis = (at.get(i) - at.get(i - 1)) / 1_000_000;
            long backoff = 50L << (i - 1);   // CopiedImages' backoff: 50, 100, 200, 400 ms, less its 25 ms jitter
            assertTrue(gapMillis >= backoff - 25, "retry " + i + " came " + gapMillis + " ms after the call before it");
        }
    }

    @Test
    void keysLeftUnprocessedUntilTheDeadlineFailTheReadInTimeAsRetryable() {
        List<String> keys = List.of(CopiedImages.key("Note", 7001, ThumbnailVariant.ORIGINAL));
        aws.leaveUnprocessed(Integer.MAX_VALUE);
        long started = System.nanoTime();

        // 2.5 s: a retry needs 1.275 s left (the longest wait and a call), so even a first answer slowed by a
        // loaded machine comes while one is still allowed
        AwsFailure e = assertThrows(AwsFailure.class, () -> copies.imageSources(TABLE, keys, Deadline.in(Duration.ofMillis(2500))));

        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(millis < 2500, "gave up within the deadline, after " + millis + " ms");
        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("throttling") && e.getMessage().contains("left unprocessed"), e.getMessage());
        // the count, not the clock, shows the deadline stopped the retries: waits of 50, 100, 200, 400 and 800 ms
        // leave at least 1.4 s spent after the sixth call, too much for another, and load only spends more; retries
        // that ignored the deadline would make a seventh call (after 2.4-2.55 s) and more
        int calls = aws.calls("DynamoDB_20120810.BatchGetItem").size();
        assertTrue(calls >= 2 && calls <= 6, "asked again while the deadline held a wait and a call (6 calls at most): " + calls);
    }

    @Test
    void aPendingImageIsLookedAtAgainLaterWithoutCountingTowardTheDeadLetterQueue() throws IOException {
        SIM.config(Map.of("thumbnail_pending_seconds", 30));
        byte[] upload = png(40, 30);
        SIM.upload("notes", 7004, "image", "fresh.png", "image/png", upload);
        String first = send(job("Note", 7004, "original", null));

        Batch look1 = deliverBatch();
        assertEquals(List.of(), look1.failures(), "the waiting job is not a failure");
        assertEquals(List.of(), receive(QUEUE_URL), "sent again with a delay, not visible yet");
        Message again = awaitMessage(QUEUE_URL, Duration.ofSeconds(5));
        assertFalse(first.equals(again.messageId()), "a new message: its receive count starts again");
        assertEquals("1", again.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
        assertEquals("1", again.messageAttributes().get("fptr-pending-checks").stringValue());
        long since = Long.parseLong(again.messageAttributes().get("fptr-pending-since").stringValue());
        makeVisible(again);

        Batch look2 = deliverBatch();   // still pending
        assertEquals(List.of(), look2.failures());
        Message third = awaitMessage(QUEUE_URL, Duration.ofSeconds(5));
        assertEquals("2", third.messageAttributes().get("fptr-pending-checks").stringValue());
        assertEquals(since, Long.parseLong(third.messageAttributes().get("fptr-pending-since").stringValue()), "waiting since the first look");
        makeVisible(third);

        SIM.advanceClock(Duration.ofSeconds(31));   // FPTR has made the thumbnail
        Batch look3 = deliverBatch();

        assertEquals(List.of(), look3.failures());
        assertArrayEquals(upload, read("thumbnails/70/Note/7004/original.png"));
        assertEquals(List.of(), receive(QUEUE_URL), "done");
        assertEquals(List.of(), receive(DLQ_URL), "three receives (the redrive policy's maximum), none dead-lettered");
        List<JsonNode> resent = aws.calls("AmazonSQS.SendMessage");
        assertEquals(List.of(1, 1), resent.stream().map(r -> r.get("DelaySeconds").asInt()).toList(), "pending-min-delay");
    }

    @Test
    void aJobThatWaitedLongerThanPendingMaxWaitIsGivenUpAndAcknowledged() throws Exception {
        SIM.upload("notes", 7004, "image", "fresh.png", "image/png", png(40, 30));
        String delivery = aDelivery();
        long longAgo = clock.instant().minus(Duration.ofMinutes(31)).toEpochMilli();
        send(job("Note", 7004, "original", delivery), Map.of("fptr-pending-since", longAgo, "fptr-pending-checks", 9L));

        try (LogCapture log = LogCapture.start()) {
            Batch batch = deliverBatch();
            assertEquals(List.of(), batch.failures());
            assertTrue(log.all().contains("gave up"), log.all());
        }
        assertEquals(List.of(), receive(QUEUE_URL));
        assertEquals(List.of(), aws.calls("AmazonSQS.SendMessage"), "not sent again");
        JsonNode ack = acknowledgement(delivery);
        assertEquals("gave_up", ack.get("status").asText(), ack.toString());
        assertTrue(ack.get("error").asText().contains("after 31 min"), ack.toString());
    }

    @Test
    void fptrUnavailableLeavesTheJobUntilAfterItsRetryAfter() {
        // Longer than fptr.max-retry-after (2 s in tests): the client passes it on at once instead of waiting.
        SIM.fault(Map.of("method", "GET", "path", "/entity/Note/7001$", "status", 503, "retry_after", "4", "times", 20));
        String id = send(job("Note", 7001, "original", null));

        Batch batch = deliverBatch();

        assertEquals(List.of(id), batch.failures());
        assertEquals(List.of("4"), visibilities(), "visible again after FPTR's Retry-After (above retry-min-delay's 1 s)");
        assertEquals(List.of(), receive(QUEUE_URL), "not visible before it");
        SIM.clearFaults();
        Message back = awaitMessage(QUEUE_URL, Duration.ofSeconds(8));
        assertEquals(id, back.messageId());
        makeVisible(back);
        assertEquals(List.of(), deliverBatch().failures());
        assertObjectExists(KEY_7001);
    }

    @Test
    void aJobThatKeepsFailingBacksOffAndReachesTheDeadLetterQueueAfterMaxReceiveCount() {
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "status", 503, "times", 1000));
        String id = send(job("Note", 7001, "original", null));

        List<Batch> batches = new ArrayList<>();
        for (int i = 0; i < MotoTestResource.MAX_RECEIVE_COUNT; i++) {
            batches.add(deliverBatch(Duration.ofSeconds(6)));
        }

        assertTrue(batches.stream().allMatch(b -> b.failures().equals(List.of(id))), batches.toString());
        assertEquals(List.of("1", "2", "2"), visibilities(), "retry-min-delay, doubling, up to retry-max-delay");
        Message dead = deadLettered(Duration.ofSeconds(6));
        assertTrue(dead.body().contains("\"entity_id\":7001"), dead.body());
        assertNoObject(KEY_7001);
    }

    @Test
    void aMessageThatIsNoJobReachesTheDeadLetterQueueWithinSeconds() {
        send("not json at all");
        for (int i = 0; i < MotoTestResource.MAX_RECEIVE_COUNT; i++) {
            assertEquals(1, deliverBatch().failures().size());
        }
        assertEquals("not json at all", deadLettered(Duration.ofSeconds(3)).body());
        assertEquals(List.of(), receive(QUEUE_URL));
    }

    @Test
    void outcomesAreAcknowledgedOnTheDeliveryTheJobCameFrom() throws Exception {
        String copiedDelivery = aDelivery();
        String goneDelivery = aDelivery();
        send(job("Note", 7001, "original", copiedDelivery));
        send(job("Note", 7004, "original", goneDelivery));
        send(job("Note", 7001, "thumbnail", "00000000-0000-4000-8000-000000000000"));   // FPTR knows no such delivery

        try (LogCapture log = LogCapture.start()) {
            assertEquals(List.of(), deliverBatch().failures(), "a failed acknowledgement never fails the job");
            assertTrue(log.all().contains("not acknowledged on FPTR's delivery 00000000-0000-4000-8000-000000000000"), log.all());
        }

        JsonNode copied = acknowledgement(copiedDelivery);
        assertEquals("Note/7001", copied.get("entity").asText());
        assertEquals("original", copied.get("variant").asText());
        assertEquals("copied", copied.get("status").asText());
        assertEquals(BUCKET, copied.get("bucket").asText());
        assertEquals(KEY_7001, copied.get("key").asText());
        assertEquals(read(KEY_7001).length, copied.get("size").asLong());
        JsonNode gone = acknowledgement(goneDelivery);
        assertEquals("gone", gone.get("status").asText());
        assertEquals("Note 7004 has no image.", gone.get("error").asText());
        assertObjectExists("thumbnails/70/Note/7001/thumbnail.jpg");
    }

    @Test
    void aJobDeliveredTwiceCopiesOnceAndTheSecondIsUnchanged() throws Exception {
        // SQS delivers at least once, and FPTR may send one event twice: the second copy finds the object from the
        // same source and writes nothing, in the same batch and in a later one (a redelivered message).
        String first = aDelivery();
        String second = aDelivery();
        String third = aDelivery();
        send(job("Note", 7001, "original", first));
        send(job("Note", 7001, "original", second));
        assertEquals(List.of(), deliverBatch().failures());
        String etag = s3.headObject(b -> b.bucket(BUCKET).key(KEY_7001)).eTag();
        java.time.Instant written = s3.headObject(b -> b.bucket(BUCKET).key(KEY_7001)).lastModified();
        Thread.sleep(1100);   // S3's Last-Modified has whole seconds
        send(job("Note", 7001, "original", third));
        assertEquals(List.of(), deliverBatch().failures());

        assertEquals(List.of("copied", "unchanged", "unchanged"),
                List.of(acknowledgement(first).get("status").asText(), acknowledgement(second).get("status").asText(),
                        acknowledgement(third).get("status").asText()));
        assertEquals(etag, s3.headObject(b -> b.bucket(BUCKET).key(KEY_7001)).eTag());
        assertEquals(written, s3.headObject(b -> b.bucket(BUCKET).key(KEY_7001)).lastModified(), "not written again");
        assertArrayEquals(SIM.download(SIM.location("notes", 7001, "original")), read(KEY_7001));
    }

    @Test
    void aCopyIsNotStartedWithTooLittleTimeLeftAndGoesBackWithoutCounting() {
        send(job("Note", 7001, "original", null), Map.of("fptr-pending-checks", 2L));
        Message m = awaitMessage(QUEUE_URL, Duration.ofSeconds(2));
        SIM.clearRequests();

        List<String> stay = worker.run(List.of(jobMessage(m)), Deadline.in(Duration.ofMillis(1900)));

        assertEquals(List.of(), stay, "sent again, so the old message is done");
        assertEquals(List.of(), SIM.requests(null, "/api/.*"), "nothing was asked of FPTR");
        assertNoObject(KEY_7001);
        Message again = awaitMessage(QUEUE_URL, Duration.ofSeconds(2));
        assertEquals(m.body(), again.body());
        assertEquals("1", again.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
        assertEquals("2", again.messageAttributes().get("fptr-pending-checks").stringValue(), "its attributes go with it");
    }

    @Test
    void aTimeoutBelowMinTimeLeftFailsTheBatchOnTheQueueInsteadOfSendingItAgainForEver() {
        // an invocation starts with Lambda's whole Timeout: less than min-time-left then is a setting, not a late job
        send(job("Note", 7001, "original", null));
        Message m = awaitMessage(QUEUE_URL, Duration.ofSeconds(2));
        SIM.clearRequests();

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> handler.handleRequest(SqsEvents.of(m, MotoTestResource.JOB_QUEUE), TestLambdaContext.withRemaining(1900)));

        assertTrue(e.getMessage().contains("fptr.thumbnail-worker.min-time-left"), e.getMessage());
        assertEquals(List.of(), receive(QUEUE_URL), "not sent again with its receive count reset: it stays in flight");
        assertEquals(List.of(), SIM.requests(null, "/api/.*"), "nothing was asked of FPTR");
    }

    @Test
    void aSlowFptrEndsAsThatJobsFailureWithinTheBatchsDeadline() {
        // FPTR answers the entity read after 6 s; the batch has 3 s (above min-time-left's 2 s), so the read is cut
        SIM.fault(Map.of("method", "GET", "path", "/entity/Note/7001$", "latency_ms", 6000, "times", 5));
        send(job("Note", 7001, "original", null));
        Message m = awaitMessage(QUEUE_URL, Duration.ofSeconds(2));

        long started = System.nanoTime();
        List<String> stay = worker.run(List.of(jobMessage(m)), Deadline.in(Duration.ofSeconds(3)));
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertEquals(List.of(m.messageId()), stay, "failed: left on the queue for a later try");
        // the count shows the cut whatever the load: two 1.5 s attempts fill the 3 s, where a read not held to the
        // deadline makes all four (6 s); the clock allows 2.5 s past the deadline for leaving the job on the queue
        int reads = SIM.requests("GET", ".*/entity/Note/7001$").size();
        assertTrue(reads >= 1 && reads <= 2, "FPTR was asked at most twice within the 3 s: " + reads);
        assertTrue(tookMs < 3000 + 2500, "the job stopped at the deadline, not after FPTR's 6 s: " + tookMs + " ms");
        assertNoObject(KEY_7001);
    }

    @Test
    void aDeliveryIdThatCouldNameAnotherFptrPathIsNoJob() {
        for (String id : List.of("..", ".", "a/b", "x?y", "d".repeat(129))) {
            JobReader.NotAJob e = assertThrows(JobReader.NotAJob.class,
                    () -> reader.read("{\"entity_type\":\"Note\",\"entity_id\":7001,\"delivery_id\":\"" + id + "\"}"), id);
            assertTrue(e.getMessage().contains("delivery_id"), e.getMessage());
        }
        String uuid = "3a5de4ee-8f05-4eac-b537-611e845352fc";
        assertEquals(uuid, reader.read("{\"entity_type\":\"Note\",\"entity_id\":7001,\"delivery_id\":\"" + uuid + "\"}").deliveryId());
    }

    @Test
    void aBodyTooLargeToBeAJobIsNoJobAndLongTextsAreNotKept() {
        JobReader.NotAJob e = assertThrows(JobReader.NotAJob.class,
                () -> reader.read("{\"entity_type\":\"Note\",\"entity_id\":7001,\"pad\":\"" + "x".repeat(20_000) + "\"}"));
        assertTrue(e.getMessage().contains("at most " + JobReader.MAX_BODY_CHARS), e.getMessage());
        ThumbnailJob job = reader.read("{\"entity_type\":\"Note\",\"entity_id\":7001,\"source\":\"" + "s".repeat(5000) + "\"}");
        assertNull(job.source(), "a 5000-character source would go into every log line about the job");
        assertEquals(7001, job.entityId());
    }

    @Test
    void respondAsyncAnswers202AndTheWorkerMakesTheCopy() throws IOException {
        ApiGatewayEvents put = ApiGatewayEvents.route("PUT /v1/entities/{type}/{id}/thumbnail", "/v1/entities/notes/7001/thumbnail")
                .pathParameter("type", "notes").pathParameter("id", "7001").header("prefer", "respond-async");

        Answer answer = put.invoke("thumbnail");

        assertEquals(202, answer.status(), answer::toString);
        assertEquals("respond-async", answer.header("Preference-Applied"));
        JsonNode body = answer.body();
        assertEquals("queued", body.get("status").asText());
        assertEquals("Note", body.get("entity_type").asText(), "the schema name, not the slug");
        assertNoObject(KEY_7001);

        assertEquals(List.of(), deliverBatch().failures());
        assertArrayEquals(SIM.download(SIM.location("notes", 7001, "original")), read(KEY_7001));
    }

    @Test
    void withoutItsQueueAndTableTheWorkerFailsTheWholeBatchSoNoJobIsLost() {
        ThumbnailWorkerConfig unset = (ThumbnailWorkerConfig) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {ThumbnailWorkerConfig.class},
                (proxy, method, args) -> method.getReturnType() == java.util.Optional.class ? java.util.Optional.empty() : null);
        ThumbnailWorker unconfigured = new ThumbnailWorker();
        unconfigured.config = unset;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> unconfigured.run(List.of(), Deadline.in(Duration.ofMinutes(5))));
        assertTrue(e.getMessage().contains("FPTR_THUMBNAIL_WORKER_QUEUE_URL"), e.getMessage());
    }

    // ---- Lambda's event source, for these tests ---------------------------------------------------------------

    /** One invocation: the messages it carried and the ones its answer reported as failed. */
    record Batch(List<String> messageIds, List<String> failures) {
    }

    private Batch deliverBatch() {
        return deliverBatch(Duration.ofSeconds(2));
    }

    /**
     * Receives what is visible (waiting up to {@code wait} for the first message), invokes the function with
     * the SQS event Lambda builds, and deletes every message not in its {@code batchItemFailures}.
     */
    private Batch deliverBatch(Duration wait) {
        List<Message> messages = new ArrayList<>(List.of(awaitMessage(QUEUE_URL, wait)));
        messages.addAll(receive(QUEUE_URL));
        List<String> failures = new ArrayList<>();
        failures.addAll(SqsEvents.failures(handler.handleRequest(SqsEvents.of(messages, MotoTestResource.JOB_QUEUE),
                TestLambdaContext.invocation("thumbnail-worker"))));
        for (Message m : messages) {
            if (!failures.contains(m.messageId())) {
                sqs.deleteMessage(b -> b.queueUrl(QUEUE_URL).receiptHandle(m.receiptHandle()));
            }
        }
        return new Batch(messages.stream().map(Message::messageId).toList(), failures);
    }

    private Message awaitMessage(String queueUrl, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        do {
            List<Message> got = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(1).waitTimeSeconds(1)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL).messageAttributeNames("All")).messages();
            if (!got.isEmpty()) {
                return got.get(0);
            }
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no message on " + queueUrl + " within " + wait);
    }

    /**
     * The message the redrive policy moved to the dead-letter queue. SQS (and moto) move it when a receive finds
     * its count past maxReceiveCount, so this keeps receiving on the job queue, as Lambda's pollers do.
     */
    private Message deadLettered(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        do {
            List<Message> back = sqs.receiveMessage(b -> b.queueUrl(QUEUE_URL).waitTimeSeconds(1)).messages();
            assertEquals(List.of(), back, "received again after maxReceiveCount receives");
            List<Message> dead = receive(DLQ_URL);
            if (!dead.isEmpty()) {
                return dead.get(0);
            }
        } while (System.nanoTime() < deadline);
        throw new AssertionError("nothing reached the dead-letter queue within " + wait);
    }

    /** Whatever is visible now (received: invisible for the queue's 30 s unless given back). */
    private List<Message> receive(String queueUrl) {
        return sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL).messageAttributeNames("All")).messages();
    }

    /** Gives a message the test received back to the queue, as if it had not looked. */
    private void makeVisible(Message m) {
        sqs.changeMessageVisibility(b -> b.queueUrl(QUEUE_URL).receiptHandle(m.receiptHandle()).visibilityTimeout(0));
    }

    /** The visibility timeouts the worker set, in order. */
    private List<String> visibilities() {
        return aws.calls("AmazonSQS.ChangeMessageVisibility").stream().map(c -> c.get("VisibilityTimeout").asText()).toList();
    }

    private String send(String body) {
        return sqs.sendMessage(b -> b.queueUrl(QUEUE_URL).messageBody(body)).messageId();
    }

    private String send(String body, Map<String, Long> attributes) {
        Map<String, MessageAttributeValue> values = new java.util.HashMap<>();
        attributes.forEach((k, v) -> values.put(k, MessageAttributeValue.builder().dataType("Number").stringValue(v.toString()).build()));
        return sqs.sendMessage(b -> b.queueUrl(QUEUE_URL).messageBody(body).messageAttributes(values)).messageId();
    }

    private static String job(String type, long id, String variant, String deliveryId) {
        ObjectNode job = JSON.createObjectNode().put("entity_type", type).put("entity_id", id).put("variant", variant)
                .put("source", deliveryId == null ? "http" : "webhook");
        if (deliveryId != null) {
            job.put("delivery_id", deliveryId);
        }
        return job.toString();
    }

    private static JobMessage jobMessage(Message m) {
        Map<String, String> attributes = new java.util.HashMap<>();
        m.messageAttributes().forEach((k, v) -> attributes.put(k, v.stringValue()));
        return new JobMessage(m.messageId(), m.receiptHandle(), m.body(),
                Integer.parseInt(m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)), attributes);
    }

    // ---- FPTR deliveries ------------------------------------------------------------------------------------

    /** The id of a real delivery on the simulator (a Note update delivered to a loopback receiver that answers 200). */
    private String aDelivery() throws IOException, InterruptedException {
        BlockingQueue<String> ids = new LinkedBlockingQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", ex -> {
            ex.getRequestBody().readAllBytes();
            ids.add(ex.getRequestHeaders().getFirst("x-sg-delivery-id"));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        try {
            String hook = SIM.postJson("/api/v1.1/webhook/hooks", "{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort()
                    + "/hook\",\"entity_types\":{\"Note\":{\"update\":[\"subject\"]}}}").json().at("/data/id").asText();
            SIM.put("/api/v1.1/entity/notes/7002", "{\"subject\":\"delivery " + UUID.randomUUID() + "\"}");
            String id = ids.poll(10, TimeUnit.SECONDS);
            assertNotNull(id, "the simulator delivered");
            SIM.delete("/api/v1.1/webhook/hooks/" + hook);
            return id;
        } finally {
            receiver.stop(0);
        }
    }

    private static JsonNode acknowledgement(String deliveryId) throws IOException {
        JsonNode delivery = SIM.get("/api/v1.1/webhook/deliveries/" + deliveryId).json().get("data");
        assertTrue(delivery.hasNonNull("acknowledgement"), "acknowledged: " + delivery);
        String ack = delivery.get("acknowledgement").asText();
        assertTrue(ack.length() <= 4096);
        return JSON.readTree(ack);
    }

    // ---- S3 and DynamoDB --------------------------------------------------------------------------------------

    private Map<String, AttributeValue> record(String key) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(TABLE).key(Map.of("pk", AttributeValue.fromS(key)))).item();
        return item == null || item.isEmpty() ? null : item;
    }

    private byte[] read(String key) {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(BUCKET).key(key))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void assertObjectExists(String key) {
        assertTrue(s3.headObject(b -> b.bucket(BUCKET).key(key)).contentLength() > 0, key);
    }

    private void assertNoObject(String key) {
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(b -> b.bucket(BUCKET).key(key)), key + " was not stored");
    }

    private static byte[] png(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(1, 1, 0xff8800);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
