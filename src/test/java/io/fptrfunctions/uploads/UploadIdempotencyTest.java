package io.fptrfunctions.uploads;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.aws.MotoFaultProxy;
import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.fptr.TestClock;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.TestLambdaContext;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Idempotency-Key} on the upload function's routes (moto's DynamoDB and S3, the simulator): a retry
 * answers the first answer and uploads nothing; an attempt that could not record its answer (as if its
 * process died after FPTR created the Attachment) is taken over after its lease by one that finds that
 * Attachment and does not upload it again.
 */
@QuarkusTest
class UploadIdempotencyTest {

    private static final SimAdmin SIM = FptrSimTestResource.admin();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUCKET = MotoTestResource.BUCKET;
    private static final String COMPLETIONS = ".*/_upload$";

    @Inject
    S3Client s3;

    @Inject
    TestClock clock;

    final MotoFaultProxy aws = MotoFaultProxy.get();
    String key;
    String name;

    @BeforeEach
    void cleanSlate() {
        SIM.reset();
        SIM.setClock(clock.instant());
        CircuitBreakerMaintenance.get().resetAll();
        key = UUID.randomUUID().toString();
        name = "notes-" + key.substring(0, 8) + ".pdf";
        byte[] bytes = new byte[20_000];
        new Random(7).nextBytes(bytes);
        s3.putObject(b -> b.bucket(BUCKET).key("uploads/idem/" + name), RequestBody.fromBytes(bytes));
        SIM.clearRequests();
    }

    @AfterEach
    void noFaultsLeft() {
        aws.clear();
    }

    String attachmentBody() {
        return "{\"project\": 70, \"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/idem/" + name + "\"},"
                + " \"attachment_links\": [{\"type\": \"Version\", \"id\": 6003}], \"description\": \"" + key + "\"}";
    }

    long attachmentsMade() {
        return SIM.login().searchHash("attachments", "{\"filters\": {\"logical_operator\": \"and\", \"conditions\": "
                + "[[\"description\", \"is\", \"" + key + "\"]]}}").json().path("data").size();
    }

    @Test
    void aRetriedUploadWithItsKeyGetsTheFirstAnswerAndUploadsNothing() {
        Answer first = post(attachmentBody());
        assertEquals(201, first.status(), first.body()::toString);
        Answer retry = post(attachmentBody());
        assertEquals(201, retry.status());
        assertTrue(replayed(retry));
        assertEquals(first.body(), retry.body());
        assertEquals(1, SIM.count("POST", COMPLETIONS), "one completion");
        assertEquals(1, attachmentsMade());
    }

    @Test
    void aRetriedFieldUploadWithItsKeyIsAnsweredFromTheRecord() {
        String body = "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/idem/" + name + "\"}}";
        Answer first = invoke(ApiGatewayEvents.route("PUT /v1/entities/{type}/{id}/files/{field}",
                        "/v1/entities/Version/6003/files/sg_uploaded_movie").pathParameter("type", "Version")
                .pathParameter("id", "6003").pathParameter("field", "sg_uploaded_movie").header("Idempotency-Key", key).body(body));
        assertEquals(200, first.status(), first.body()::toString);
        Answer retry = invoke(ApiGatewayEvents.route("PUT /v1/entities/{type}/{id}/files/{field}",
                        "/v1/entities/Version/6003/files/sg_uploaded_movie").pathParameter("type", "Version")
                .pathParameter("id", "6003").pathParameter("field", "sg_uploaded_movie").header("Idempotency-Key", key).body(body));
        assertTrue(replayed(retry));
        assertEquals(first.body(), retry.body());
        assertEquals(1, SIM.count("POST", COMPLETIONS));
    }

    @Test
    void anUnfinishedUploadIsTakenOverAfterItsLeaseAndItsAttachmentIsNotUploadedAgain() {
        Answer first = unrecordedUpload();

        Answer during = post(attachmentBody());
        assertEquals(409, during.status(), during.body()::toString);
        assertFalse(replayed(during));

        pastTheLease();
        Answer takeover = post(attachmentBody());
        assertEquals(201, takeover.status(), takeover.body()::toString);
        assertEquals(first.body().path("id"), takeover.body().path("id"), "the Attachment the first attempt made");
        assertEquals(key, takeover.body().path("description").asText());
        assertEquals(1, SIM.count("POST", COMPLETIONS), "uploaded once");
        assertEquals(1, attachmentsMade());
        assertTrue(replayed(post(attachmentBody())), "and kept from then on");
    }

    @Test
    void aTakeoverThatFailsBeforeWritingKeepsTheKeySoTheNextRetryStillLooksInFptrFirst() {
        Answer first = unrecordedUpload();
        pastTheLease();

        // the takeover cannot look for the first attempt's Attachment: FPTR's search is unavailable
        SIM.fault(Map.of("method", "POST", "path", "/_search$", "body", "created_at", "status", 503, "times", 50));
        Answer failed = post(attachmentBody());
        SIM.clearFaults();
        CircuitBreakerMaintenance.get().resetAll();
        assertEquals(503, failed.status(), failed.body()::toString);

        // the first attempt's write may have landed (it did): the key must not be freed, or the next retry uploads again
        assertTheNextRetryFindsTheAttachmentOf(first);
    }

