package io.fptrfunctions.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.SecretsCanary;
import io.fptrfunctions.aws.MotoFaultProxy;
import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.fptr.TestClock;
import com.sun.net.httpserver.HttpServer;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.TestLambdaContext;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.fptrfunctions.telemetry.ConsoleLines;
import io.fptrfunctions.telemetry.EmfLines;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import javax.crypto.Mac;
import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.fptrfunctions.webhooks.FptrEvents.batch;
import static io.fptrfunctions.webhooks.FptrEvents.event;
import static io.fptrfunctions.webhooks.FptrEvents.imageUpdate;
import static io.fptrfunctions.webhooks.FptrEvents.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/webhooks/fptr}: API Gateway event → handler → moto's Secrets Manager, DynamoDB and SQS
 * over HTTP. Deliveries are FPTR-shaped (fptr-rest-notes §5) and signed here like FPTR signs them.
 */
@QuarkusTest
@TestProfile(WebhookFunctionProfile.class)
class WebhookFunctionTest {

    private static final SimAdmin SIM = FptrSimTestResource.admin();

    static final String SECRET = SecretsCanary.WEBHOOK_SECRET;
    static final String QUEUE_URL = MotoTestResource.queueUrl(MotoTestResource.WEBHOOK_QUEUE);
    static final String TABLE = MotoTestResource.WEBHOOK_TABLE;

    @Inject
    SqsClient sqs;

    @Inject
    DynamoDbClient dynamo;

    @Inject
    SecretsManagerClient secrets;

    @Inject
    TestClock clock;

    final MotoFaultProxy aws = MotoFaultProxy.get();

