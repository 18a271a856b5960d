package io.fptrfunctions.localfiles;

import io.fptrfunctions.aws.MotoFaultProxy;
import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.fptr.LogCapture;
import io.fptrfunctions.fptr.TestClock;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.ApiResponse;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.idempotency.IdempotentWrites;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.fptrfunctions.localfiles.LocalFileCalls.field;
import static io.fptrfunctions.localfiles.LocalFileCalls.get;
import static io.fptrfunctions.localfiles.LocalFileCalls.invoke;
import static io.fptrfunctions.localfiles.LocalFileCalls.newStorage;
import static io.fptrfunctions.localfiles.LocalFileCalls.newVersion;
import static io.fptrfunctions.localfiles.LocalFileCalls.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Idempotency-Key} on local-file's writes, with the records in moto's DynamoDB over HTTP: a retry
 * returns the first answer and writes nothing; in progress is a 409, another request under the key a
 * 422, an expired key a new request; a lost answer is kept only when the write landed, and an attempt
 * that stopped mid-way is taken over after its lease by one that looks at FPTR before writing.
 */
@QuarkusTest
class LocalFileIdempotencyTest {

    private static final SimAdmin SIM = FptrSimTestResource.admin();
    private static final String ATTACHMENTS = "/api/v1(\\.1)?/entity/[Aa]ttachments?";

    @Inject
    TestClock clock;

    @Inject
    DynamoDbClient dynamo;

    @Inject
    LocalFileHandler handler;

    @Inject
    IdempotentWrites writes;

    final MotoFaultProxy aws = MotoFaultProxy.get();

    String u;
    long version;
    String key;

    @BeforeEach
    void data() {
        u = unique();
        newStorage("lf-" + u, null, "/lf/" + u, null);
        version = newVersion();
        key = UUID.randomUUID().toString();
        assertEquals(200, get("Version", version, "sg_uploaded_movie", null).status(), "warm the caches");
        SIM.clearRequests();
    }

    @AfterEach
    void putThingsBack() {
        SIM.clearFaults();
        aws.clear();
    }

    /**
     * Both clocks, so FPTR's created_at and the function's "since" stay comparable; never backwards (the
     * function's caches take time as only moving on).
     */
    void later(Duration by) {
        clock.advance(by);
        SIM.setClock(clock.instant());
    }

    String attachmentBody(String file) {
        return "{\"project\": 70, \"this_file\": {\"local_path\": \"/lf/" + u + "/" + file + "\"},"
                + " \"attachment_links\": [{\"type\": \"Version\", \"id\": " + version + "}], \"description\": \"take " + u + "\"}";
    }

    Answer post(String key, String body) {
        return postAs(ApiGatewayEvents.PIPELINE, key, body);
    }

    Answer postAs(String caller, String key, String body) {
        ApiGatewayEvents e = ApiGatewayEvents.route("POST /v1/attachments", "/v1/attachments").caller(caller).body(body);
        if (key != null) {
            e.header("Idempotency-Key", key);
        }
        return invoke(e);
    }

    Answer putField(String key, String body) {
        return invoke(field("PUT", "Version", version, "sg_uploaded_movie").header("Idempotency-Key", key).body(body));
    }

    long creates() {
        return SIM.count("POST", ATTACHMENTS);
    }

    /** Attachments this test made, as FPTR holds them (their description names the test). */
    int attachmentsOnTheVersion() {
        return SIM.login().searchHash("attachments", "{\"filters\": {\"logical_operator\": \"and\", \"conditions\": "
                + "[[\"description\", \"is\", \"take " + u + "\"]]}}").json().path("data").size();
    }

    Map<String, AttributeValue> record(String callerPrincipal, String key) {
        return dynamo.getItem(b -> b.tableName(MotoTestResource.IDEMPOTENCY_TABLE).consistentRead(true)
                .key(Map.of("pk", AttributeValue.fromS("idempotency#local-file#" + callerPrincipal + "#" + key)))).item();
    }

    static boolean replayed(Answer a) {
        return "true".equals(a.headers().get("Idempotent-Replayed"));
    }

    // ---- the first answer, once -------------------------------------------------------------------------