    @Test
    void aQueuedTakeoverThatSqsRefusesKeepsTheKeySoTheNextRetryStillLooksInFptrFirst() {
        Answer first = unrecordedUpload();
        pastTheLease();

        // the takeover, sent to the queue this time, cannot be queued: SQS is unavailable
        aws.unavailable("AmazonSQS.SendMessage");
        Answer failed = invoke(ApiGatewayEvents.route("POST /v1/uploads", "/v1/uploads").header("Idempotency-Key", key)
                .header("Prefer", "respond-async").body(attachmentBody()));
        aws.clear();
        assertEquals(503, failed.status(), failed.body()::toString);

        // the first attempt's write may have landed (it did): the key must not be freed, or the next retry uploads again
        assertTheNextRetryFindsTheAttachmentOf(first);
    }

    @Test
    void aClaimWhoseAnswerWasLostIsTheRequestsOwnNotAnotherInProgress() {
        // DynamoDB stores the claim, its answer is lost, and the SDK sends the same PutItem again: its condition
        // (no record under the key) now fails on this request's own claim
        aws.loseAnswers("DynamoDB_20120810.PutItem", 1);
        Answer first = post(attachmentBody());

        // this key's puts only: a slowed call of an earlier test may reach the proxy's log late
        assertEquals(2, aws.calls("DynamoDB_20120810.PutItem").stream()
                .filter(call -> call.at("/Item/pk/S").asText().endsWith("#" + key)).count(), "the claim was sent again");
        assertEquals(201, first.status(), first.body()::toString);
        assertEquals(1, attachmentsMade());
        assertTrue(replayed(post(attachmentBody())), "its answer is kept");
    }

    @Test
    void aTakeoverWhoseClaimAnswerWasLostStillLooksInFptrFromTheFirstAttemptsStart() {
        Answer first = unrecordedUpload();
        pastTheLease();

        aws.loseAnswers("DynamoDB_20120810.PutItem", 1);   // the takeover's claim is stored, its answer lost
        Answer takeover = post(attachmentBody());
        aws.clear();
        if (takeover.status() == 409) {   // whoever holds the key, its next retry after the lease must not upload again
            pastTheLease();
            takeover = post(attachmentBody());
        }

        assertEquals(201, takeover.status(), takeover.body()::toString);
        assertEquals(first.body().path("id"), takeover.body().path("id"), "the Attachment the first attempt made");
        assertEquals(1, SIM.count("POST", COMPLETIONS), "uploaded once");
        assertEquals(1, attachmentsMade());
    }

    @Test
    void aSlowIdempotencyStoreIsCutToTheInvocationsDeadlineNotToTheClientsTimeout() {
        // warm first: cold, at load 15, the function took 1.3 s and the call around it (the event, the answer's
        // openapi check) 2.2 s more, where only the claim's cut is measured
        Answer warm = ApiGatewayEvents.route("POST /v1/uploads", "/v1/uploads").header("Idempotency-Key", "warm-" + key)
                .body(attachmentBody()).invoke(UploadHandler.FUNCTION);
        assertEquals(201, warm.status(), warm.body()::toString);
        SIM.clearRequests();
        aws.slow(Duration.ofSeconds(4), "DynamoDB_20120810.PutItem");   // longer than quarkus.dynamodb.api-call-timeout (2 s)
        long started = System.nanoTime();
        Answer a = ApiGatewayEvents.route("POST /v1/uploads", "/v1/uploads").header("Idempotency-Key", key).body(attachmentBody())
                .invoke(UploadHandler.FUNCTION, TestLambdaContext.withRemaining(1600));   // a deadline 600 ms away
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertEquals(503, a.status(), a.body()::toString);
        assertEquals("Idempotency-Key store unavailable", a.body().path("title").asText());
        assertNotNull(a.header("Retry-After"));
        // the least an uncut claim takes is the client's 2 s, which load only lengthens; the cut one ends at 0.6 s
        assertTrue(millis < 2000, "the claim ended by the deadline, not after the client's 2 s: " + millis + " ms");
        assertEquals(0, SIM.count("POST", ".*/_upload.*"), "nothing was started in FPTR");
    }

    /** The key's next retry (after the lease, if it is held) answers the Attachment {@code first} made, uploading nothing. */
    private void assertTheNextRetryFindsTheAttachmentOf(Answer first) {
        Answer retry = post(attachmentBody());
        if (retry.status() == 409) {
            pastTheLease();
            retry = post(attachmentBody());
        }
        assertEquals(201, retry.status(), retry.body()::toString);
        assertEquals(first.body().path("id"), retry.body().path("id"), "the Attachment the first attempt made");
        assertEquals(1, SIM.count("POST", COMPLETIONS), "uploaded once");
        assertEquals(1, attachmentsMade());
    }

    /** An upload whose answer is not recorded, as if its process died after FPTR made the Attachment: its key stays in progress. */
    private Answer unrecordedUpload() {
        aws.unavailable("DynamoDB_20120810.UpdateItem");
        Answer first = post(attachmentBody());
        assertEquals(201, first.status(), first.body()::toString);
        aws.clear();
        return first;
    }

    /** Past fptr.idempotency.in-progress-lease (60 s; the template gives upload 330 s), here and in the simulator. */
    private void pastTheLease() {
        clock.advance(Duration.ofSeconds(61));
        SIM.setClock(clock.instant());
    }

    private Answer post(String body) {
        return invoke(ApiGatewayEvents.route("POST /v1/uploads", "/v1/uploads").header("Idempotency-Key", key).body(body));
    }

    private static boolean replayed(Answer a) {
        return "true".equals(a.header("Idempotent-Replayed"));
    }

    private static Answer invoke(ApiGatewayEvents event) {
        return event.invoke(UploadHandler.FUNCTION);
    }
}