    @BeforeEach
    void cleanSlate() {
        aws.clear();
        sqs.purgeQueue(b -> b.queueUrl(QUEUE_URL));
        try {
            dynamo.createTable(b -> b.tableName(TABLE).billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(k -> k.attributeName("pk").keyType("HASH"))
                    .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S)));
        } catch (ResourceInUseException exists) {
            ledger().forEach(item -> dynamo.deleteItem(b -> b.tableName(TABLE).key(Map.of("pk", item.get("pk")))));
        }
        // one version only: a test's rotation must not find its "new" secret already kept as AWSPREVIOUS by an earlier one
        try {
            secrets.deleteSecret(b -> b.secretId(MotoTestResource.WEBHOOK_SECRET_ID).forceDeleteWithoutRecovery(true));
        } catch (ResourceNotFoundException none) {
            // the first test, or one that deleted it
        }
        putSecret(SECRET);
        clock.advance(Duration.ofMinutes(6));   // past the secret cache and the re-read interval
    }

    // ---- accepted -------------------------------------------------------------------------------------------

    @Test
    void anImageUpdateIsQueuedAsOneJobPerVariantAndRemembered() {
        ObjectNode e = imageUpdate("Note", 7001);
        Answer a = deliver(single(e));

        assertEquals(200, a.status(), a.body().toString());
        assertEquals("application/json", a.header("Content-Type"));
        assertEquals(FptrEvents.JSON.createObjectNode().put("accepted", 1).put("duplicates", 0).put("ignored", 0)
                .put("unreadable", 0), a.body());
        List<JsonNode> jobs = drainQueue();
        assertEquals(2, jobs.size(), jobs.toString());
        assertEquals(List.of("original", "thumbnail"), jobs.stream().map(j -> j.get("variant").asText()).sorted().toList());
        JsonNode job = jobs.get(0);
        assertEquals("Note", job.get("entity_type").asText());
        assertEquals(7001, job.get("entity_id").asLong());
        assertEquals(70, job.get("project_id").asLong());
        assertEquals("webhook", job.get("source").asText());
        assertEquals(e.get("delivery_id").asText(), job.get("delivery_id").asText());
        assertEquals(e.get("event_log_entry_id").asLong(), job.get("event_log_entry_id").asLong());
        assertEquals(FptrEvents.CREATED.toString(), job.get("event_time").asText());
        assertFalse(job.toString().contains("sg-media"), "the job never carries FPTR's new_value URL: " + job);

        Map<String, AttributeValue> seen = ledgerItem(e);
        assertEquals("queued", seen.get("status").s());
        long expiresIn = Long.parseLong(seen.get("expires_at").n()) - clock.instant().getEpochSecond();
        assertTrue(Math.abs(expiresIn - Duration.ofDays(7).toSeconds()) < 60, "TTL of 7 days: " + expiresIn);
        assertEquals(e.get("delivery_id").asText(), seen.get("delivery_id").s());
    }

    @Test
    void aBatchQueuesItsImageEventsAndIgnoresTheRest() {
        // an event FPTR cut to its 1 MB cap: no old_value/new_value, a warning key instead (its wording here is ours);
        // the receiver reads neither
        ObjectNode cut = imageUpdate("Note", 7001);
        ((ObjectNode) cut.get("meta")).remove(List.of("old_value", "new_value"));
        cut.put("warning", "The payload exceeded 1MB; old_value and new_value were removed.");
        byte[] body = batch(
                cut,
                event("create", "Version", 6001, null),
                event("revive", "Note", 7002, null),
                event("update", "Note", 7003, "content"),
                imageUpdate("Shot", 1001),
                event("delete", "Note", 7004, null),
                FptrEvents.statusChange());

        Answer a = deliver(body, Map.of("x-sg-event-batch-size", "7"), false);

        assertEquals(200, a.status(), a.body().toString());
        assertEquals(3, a.body().get("accepted").asInt());
        assertEquals(0, a.body().get("duplicates").asInt());
        assertEquals(4, a.body().get("ignored").asInt());
        assertEquals(List.of("Note/7001", "Note/7002", "Version/6001"), entities(drainQueue()));
        assertEquals(3, ledger().size(), "only queued events are remembered");
    }

    @Test
    void aBase64BodyIsVerifiedOverItsDecodedBytes() {
        ObjectNode e = imageUpdate("Note", 7001);
        ((ObjectNode) e.get("user")).put("name", "Zoë Ørsted 東京");   // bytes beyond ASCII: the raw bytes are signed
        Answer a = deliver(single(e), Map.of(), true);

        assertEquals(200, a.status(), a.body().toString());
        assertEquals(1, a.body().get("accepted").asInt());
        assertEquals(2, drainQueue().size());
    }

    // ---- logs and metrics -----------------------------------------------------------------------------------

    @Test
    void eachDeliveryCountsItsOutcomesInOneMetricsLineAndItsLinesCarryFptrsDeliveryId() {
        ObjectNode image = imageUpdate("Note", 7001);
        String deliveryId = "5c4e8a1b-2d3f-4a6b-9c8d-7e6f5a4b3c2d";
        JsonNode first;
        List<ConsoleLines.Record> records;
        try (EmfLines emf = EmfLines.capture(); ConsoleLines console = ConsoleLines.capture()) {
            Answer a = deliver(batch(image, event("update", "Note", 7003, "content")), Map.of("x-sg-delivery-id", deliveryId), false);
            assertEquals(200, a.status(), a.body().toString());
            first = emf.only();
            records = console.records();
        }
        assertEquals("webhook", first.get("Function").asText());
        assertEquals(1, EmfLines.value(first, "WebhookAccepted"), first.toString());
        assertEquals(1, EmfLines.value(first, "WebhookIgnored"), first.toString());
        assertEquals(0, EmfLines.value(first, "WebhookDuplicates"), first.toString());
        ConsoleLines.Record summary = records.stream().filter(r -> r.message().startsWith("delivery ")).findFirst().orElseThrow();
        assertEquals(deliveryId, summary.mdc().get("delivery_id"), summary.toString());
        ConsoleLines.Record access = records.stream().filter(r -> r.logger().equals("io.fptrfunctions.access")).findFirst().orElseThrow();
        assertEquals(deliveryId, access.mdc().get("delivery_id"), access.toString());
        assertEquals("200", access.mdc().get("status"), access.toString());

        JsonNode again = EmfLines.of(() -> deliver(single(image)));
        assertEquals(1, EmfLines.value(again, "WebhookDuplicates"), again.toString());
        assertEquals(0, EmfLines.value(again, "WebhookAccepted"), again.toString());

        String forgedId = "0f0f0f0f-dead-4bad-beef-0f0f0f0f0f0f";
        try (EmfLines emf = EmfLines.capture(); ConsoleLines console = ConsoleLines.capture()) {
            byte[] body = single(imageUpdate("Note", 7002));
            assertProblem(deliver(body, Map.of("x-sg-signature", sign("not-our-secret", body), "x-sg-delivery-id", forgedId), false),
                    401, "forged");
            JsonNode refused = emf.only();
            assertEquals(1, EmfLines.value(refused, "WebhookRefused"), refused.toString());
            assertTrue(console.records().stream().noneMatch(r -> forgedId.equals(r.mdc().get("delivery_id"))),
                    "an unverified delivery's id is not taken into the lines: " + console.records());
        }
    }

    // ---- refused --------------------------------------------------------------------------------------------

    @Test
    void unsignedForgedAndMalformedSignaturesAre401AndQueueNothing() {
        byte[] body = single(imageUpdate("Note", 7001));
        String good = sign(SECRET, body).substring("sha1=".length());
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("forged", sign("not-our-secret", body));
        cases.put("another body's", sign(SECRET, single(imageUpdate("Note", 7002))));
        cases.put("sha256 prefix", "sha256=" + good);
        cases.put("no prefix", good);
        cases.put("not hex", "sha1=" + "zz" + good.substring(2));
        cases.put("short", "sha1=" + good.substring(2));
        cases.put("empty", "");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Answer a = deliver(body, Map.of("x-sg-signature", c.getValue()), false);
            assertProblem(a, 401, c.getKey());
        }
        Answer unsigned = post(ApiGatewayEvents.route("POST /v1/webhooks/fptr", "/v1/webhooks/fptr")
                .body(new String(body, StandardCharsets.UTF_8)));
        assertProblem(unsigned, 401, "unsigned");
        assertTrue(unsigned.body().get("detail").asText().contains("X-SG-SIGNATURE"), unsigned.body().toString());

        assertEquals(List.of(), drainQueue());
        assertEquals(List.of(), ledger());
    }

    @Test
    void aBodyOverSixMegabytesIs413EvenWhenSigned() {
        ObjectNode e = imageUpdate("Note", 7001);
        e.put("padding", "x".repeat(6 * 1024 * 1024));
        Answer a = deliver(single(e));

        assertProblem(a, 413, "oversized");
        assertEquals(List.of(), drainQueue());
    }

    @Test
    void aBatchOverOneMegabyteOfEventsUnderItIsRead() {
        // FPTR's 1 MB is per event: 50 updates of a long text field, each well under it, make a body of about 2 MB
        ObjectNode[] events = new ObjectNode[50];
        for (int i = 0; i < events.length; i++) {
            events[i] = event("update", "Note", 7100 + i, "content");
            ((ObjectNode) events[i].get("meta")).put("old_value", "o".repeat(20_000)).put("new_value", "n".repeat(20_000));
        }
        events[49] = imageUpdate("Note", 7001);
        byte[] body = batch(events);
        assertTrue(body.length > 1024 * 1024, body.length + " bytes");

        Answer a = deliver(body, Map.of("x-sg-event-batch-size", "50"), false);

        assertEquals(200, a.status(), a.body().toString());
        assertEquals(1, a.body().get("accepted").asInt(), a.body().toString());
        assertEquals(49, a.body().get("ignored").asInt(), a.body().toString());
        assertEquals(List.of("Note/7001"), entities(drainQueue()));
    }

    @Test
    void aSlowDynamoDbIsA503BeforeTheDeadlineWithNothingQueuedOrClaimed() {
        // Lambda gives 3.5 s, the function keeps 1 s back; each claim takes 1.8 s, and a claim that could not be
        // released again in time is not made: the delivery is a 503 at about 1.8 s, not a timeout at 3.7 s.
        aws.slow(Duration.ofMillis(1800), "DynamoDB_20120810.PutItem");
        Timed slow = deliverWithin(3500, batch(imageUpdate("Note", 7001), imageUpdate("Note", 7002)), SECRET);
        assertEquals(503, slow.answer().status(), slow.answer()::toString);
        assertTrue(slow.millis() < 2500, "answered after " + slow.millis() + " ms");
        aws.clear();
        assertEquals(List.of(), drainQueue());
        assertEquals(List.of(), ledger(), "the claim made was released");
    }

    @Test
    void aSlowSqsLeavesTimeToReleaseTheClaimsSoTheRedeliveryIsQueuedNotCountedAsADuplicate() throws InterruptedException {
        // Lambda gives 2.5 s, the function keeps 1 s back; SQS answers after 3 s. Cut short at the deadline, the send
        // would leave no time to release the claims, and FPTR's redelivery within the lease would be a "duplicate".
        aws.slow(Duration.ofSeconds(3), "AmazonSQS.SendMessageBatch");
        byte[] body = batch(imageUpdate("Note", 7001), imageUpdate("Note", 7002));

        Timed slow = deliverWithin(2500, body, SECRET);

        long millis = slow.millis();
        assertEquals(503, slow.answer().status(), slow.answer()::toString);
        assertTrue(millis < 2500, "answered before Lambda's timeout, after " + millis + " ms");
        aws.clear();
        assertEquals(List.of(), ledger(), "the claims were released");
        Thread.sleep(Math.max(0, 3500 - millis));   // the proxy passes the slow call on to moto after 3 s: SQS took it late
        drainQueue();

        Answer redelivered = deliver(body);
        assertEquals(200, redelivered.status(), redelivered.body().toString());
        assertEquals(2, redelivered.body().get("accepted").asInt(), "queued, not dropped as duplicates: " + redelivered.body());
        assertEquals(4, drainQueue().size());
    }

    /** An answer, and how long the function took to give it. */
    private record Timed(Answer answer, long millis) {
    }

    /** Delivers the body signed with {@code key}, Lambda giving the invocation {@code remainingMillis}. */
    private static Timed deliverWithin(long remainingMillis, byte[] body, String key) {
        ApiGatewayEvents event = ApiGatewayEvents.route("POST /v1/webhooks/fptr", "/v1/webhooks/fptr")
                .header("x-sg-signature", sign(key, body)).body(new String(body, StandardCharsets.UTF_8));
        long started = System.nanoTime();
        Answer answer = event.invoke(WebhookHandler.FUNCTION, TestLambdaContext.withRemaining(remainingMillis));
        return new Timed(answer, (System.nanoTime() - started) / 1_000_000);
    }

    @Test
    void aDeliveryIdThatIsNoFptrIdIsA400NamingWhereItCame() {
        Answer header = deliver(single(imageUpdate("Note", 7001)), Map.of("x-sg-delivery-id", "d".repeat(129)), false);
        assertProblem(header, 400, "long delivery id header");
        assertEquals("X-SG-Delivery-Id:", header.body().path("pointer").asText());

        ObjectNode e = imageUpdate("Note", 7001);
        e.put("delivery_id", "not a delivery id\n");
        assertProblem(deliver(single(e)), 400, "delivery_id in the body");
        // a dot segment would make the worker's acknowledgement PUT /webhook/deliveries/.. : another FPTR path
        assertProblem(deliver(single(imageUpdate("Note", 7001)), Map.of("x-sg-delivery-id", ".."), false), 400, "dot segment header");
        e.put("delivery_id", "..");
        assertProblem(deliver(single(e)), 400, "dot segment in the body");
        assertEquals(List.of(), drainQueue());
    }

    @Test
    void aSignedBodyThatIsNotAnFptrDeliveryIs400() {
        ObjectNode noEntityId = imageUpdate("Note", 7001);
        ((ObjectNode) noEntityId.get("entity")).remove("id");
        ((ObjectNode) noEntityId.get("meta")).remove("entity_id");
        ObjectNode[] tooMany = new ObjectNode[51];
        for (int i = 0; i < tooMany.length; i++) {
            tooMany[i] = imageUpdate("Note", 7001);
        }
        // each case with the pointer its problem names ("" the body as a whole), as every function's 400s do
        Map<String, Map.Entry<byte[], String>> cases = new LinkedHashMap<>();
        cases.put("not JSON", Map.entry("{\"data\":".getBytes(StandardCharsets.UTF_8), ""));
        cases.put("an array", Map.entry("[]".getBytes(StandardCharsets.UTF_8), ""));
        cases.put("no data", Map.entry("{\"timestamp\":\"2026-11-25T04:00:02Z\"}".getBytes(StandardCharsets.UTF_8), ""));
        cases.put("data not an object", Map.entry("{\"data\":1}".getBytes(StandardCharsets.UTF_8), "/data"));
        cases.put("empty batch", Map.entry("{\"data\":{\"deliveries\":[]}}".getBytes(StandardCharsets.UTF_8), "/data/deliveries"));
        cases.put("51 in a batch", Map.entry(batch(tooMany), "/data/deliveries"));
        cases.put("batch of numbers", Map.entry("{\"data\":{\"deliveries\":[1]}}".getBytes(StandardCharsets.UTF_8), "/data/deliveries/0"));
        cases.put("no event_type", Map.entry("{\"data\":{\"id\":\"1.0.0\",\"entity\":{\"type\":\"Note\",\"id\":7001}}}"
                .getBytes(StandardCharsets.UTF_8), "/data/event_type"));
        cases.put("image event without an entity id", Map.entry(single(noEntityId), "/data/entity/id"));
        cases.put("a batch of which nothing can be read", Map.entry(batch(noEntityId, FptrEvents.JSON.createObjectNode()
                .put("delivery_id", UUID.randomUUID().toString())), "/data/deliveries/0/entity/id"));
        for (Map.Entry<String, Map.Entry<byte[], String>> c : cases.entrySet()) {
            Answer a = deliver(c.getValue().getKey());
            assertProblem(a, 400, c.getKey());
            assertEquals(c.getValue().getValue(), a.body().path("pointer").asText(null), c.getKey() + ": " + a.body());
        }
        assertEquals(List.of(), drainQueue());
        assertEquals(List.of(), ledger());
    }

    @Test
    void aBatchQueuesItsGoodEventsAndCountsTheOnesItCannotReadWithALogLineEachAndNoPayloadValue() {
        ObjectNode noEntityId = imageUpdate("Note", 7002);
        ((ObjectNode) noEntityId.get("entity")).remove("id");
        ((ObjectNode) noEntityId.get("meta")).remove("entity_id");
        ((ObjectNode) noEntityId.get("meta")).put("new_value", "https://sg-media.example/payload-value.png");
        ObjectNode noEventType = imageUpdate("Note", 7003);
        noEventType.remove("event_type");
        ObjectNode badDeliveryId = imageUpdate("Note", 7004);
        badDeliveryId.put("delivery_id", "not a delivery id");
        ObjectNode good = imageUpdate("Note", 7001);
        byte[] body = batch(good, noEntityId, noEventType, badDeliveryId, event("update", "Note", 7005, "content"));

        Answer a;
        List<ConsoleLines.Record> records;
        try (ConsoleLines console = ConsoleLines.capture()) {
            a = deliver(body);
            records = console.records();
        }

        assertEquals(200, a.status(), a.body().toString());
        assertEquals(FptrEvents.JSON.createObjectNode().put("accepted", 1).put("duplicates", 0).put("ignored", 1)
                .put("unreadable", 3), a.body());
        assertEquals(List.of("Note/7001"), entities(drainQueue()));
        assertEquals(List.of(EventLedger.key(eventOf(good))), ledger().stream().map(i -> i.get("pk").s()).toList(),
                "nothing unreadable is marked seen");
        List<String> warnings = records.stream().filter(r -> r.logger().equals(WebhookService.class.getName())
                && r.message().contains("could not be read")).map(ConsoleLines.Record::message).toList();
        assertEquals(3, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("event 1 (event_log_entry_id " + noEntityId.get("event_log_entry_id").asLong()
                + ", delivery_id " + noEntityId.get("delivery_id").asText() + ")"), warnings.get(0));
        assertTrue(warnings.get(0).contains("/data/deliveries/1/entity/id"), warnings.get(0));
        assertTrue(warnings.get(1).contains("/data/deliveries/2/event_type"), warnings.get(1));
        assertTrue(warnings.get(2).contains("delivery_id -)") && warnings.get(2).contains("/data/deliveries/3/delivery_id"),
                "a delivery_id that is no FPTR id is not logged: " + warnings.get(2));
        assertTrue(warnings.stream().noneMatch(w -> w.contains("sg-media") || w.contains("not a delivery id")),
                "no value of the payload in the log: " + warnings);

        Answer again = deliver(body);
        assertEquals(FptrEvents.JSON.createObjectNode().put("accepted", 0).put("duplicates", 1).put("ignored", 1)
                .put("unreadable", 3), again.body(), "the unreadable ones are counted again, never as duplicates");
    }

    @Test
    void aBatchsEventsWithoutIdsOfTheirOwnAreNotTakenForOneAnother() {
        // neither an event log entry id nor a delivery id of their own: each is known by the request's delivery id
        // and its place in the batch, not by the request's id alone (which all of them share)
        ObjectNode first = imageUpdate("Note", 7001);
        ObjectNode second = imageUpdate("Note", 7002);
        for (ObjectNode e : List.of(first, second)) {
            e.remove("event_log_entry_id");
            e.remove("delivery_id");
        }
        byte[] body = batch(first, second);
        Map<String, String> headers = Map.of("x-sg-delivery-id", UUID.randomUUID().toString(), "x-sg-event-batch-size", "2");

        Answer a = deliver(body, headers, false);

        assertEquals(200, a.status(), a.body().toString());
        assertEquals(2, a.body().get("accepted").asInt(), a.body().toString());
        assertEquals(List.of("Note/7001", "Note/7002"), entities(drainQueue()));
        Answer redelivered = deliver(body, headers, false);
        assertEquals(0, redelivered.body().get("accepted").asInt(), redelivered.body().toString());
        assertEquals(2, redelivered.body().get("duplicates").asInt(), redelivered.body().toString());
    }

    // ---- duplicates and ignored events ----------------------------------------------------------------------

    @Test
    void theSameDeliveryTwiceIsQueuedOnce() {
        byte[] body = single(imageUpdate("Note", 7001));
        assertEquals(1, deliver(body).body().get("accepted").asInt());

        Answer again = deliver(body);

        assertEquals(200, again.status());
        assertEquals(0, again.body().get("accepted").asInt());
        assertEquals(1, again.body().get("duplicates").asInt());
        assertEquals(2, drainQueue().size(), "one job per variant, once");
    }

    @Test
    void theSameEventInTwoBatchesIsQueuedOnce() {
        ObjectNode first = imageUpdate("Note", 7001);
        ObjectNode shared = imageUpdate("Note", 7002);
        ObjectNode last = imageUpdate("Version", 6001);
        assertEquals(2, deliver(batch(first, shared)).body().get("accepted").asInt());

        Answer second = deliver(batch(shared, last, last));   // also twice in one batch

        assertEquals(1, second.body().get("accepted").asInt());
        assertEquals(2, second.body().get("duplicates").asInt());
        assertEquals(List.of("Note/7001", "Note/7002", "Version/6001"), entities(drainQueue()));
    }

    @Test
    void eventsThatCannotChangeAnImageAreAnswered200AndIgnored() {
        ObjectNode login = FptrEvents.JSON.createObjectNode().put("event_type", "Shotgun_User_Login")
                .put("event_log_entry_id", 12).put("delivery_id", UUID.randomUUID().toString());
        login.putObject("entity").put("type", "HumanUser").put("id", 88);
        for (byte[] body : List.of(single(event("update", "Note", 7001, "sg_status_list")), single(imageUpdate("Shot", 1001)),
                single(event("delete", "Version", 6001, null)), single(FptrEvents.statusChange()), single(login),
                batch(event("create", "Asset", 1227, null), event("update", "Version", 6001, "description")))) {
            Answer a = deliver(body);
            assertEquals(200, a.status(), a.body().toString());
            assertEquals(0, a.body().get("accepted").asInt());
            assertTrue(a.body().get("ignored").asInt() >= 1, a.body().toString());
        }
        assertEquals(List.of(), drainQueue());
        assertEquals(List.of(), ledger(), "ignored events cost no DynamoDB write");
    }

    // ---- secret rotation -------------------------------------------------------------------------------------

    @Test
    void duringARotationTheCurrentAndThePreviousSecretVerify() {
        assertEquals(200, deliver(single(imageUpdate("Note", 7000))).status(), "the function has read SECRET");
        putSecret(SecretsCanary.webhookSecret(2));   // AWSCURRENT = new, AWSPREVIOUS = SECRET; the function still has SECRET cached

        assertEquals(200, deliver(single(imageUpdate("Note", 7001)), SecretsCanary.webhookSecret(2)).status(),
                "an unknown signature re-reads the secret once");
        assertEquals(200, deliver(single(imageUpdate("Note", 7002)), SECRET).status(), "the previous version still verifies");

        putSecret(SecretsCanary.webhookSecret(3));
        assertEquals(401, deliver(single(imageUpdate("Note", 7003)), SecretsCanary.webhookSecret(3)).status(),
                "re-read at most once per fptr.webhook.secret-refresh-min-interval");
        clock.advance(Duration.ofSeconds(6));
        assertEquals(200, deliver(single(imageUpdate("Note", 7004)), SecretsCanary.webhookSecret(3)).status());
        assertEquals(401, deliver(single(imageUpdate("Note", 7005)), SECRET).status(), "two rotations ago: refused");
        assertEquals(List.of("Note/7000", "Note/7001", "Note/7002", "Note/7004"), entities(drainQueue()));
    }

    @Test
    void aSlowSecretsManagerDuringARotationIsCutToTheDeadline() {
        assertEquals(200, deliver(single(imageUpdate("Note", 7000))).status(), "the function has read SECRET");
        putSecret(SecretsCanary.webhookSecret(2));
        // each read of a version answers after 3 s; Lambda gives 2.5 s, the function keeps 1 s back
        aws.slow(Duration.ofSeconds(3), "secretsmanager.GetSecretValue");
        byte[] body = single(imageUpdate("Note", 7001));

        Timed rotated = deliverWithin(2500, body, SecretsCanary.webhookSecret(2));

        assertTrue(rotated.millis() < 2500, "answered before Lambda's timeout, after " + rotated.millis() + " ms");
        assertProblem(rotated.answer(), 401, "the re-read did not finish in time: the versions known verify, and this one is not among them");
        aws.clear();
        assertEquals(List.of("Note/7000"), entities(drainQueue()), "the first delivery's jobs only");

        clock.advance(Duration.ofSeconds(6));   // past fptr.webhook.secret-refresh-min-interval
        assertEquals(200, deliver(body, SecretsCanary.webhookSecret(2)).status(), "read again once Secrets Manager answers");
    }

    @Test
    void aSlowSecretsManagerWhenTheVersionsKeptAreDueLeavesTheDeliveryItsTime() {
        assertEquals(200, deliver(single(imageUpdate("Note", 7000))).status(), "the function has read SECRET");
        clock.advance(Duration.ofMinutes(6));   // past fptr.webhook.secret-ttl: the next delivery reads the secret again
        // each read of a version answers after 4 s; Lambda gives 7 s, the function keeps 1 s back. Reads cut only to
        // the deadline take the 6 s and leave nothing to record and queue the event with (a 503).
        aws.slow(Duration.ofSeconds(4), "secretsmanager.GetSecretValue");

        Timed due = deliverWithin(7000, single(imageUpdate("Note", 7001)), SECRET);

        assertEquals(200, due.answer().status(), due.answer()::toString);
        assertTrue(due.millis() < 7000, "answered before Lambda's timeout, after " + due.millis() + " ms");
        assertEquals(1, due.answer().body().get("accepted").asInt(), due.answer().body().toString());
        aws.clear();
        assertEquals(List.of("Note/7000", "Note/7001"), entities(drainQueue()));
    }

    @Test
    void aMissingSecretIsA500ThatIsNotReadAgainAtEveryDelivery() {
        secrets.deleteSecret(b -> b.secretId(MotoTestResource.WEBHOOK_SECRET_ID).forceDeleteWithoutRecovery(true));

        Answer missing = deliver(single(imageUpdate("Note", 7001)));
        assertProblem(missing, 500, "no secret");
        assertTrue(missing.body().get("detail").asText().contains("FPTR_WEBHOOK_SECRET_ID"), missing.body().toString());
        putSecret(SECRET);
        assertProblem(deliver(single(imageUpdate("Note", 7002))), 500, "the failed read is not repeated within the interval");
        clock.advance(Duration.ofSeconds(6));

        assertEquals(200, deliver(single(imageUpdate("Note", 7003))).status());
        assertEquals(List.of("Note/7003"), entities(drainQueue()));
    }

    // ---- failures: nothing is marked seen that was not queued ------------------------------------------------

    @Test
    void whenSqsFailsTheAnswerIs503AndARedeliveryIsQueued() {
        byte[] body = batch(imageUpdate("Note", 7001), imageUpdate("Note", 7002));
        aws.unavailable("AmazonSQS.SendMessageBatch");

        Answer failed = deliver(body);

        assertProblem(failed, 503, "SQS unavailable");
        assertEquals(List.of(), ledger(), "the claims were released");
        aws.clear();
        assertEquals(List.of(), drainQueue());

        Answer redelivered = deliver(body);
        assertEquals(200, redelivered.status(), redelivered.body().toString());
        assertEquals(2, redelivered.body().get("accepted").asInt(), "not duplicates");
        assertEquals(List.of("Note/7001", "Note/7002"), entities(drainQueue()));
    }

    @Test
    void entriesSqsFailsAreHandledOneByOne() {
        ObjectNode failing = imageUpdate("Note", 7002);
        byte[] body = batch(imageUpdate("Note", 7001), failing, imageUpdate("Version", 6001));
        aws.failSendEntries(m -> m.contains("\"entity_id\":7002"), Integer.MAX_VALUE);

        Answer failed = deliver(body);

        assertProblem(failed, 503, "one event's entries failed");
        assertTrue(failed.body().get("detail").asText().startsWith("1 of 3 events could not be queued"), failed.body().toString());
        assertEquals(List.of("Note/7001", "Version/6001"), entities(drainQueue()), "the others were queued");
        assertFalse(ledger().stream().anyMatch(i -> i.get("pk").s().equals(EventLedger.key(eventOf(failing)))),
                "the failed event is not remembered");
        aws.clear();

        Answer redelivered = deliver(body);
        assertEquals(1, redelivered.body().get("accepted").asInt());
        assertEquals(2, redelivered.body().get("duplicates").asInt());
        assertEquals(List.of("Note/7002"), entities(drainQueue()));
    }

    @Test
    void aSlowConfirmDoesNotKeepTheClaimOfAnEventSqsDidNotTake() throws InterruptedException {
        // One event's entries fail, and marking the other queued (BatchWriteItem) answers after 6 s, so the confirm
        // ends at its 2 s call timeout. The failed one's claim is released first, not after the confirm with what
        // time that left (with Lambda's 6 s and a slow SQS, none: the claim stayed, and a redelivery was a duplicate).
        ObjectNode failing = imageUpdate("Note", 7002);
        byte[] body = batch(imageUpdate("Note", 7001), failing);
        aws.clear();   // no calls of the clean slate's
        aws.failSendEntries(m -> m.contains("\"entity_id\":7002"), Integer.MAX_VALUE);
        aws.slow(Duration.ofSeconds(6), "DynamoDB_20120810.BatchWriteItem");

        Timed slow = deliverWithin(5000, body, SECRET);

        assertProblem(slow.answer(), 503, "one event's entries failed");
        assertTrue(slow.answer().body().get("detail").asText().startsWith("1 of 2 events could not be queued"), slow.answer()::toString);
        assertTrue(slow.millis() < 5000, "answered before Lambda's timeout, after " + slow.millis() + " ms");
        assertFalse(ledger().stream().anyMatch(i -> i.get("pk").s().equals(EventLedger.key(eventOf(failing)))),
                "the failed event's claim was released: " + ledger());
        // the slow BatchWriteItem reaches moto 6 s after it was sent, which a loaded machine sends late
        for (long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
             aws.callTimes("DynamoDB_20120810.BatchWriteItem").isEmpty() && System.nanoTime() < until; ) {
            Thread.sleep(100);
        }
        List<Long> releases = aws.callTimes("DynamoDB_20120810.DeleteItem");
        assertEquals(1, releases.size(), releases.toString());
        // the proxy notes a slowed call when its 6 s are over: it came 6 s before that
        long confirmCame = aws.callTimes("DynamoDB_20120810.BatchWriteItem").get(0) - Duration.ofSeconds(6).toNanos();
        assertTrue(releases.get(0) < confirmCame, "released before the confirm was sent, not after it: "
                + (releases.get(0) - confirmCame) / 1_000_000 + " ms after it, answered after " + slow.millis() + " ms");
        aws.clear();
        drainQueue();

        Answer redelivered = deliver(body);
        assertEquals(1, redelivered.body().get("accepted").asInt(), "queued, not dropped as a duplicate: " + redelivered.body());
        assertEquals(List.of("Note/7002"), entities(drainQueue()));
    }

    @Test
    void aClaimWhoseAnswerWasLostIsTheInvocationsOwnNotADuplicate() {
        // DynamoDB stores the claim but its answer is lost: the SDK sends the same PutItem again, whose condition
        // then fails on this invocation's own claim (it was counted a duplicate, and the event was never queued)
        ObjectNode e = imageUpdate("Note", 7001);
        aws.loseAnswers("DynamoDB_20120810.PutItem", 1);

        Answer a = deliver(single(e));

        assertEquals(200, a.status(), a.body().toString());
        assertEquals(1, a.body().get("accepted").asInt(), a.body().toString());
        assertEquals(0, a.body().get("duplicates").asInt(), a.body().toString());
        assertEquals(2, drainQueue().size());
        assertEquals("queued", ledgerItem(e).get("status").s());
        aws.clear();
        Answer again = deliver(single(e));
        assertEquals(1, again.body().get("duplicates").asInt(), "another delivery is still a duplicate: " + again.body());
    }

    @Test
    void anEntrySqsFailsOnceIsSentAgain() {
        aws.failSendEntries(m -> m.contains("\"entity_id\":7001"), 1);

        Answer a = deliver(single(imageUpdate("Note", 7001)));

        assertEquals(200, a.status(), a.body().toString());
        assertEquals(1, a.body().get("accepted").asInt());
        assertEquals(2, drainQueue().size());
    }

    @Test
    void whenDynamoDbFailsTheAnswerIs503AndNothingIsQueued() {
        byte[] body = batch(imageUpdate("Note", 7001), imageUpdate("Note", 7002));
        aws.unavailable("DynamoDB_20120810.PutItem");

        assertProblem(deliver(body), 503, "DynamoDB unavailable");
        assertEquals(List.of(), drainQueue());
        aws.clear();

        assertEquals(2, deliver(body).body().get("accepted").asInt());
        assertEquals(4, drainQueue().size());
    }

    @Test
    void aClaimLeftByAnInvocationThatDiedIsTakenOverAfterItsLease() {
        ObjectNode e = imageUpdate("Note", 7001);
        long now = clock.instant().toEpochMilli();
        dynamo.putItem(b -> b.tableName(TABLE).item(Map.of(
                "pk", AttributeValue.fromS(EventLedger.key(eventOf(e))),
                "status", AttributeValue.fromS("queuing"), "claim", AttributeValue.fromS("died"),
                "lease_until", AttributeValue.fromN(Long.toString(now + 60_000)))));

        assertEquals(1, deliver(single(e)).body().get("duplicates").asInt(), "within the lease: being queued by someone else");
        clock.advance(Duration.ofSeconds(61));
        Answer after = deliver(single(e));

        assertEquals(1, after.body().get("accepted").asInt(), after.body().toString());
        assertEquals(2, drainQueue().size());
        assertEquals("queued", ledgerItem(e).get("status").s());
    }

    // ---- the FPTR simulator's own deliveries --------------------------------------------------------------

    @Test
    void theSimulatorsDeliveryOfANoteImageUploadQueuesItsJobs() throws Exception {
        SIM.reset();
        HttpServer bridge = bridge();
        try {
            SimAdmin fptr = FptrSimTestResource.admin().login();
            String hookId = registerHook(fptr, bridge, "{\"Note\":{\"update\":[\"image\"]}}", false);

            fptr.upload("notes", 7001, "image", "regrade.png", "image/png", png());

            List<JsonNode> jobs = awaitJobs(2);
            assertEquals(List.of("Note/7001"), entities(jobs));
            assertEquals(List.of("original", "thumbnail"), jobs.stream().map(j -> j.get("variant").asText()).sorted().toList());
            assertEquals(70, jobs.get(0).get("project_id").asLong());
            JsonNode delivery = awaitDeliveries(fptr, hookId, 1).get(0);
            assertEquals(200, delivery.get("response_code").asInt(), delivery.toString());
            assertEquals("{\"accepted\":1,\"duplicates\":0,\"ignored\":0,\"unreadable\":0}", delivery.get("body").asText());
            assertEquals(delivery.get("id").asText(), jobs.get(0).get("delivery_id").asText());
            assertEquals(delivery.at("/request_body/event_log_entry_id").asLong(), jobs.get(0).get("event_log_entry_id").asLong());
            assertEquals("image", delivery.at("/request_body/meta/attribute_name").asText());
        } finally {
            bridge.stop(0);
            SIM.reset();
        }
    }

    @Test
    void theSimulatorsBatchedDeliveryOfThreeNewNotesQueuesThree() throws Exception {
        SIM.reset();
        HttpServer bridge = bridge();
        try {
            SimAdmin fptr = FptrSimTestResource.admin().login();
            String hookId = registerHook(fptr, bridge, "{\"Note\":{\"create\":[]}}", true);
            // one batch request, so the three events fall in one of the simulator's 300 ms delivery windows however
            // busy the machine is (three creates one after another took longer than that under load)
            List<String> creates = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                creates.add("{\"request_type\":\"create\",\"entity\":\"Note\",\"data\":{\"project\":{\"type\":\"Project\",\"id\":70},"
                        + "\"subject\":\"batched " + i + "\"}}");
            }
            List<Long> ids = new ArrayList<>();
            fptr.postJson("/api/v1.1/entity/_batch", "{\"requests\":[" + String.join(",", creates) + "]}").json().get("data")
                    .forEach(row -> ids.add(row.at("/data/id").asLong()));

            List<JsonNode> jobs = awaitJobs(6);
            assertEquals(ids.stream().map(id -> "Note/" + id).sorted().toList(), entities(jobs));
            List<JsonNode> deliveries = awaitDeliveries(fptr, hookId, 3);
            assertTrue(deliveries.stream().allMatch(d -> d.get("response_code").asInt() == 200), deliveries.toString());
            assertEquals("3", deliveries.get(0).at("/request_headers/x-sg-event-batch-size").asText(), "one batched request");
            assertEquals("{\"accepted\":3,\"duplicates\":0,\"ignored\":0,\"unreadable\":0}", deliveries.get(0).get("body").asText());
        } finally {
            bridge.stop(0);
            SIM.reset();
        }
    }

    /** A hook on the simulator, signed with {@link #SECRET}, delivering to the bridge. */
    private static String registerHook(SimAdmin fptr, HttpServer bridge, String entityTypes, boolean batched) {
        String url = "http://127.0.0.1:" + bridge.getAddress().getPort() + "/v1/webhooks/fptr";
        return fptr.postJson("/api/v1.1/webhook/hooks", "{\"url\":\"" + url + "\",\"token\":\"" + SECRET + "\","
                + "\"name\":\"thumbnails\",\"batch_deliveries\":" + batched + ",\"entity_types\":" + entityTypes + "}")
                .json().at("/data/id").asText();
    }

    /**
     * A loopback receiver for the simulator's deliveries: each POST becomes the API Gateway event that the
     * route would make of it (headers, raw body) and goes to the function.
     */
    private static HttpServer bridge() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/webhooks/fptr", ex -> {
            try (ex) {
                byte[] body = ex.getRequestBody().readAllBytes();
                ApiGatewayEvents event = ApiGatewayEvents.route("POST /v1/webhooks/fptr", "/v1/webhooks/fptr")
                        .body(new String(body, StandardCharsets.UTF_8));
                ex.getRequestHeaders().forEach((name, values) -> event.header(name, values.get(0)));
                Answer a = post(event);
                byte[] out = FptrEvents.bytes(a.body());
                ex.getResponseHeaders().set("Content-Type", a.header("Content-Type"));
                ex.sendResponseHeaders(a.status(), out.length);
                ex.getResponseBody().write(out);
            }
        });
        server.start();
        return server;
    }

    private List<JsonNode> awaitJobs(int count) throws InterruptedException {
        List<JsonNode> jobs = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (jobs.size() < count && System.nanoTime() < deadline) {
            jobs.addAll(drainQueue());
            Thread.sleep(50);
        }
        assertEquals(count, jobs.size(), jobs.toString());
        return jobs;
    }

    /** The hook's deliveries once {@code count} are recorded with the receiver's answer (response_code 0 until then). */
    private static List<JsonNode> awaitDeliveries(SimAdmin fptr, String hookId, int count) throws InterruptedException {
        List<JsonNode> deliveries = new ArrayList<>();
        for (int i = 0; i < 100 && (deliveries.size() < count || deliveries.stream().anyMatch(d -> d.get("response_code").asInt() == 0)); i++) {
            Thread.sleep(20);
            deliveries.clear();
            fptr.get("/api/v1.1/webhook/hooks/" + hookId + "/deliveries").json().get("data").forEach(deliveries::add);
        }
        assertEquals(count, deliveries.size(), deliveries.toString());
        return deliveries;
    }

    private static byte[] png() throws IOException {
        BufferedImage image = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static WebhookEvent eventOf(ObjectNode e) {
        return new WebhookEvent(0, "/data", e.get("event_type").asText(), null, null, null, null, null,
                e.get("delivery_id").asText(), false, e.get("event_log_entry_id").asLong(), null);
    }

    private Answer deliver(byte[] body) {
        return deliver(body, Map.of(), false);
    }

    private Answer deliver(byte[] body, String key) {
        return deliver(body, Map.of("x-sg-signature", sign(key, body)), false);
    }

    /** Posts {@code body} with FPTR's headers, signed with {@link #SECRET} unless {@code headers} say otherwise. */
    static Answer deliver(byte[] body, Map<String, String> headers, boolean base64) {
        ApiGatewayEvents event = ApiGatewayEvents.route("POST /v1/webhooks/fptr", "/v1/webhooks/fptr")
                .header("content-type", "application/json; charset=utf-8")
                .header("x-sg-signature", sign(SECRET, body))
                .header("x-sg-webhook-id", "1f4e1e3a-8d5c-4f0e-9d8b-6f2a1b3c4d5e")
                .header("x-sg-delivery-id", UUID.randomUUID().toString())
                .header("x-sg-event-batch-id", "49598489001917805627563987691110856662646952884824965490")
                .header("x-sg-event-batch-size", "1")
                .header("x-sg-event-batch-index", "1")
                .header("x-sg-webhook-site-url", "https://studio.shotgrid.autodesk.com/");
        headers.forEach(event::header);
        if (base64) {
            event.base64Body(body);
        } else {
            event.body(new String(body, StandardCharsets.UTF_8));
        }
        return post(event);
    }

    static Answer post(ApiGatewayEvents event) {
        return event.invoke(WebhookHandler.FUNCTION);
    }

    static String sign(String key, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return "sha1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertProblem(Answer a, int status, String what) {
        assertEquals(status, a.status(), what + ": " + a.body());
        assertEquals("application/problem+json", a.header("Content-Type"), what);
        assertEquals(status, a.body().get("status").asInt(), what);
        assertTrue(a.body().hasNonNull("detail"), what);
        assertFalse(a.body().toString().contains(SECRET), what + ": no secret in an answer");
    }

    private void putSecret(String value) {
        try {
            if (!value.equals(secrets.getSecretValue(b -> b.secretId(MotoTestResource.WEBHOOK_SECRET_ID)).secretString())) {
                secrets.putSecretValue(b -> b.secretId(MotoTestResource.WEBHOOK_SECRET_ID).secretString(value));
            }
        } catch (ResourceNotFoundException missing) {
            secrets.createSecret(b -> b.name(MotoTestResource.WEBHOOK_SECRET_ID).secretString(value));
        }
    }

    /** Every job on the queue (read and deleted), as JSON. */
    List<JsonNode> drainQueue() {
        List<JsonNode> jobs = new ArrayList<>();
        while (true) {
            List<Message> got = sqs.receiveMessage(b -> b.queueUrl(QUEUE_URL).maxNumberOfMessages(10).waitTimeSeconds(0)).messages();
            if (got.isEmpty()) {
                return jobs;
            }
            for (Message m : got) {
                try {
                    jobs.add(FptrEvents.JSON.readTree(m.body()));
                } catch (IOException e) {
                    throw new AssertionError("a job that is not JSON: " + m.body(), e);
                }
                sqs.deleteMessage(b -> b.queueUrl(QUEUE_URL).receiptHandle(m.receiptHandle()));
            }
        }
    }

    /** The distinct entities of the jobs, sorted: {@code Note/7001}... */
    static List<String> entities(List<JsonNode> jobs) {
        return jobs.stream().map(j -> j.get("entity_type").asText() + "/" + j.get("entity_id").asLong()).distinct().sorted().toList();
    }

    List<Map<String, AttributeValue>> ledger() {
        return dynamo.scan(b -> b.tableName(TABLE)).items();
    }

    Map<String, AttributeValue> ledgerItem(ObjectNode e) {
        return dynamo.getItem(b -> b.tableName(TABLE).key(Map.of("pk", AttributeValue.fromS(EventLedger.key(eventOf(e)))))).item();
    }
}