    @Test
    void aRetryWithTheSameKeyAndBodyGetsTheFirstAnswerAndWritesNothing() {
        Answer first = post(key, attachmentBody("ref/a.pdf"));
        assertEquals(201, first.status(), first::toString);
        assertFalse(replayed(first));

        Answer retry = post(key, attachmentBody("ref/a.pdf"));
        // the same JSON with its members in another order and other white space is the same request
        Answer reordered = post(key, "{ \"description\":\"take " + u + "\",\"attachment_links\":[{\"id\":" + version
                + ",\"type\":\"Version\"}],\n\"this_file\":{\"local_path\":\"/lf/" + u + "/ref/a.pdf\"},\"project\":70 }");
        for (Answer again : List.of(retry, reordered)) {
            assertEquals(201, again.status(), again::toString);
            assertTrue(replayed(again), again.headers()::toString);
            assertEquals(first.body(), again.body());
            assertEquals("application/json", again.contentType());
        }
        assertEquals(1, creates(), "one Attachment created for three requests");
        assertEquals(1, attachmentsOnTheVersion());

        Map<String, AttributeValue> item = record(ApiGatewayEvents.PIPELINE, key);
        assertEquals("completed", item.get("status").s());
        assertEquals("201", item.get("answer_status").n());
        long ttl = Long.parseLong(item.get("expires_at").n()) - clock.instant().getEpochSecond();
        assertTrue(Math.abs(ttl - 24 * 3600) < 60, "kept for fptr.idempotency.ttl (24 h): " + ttl);
    }

    @Test
    void aPutRetriedWithItsKeyIsAnsweredFromTheRecord() {
        String body = "{\"local_path\": \"/lf/" + u + "/comp/v001.mov\"}";
        Answer first = putField(key, body);
        assertEquals(200, first.status(), first::toString);
        Answer retry = putField(key, body);
        assertTrue(replayed(retry));
        assertEquals(first.body(), retry.body());
        assertEquals(1, SIM.count("PUT", "/api/v1(\\.1)?/entity/[Vv]ersions?/" + version), "one write to FPTR");
    }

    @Test
    void anotherRequestUnderTheSameKeyIs422AndWritesNothing() {
        assertEquals(201, post(key, attachmentBody("ref/a.pdf")).status());
        Answer otherBody = post(key, attachmentBody("ref/b.pdf"));
        Answer otherRoute = putField(key, "{\"local_path\": \"/lf/" + u + "/ref/a.pdf\"}");
        Answer otherQuery = invoke(ApiGatewayEvents.route("POST /v1/attachments", "/v1/attachments")
                .header("Idempotency-Key", key).query("platform", "mac").body(attachmentBody("ref/a.pdf")));
        for (Answer a : List.of(otherBody, otherRoute, otherQuery)) {
            assertEquals(422, a.status(), a::toString);
            assertEquals("application/problem+json", a.contentType());
            assertEquals("Idempotency-Key:", a.body().path("pointer").asText());
            assertTrue(a.detail().contains("used for another request"), a::toString);
        }
        assertEquals(1, creates());
        assertEquals(0, SIM.count("PUT", ".*/entity/[Vv]ersions?/" + version));
    }

    @Test
    void theSameKeyWhileTheFirstIsInProgressIs409WithRetryAfterThenTheFirstAnswer() throws Exception {
        SIM.fault(Map.of("method", "POST", "path", ATTACHMENTS + "$", "latency_ms", 1000));   // within the 1.5 s write timeout
        CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> post(key, attachmentBody("ref/slow.pdf")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (record(ApiGatewayEvents.PIPELINE, key).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Answer during = LocalFileCalls.invoke(ApiGatewayEvents.route("POST /v1/attachments", "/v1/attachments")
                .header("Idempotency-Key", key).body(attachmentBody("ref/slow.pdf")));
        assertEquals(409, during.status(), during::toString);
        assertEquals("1", during.headers().get("Retry-After"));
        assertTrue(during.detail().contains("still in progress"), during::toString);

        Answer done = first.get(20, TimeUnit.SECONDS);
        assertEquals(201, done.status(), done::toString);
        Answer after = post(key, attachmentBody("ref/slow.pdf"));
        assertTrue(replayed(after));
        assertEquals(done.body(), after.body());
        assertEquals(1, creates());
    }

    @Test
    void anExpiredKeyIsANewRequest() {
        assertEquals(201, post(key, attachmentBody("ref/a.pdf")).status());
        later(Duration.ofHours(25));
        Answer again = post(key, attachmentBody("ref/a.pdf"));
        assertEquals(201, again.status(), again::toString);
        assertFalse(replayed(again));
        assertEquals(2, creates(), "past fptr.idempotency.ttl the key no longer holds");
    }

    @Test
    void keysBelongToTheirCallerAndEverySessionOfARoleIsOneCaller() {
        String s1 = "arn:aws:sts::123456789012:assumed-role/Pipeline/run-1";
        String s2 = "arn:aws:sts::123456789012:assumed-role/Pipeline/run-2";
        Answer first = postAs(s1, key, attachmentBody("ref/a.pdf"));
        assertEquals(201, first.status());
        assertTrue(replayed(postAs(s2, key, attachmentBody("ref/a.pdf"))), "another session of the same role");
        Answer otherCaller = postAs("arn:aws:iam::123456789012:user/someone-else", key, attachmentBody("ref/a.pdf"));
        assertEquals(201, otherCaller.status());
        assertFalse(replayed(otherCaller), "another caller's key is its own, even when it is the same string");
        assertNotEquals(first.body().path("id"), otherCaller.body().path("id"));
        assertFalse(record("arn:aws:iam::123456789012:role/Pipeline", key).isEmpty());
    }

    @Test
    void aMalformedKeyOrBadInputIs400AndKeepsNothing() {
        for (String bad : List.of("", "x".repeat(256), "has space", "ключ", "a#b")) {
            Answer a = post(bad, attachmentBody("ref/a.pdf"));
            assertEquals(400, a.status(), bad + " -> " + a);
            assertEquals("Idempotency-Key:", a.body().path("pointer").asText());
        }
        Answer badBody = post(key, "{\"project\": 70}");
        assertEquals(400, badBody.status(), badBody::toString);
        assertEquals("/this_file", badBody.body().path("pointer").asText());
        assertTrue(record(ApiGatewayEvents.PIPELINE, key).isEmpty(), "bad input claims no key");
        assertEquals(0, creates());
        assertEquals(201, post(key, attachmentBody("ref/a.pdf")).status(), "the key is still free");
    }

    @Test
    void withoutAKeyNothingIsKeptAndEveryRequestWrites() {
        assertEquals(201, post(null, attachmentBody("ref/a.pdf")).status());
        assertEquals(201, post(null, attachmentBody("ref/a.pdf")).status());
        assertEquals(2, creates());
    }

    // ---- failures: the key is freed only when nothing was written --------------------------------------

    @Test
    void whenFptrRefusesOrIsUnavailableTheKeyIsFreedForTheRetry() {
        SIM.fault(Map.of("method", "POST", "path", ATTACHMENTS + "$", "status", 503, "retry_after", "1"));
        Answer unavailable = post(key, attachmentBody("ref/a.pdf"));
        assertEquals(503, unavailable.status(), unavailable::toString);
        assertTrue(record(ApiGatewayEvents.PIPELINE, key).isEmpty(), "freed: nothing was written");
        Answer retry = post(key, attachmentBody("ref/a.pdf"));
        assertEquals(201, retry.status(), retry::toString);
        assertFalse(replayed(retry));
        assertEquals(1, attachmentsOnTheVersion());
    }

    @Test
    void aReleaseWhoseAnswerWasLostFreesTheKeyWithoutWarningOfATakeover() {
        // DynamoDB deletes the claim, its answer is lost, and the SDK sends the same DeleteItem again: its condition
        // (this attempt's claim) fails on no item at all, which is the key freed, not taken over by another attempt
        SIM.fault(Map.of("method", "POST", "path", ATTACHMENTS + "$", "status", 503, "retry_after", "1"));
        aws.loseAnswers("DynamoDB_20120810.DeleteItem", 1);
        Answer unavailable;
        List<String> warnings;
        try (LogCapture log = LogCapture.start()) {
            unavailable = post(key, attachmentBody("ref/a.pdf"));
            warnings = log.warnings();
        }

        assertEquals(503, unavailable.status(), unavailable::toString);
        assertTrue(record(ApiGatewayEvents.PIPELINE, key).isEmpty(), "freed: nothing was written");
        assertTrue(warnings.stream().noneMatch(w -> w.contains("taken over")), warnings.toString());
    }

    @Test
    void aLostAnswerThatLandedIsKeptAsTheFirstAnswerAndNeverWrittenAgain() {
        SIM.fault(Map.of("method", "POST", "path", ATTACHMENTS + "$", "cut_after_bytes", 20));
        Answer lost = post(key, attachmentBody("ref/a.pdf"));
        assertEquals(502, lost.status(), lost::toString);
        assertEquals("landed", lost.body().path("write_outcome").asText());

        Answer retry = post(key, attachmentBody("ref/a.pdf"));
        assertEquals(502, retry.status(), retry::toString);
        assertTrue(replayed(retry));
        assertEquals(lost.body(), retry.body(), "the answer the first request got, with what it created");
        assertEquals(1, creates());
        assertEquals(1, attachmentsOnTheVersion());
        assertEquals("completed", record(ApiGatewayEvents.PIPELINE, key).get("status").s());
    }

    @Test
    void aLostAnswerThatDidNotLandFreesTheKeyAndTheRetryWrites() {
        SIM.fault(Map.of("method", "POST", "path", ATTACHMENTS + "$", "status", 500, "cut_after_bytes", 5));
        Answer lost = post(key, attachmentBody("ref/a.pdf"));
        assertEquals("not_landed", lost.body().path("write_outcome").asText(), lost::toString);
        Answer retry = post(key, attachmentBody("ref/a.pdf"));
        assertEquals(201, retry.status(), retry::toString);
        assertFalse(replayed(retry));
        assertEquals(1, attachmentsOnTheVersion());
    }

    @Test
    void anUnknownOutcomeHoldsTheKeyThenTheRetryFindsTheWriteInFptrAndDoesNotSendItAgain() throws Exception {
        // FPTR takes 3 s (the client gives a write 1.5 s in tests), then creates the Attachment anyway
        SIM.fault(Map.of("method", "POST", "path", ATTACHMENTS + "$", "latency_ms", 3000));
        Answer lost = post(key, attachmentBody("ref/a.pdf"));
        assertEquals(504, lost.status(), lost::toString);
        assertEquals("unknown", lost.body().path("write_outcome").asText());

        Answer tooSoon = post(key, attachmentBody("ref/a.pdf"));
        assertEquals(409, tooSoon.status(), tooSoon::toString);
        assertTrue(tooSoon.detail().contains("whether it landed is not known yet"), tooSoon::toString);
        int retryAfter = Integer.parseInt(tooSoon.headers().get("Retry-After"));
        assertTrue(retryAfter > 50 && retryAfter <= 60, "the rest of the in-progress lease (60 s): " + retryAfter);

        LocalFileCalls.awaitTrue(Duration.ofSeconds(10), () -> attachmentsOnTheVersion() == 1);   // the slow create lands on the "site"
        later(Duration.ofSeconds(61));
        Answer retry = post(key, attachmentBody("ref/a.pdf"));
        assertEquals(201, retry.status(), retry::toString);
        assertEquals("ref/a.pdf", retry.body().at("/this_file/relative_path").asText(), retry::toString);
        assertEquals(1, creates(), "found in FPTR, not created again");
        assertEquals(1, attachmentsOnTheVersion());
        assertTrue(replayed(post(key, attachmentBody("ref/a.pdf"))), "and kept as the answer from then on");
    }

    @Test
    void anUnknownOutcomeThatDidNotLandIsWrittenByTheRetryAfterTheLease() {
        SIM.fault(Map.of("method", "PUT", "path", "^/api/v1(\\.1)?/entity/[Vv]ersions?/" + version + "$", "status", 502));
        String body = "{\"local_path\": \"/lf/" + u + "/comp/v002.mov\"}";
        Answer lost = putField(key, body);
        assertEquals("unknown", lost.body().path("write_outcome").asText(), lost::toString);
        later(Duration.ofSeconds(61));
        Answer retry = putField(key, body);
        assertEquals(200, retry.status(), retry::toString);
        assertEquals("comp/v002.mov", retry.body().path("relative_path").asText());
        assertEquals(2, SIM.count("PUT", "/api/v1(\\.1)?/entity/[Vv]ersions?/" + version), "FPTR did not hold it, so it was sent");
    }

    @Test
    void anAttemptThatCouldNotRecordItsAnswerIsTakenOverAfterItsLeaseWithoutASecondWrite() {
        // as if the process died after FPTR created the Attachment: the record stays in progress
        aws.unavailable("DynamoDB_20120810.UpdateItem");
        Answer first = post(key, attachmentBody("ref/a.pdf"));
        assertEquals(201, first.status(), "the caller still gets the answer: " + first);
        aws.clear();
        assertEquals("in_progress", record(ApiGatewayEvents.PIPELINE, key).get("status").s());

        assertEquals(409, post(key, attachmentBody("ref/a.pdf")).status(), "within the lease");
        later(Duration.ofSeconds(61));
        Answer takeover = post(key, attachmentBody("ref/a.pdf"));
        assertEquals(201, takeover.status(), takeover::toString);
        assertEquals(first.body().path("id"), takeover.body().path("id"), "the Attachment the first attempt made");
        assertEquals(1, creates());
        assertEquals(1, attachmentsOnTheVersion());
    }

    @Test
    void whenTheKeyCannotBeClaimedNothingIsWrittenAndTheAnswerIs503() {
        aws.unavailable("DynamoDB_20120810.PutItem");
        Answer a = post(key, attachmentBody("ref/a.pdf"));
        assertEquals(503, a.status(), a::toString);
        assertEquals("1", a.headers().get("Retry-After"));
        assertTrue(a.detail().contains("nothing was written"), a::toString);
        assertEquals(0, creates());
        aws.clear();
        assertEquals(201, post(key, attachmentBody("ref/a.pdf")).status());
    }

    @Test
    void aKeyOnDeleteWorksTheSameWay() {
        assertEquals(200, putField(UUID.randomUUID().toString(), "{\"local_path\": \"/lf/" + u + "/x.mov\"}").status());
        Answer first = invoke(field("DELETE", "Version", version, "sg_uploaded_movie").header("Idempotency-Key", key));
        Answer retry = invoke(field("DELETE", "Version", version, "sg_uploaded_movie").header("Idempotency-Key", key));
        assertEquals(200, first.status(), first::toString);
        assertTrue(retry.body().isNull() && replayed(retry), retry::toString);
        assertEquals("null", record(ApiGatewayEvents.PIPELINE, key).get("answer_body").s());
        assertEquals(1, SIM.count("PUT", "/api/v1(\\.1)?/entity/[Vv]ersions?/" + version) - 1, "one write for the two DELETEs");
    }

    @Test
    void anAnswerTooLargeToKeepIsReplayedAsA409NamingItsStatus() {
        ApiGatewayEvents event = ApiGatewayEvents.route("POST /v1/attachments", "/v1/attachments")
                .header("Idempotency-Key", key).body("{}");
        String huge = "\"" + "x".repeat(360_000) + "\"";
        ApiResponse first = writes.run(ApiGatewayEvents.request(event), "local-file",
                attempt -> new ApiResponse(201, LocalFileCalls.JSON.valueToTree(huge), Map.of()));
        assertEquals(201, first.status());
        ProblemException replay = org.junit.jupiter.api.Assertions.assertThrows(ProblemException.class,
                () -> writes.run(ApiGatewayEvents.request(event), "local-file", attempt -> {
                    throw new AssertionError("the write ran again");
                }));
        assertEquals(409, replay.status());
        assertEquals(201, replay.extensions().get("first_status"));
        assertTrue(replay.detail().contains("too large to keep"), replay.detail());
    }

}
