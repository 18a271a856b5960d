package io.fptrfunctions.uploadworker;

import io.fptrfunctions.aws.MotoFaultProxy;
import io.fptrfunctions.aws.MotoServer;
import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.TestLambdaContext;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.fptrfunctions.thumbnailworker.JobMessage;
import io.fptrfunctions.thumbnailworker.SqsEvents;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upload worker's own queue calls (a job not started sent again, a failed job's visibility) are cut to the
 * invocation's deadline: with SQS answering late (moto behind {@link MotoFaultProxy}, later than the SQS client's
 * own 2 s api-call-timeout), the batch still ends by its deadline with the job as a batch item failure.
 */
@QuarkusTest
class UploadQueueCallDeadlineTest {

    private static final SimAdmin SIM = FptrSimTestResource.admin();
    private static final String BUCKET = MotoTestResource.BUCKET;
    private static final String QUEUE_URL = MotoTestResource.queueUrl(MotoTestResource.UPLOAD_QUEUE);
    private static final Duration SQS_LATE = Duration.ofSeconds(3);

    private static final SqsClient sqs = MotoServer.get().sqs();

    @Inject
    S3Client s3;

    @Inject
    UploadWorker worker;

    @Inject
    UploadWorkerHandler handler;

    final MotoFaultProxy aws = MotoFaultProxy.get();
    String key;

    @BeforeEach
    void cleanSlate() {
        SIM.reset();
        SIM.config(Map.of("multipart_min_part_bytes", 64 * 1024));
        CircuitBreakerMaintenance.get().resetAll();
        sqs.purgeQueue(b -> b.queueUrl(QUEUE_URL));
        aws.clear();
        String tag = UUID.randomUUID().toString();
        key = "uploads/async/plate-" + tag.substring(0, 8) + ".exr";
        byte[] bytes = new byte[10 * 256 * 1024 + 123];   // over the request's limit: queued, ten parts
        new Random(11).nextBytes(bytes);
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(bytes));
        String body = "{\"project\": 70, \"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"" + key + "\"},"
                + " \"attachment_links\": [{\"type\": \"Version\", \"id\": 6003}], \"description\": \"" + tag + "\"}";
        int status = ApiGatewayEvents.route("POST /v1/uploads", "/v1/uploads").body(body).header("Idempotency-Key", tag)
                .header("Prefer", "respond-async").invoke("upload").status();
        assertEquals(202, status, "queued");
    }

    /** The late calls still reach moto after the proxy's delay: let them land before the next test purges. */
    @AfterEach
    void letLateCallsLand() throws InterruptedException {
        Thread.sleep(SQS_LATE.toMillis() + 500);
        aws.clear();
        SIM.clearFaults();
        sqs.purgeQueue(b -> b.queueUrl(QUEUE_URL));
    }

    @Test
    void aJobNotStartedWhoseSendAgainSqsAnswersLateEndsByTheDeadlineAsABatchItemFailure() {
        Message m = awaitMessage();
        aws.slow(SQS_LATE, "AmazonSQS.SendMessage", "AmazonSQS.ChangeMessageVisibility");

        long started = System.nanoTime();
        // less than min-time-left (2 s): the job is not started but sent again as it is
        List<String> stay = worker.run(List.of(jobMessage(m)), Deadline.in(Duration.ofMillis(1900)));
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertEquals(List.of(m.messageId()), stay, "not known to be sent again: the old message stays");
        assertTrue(tookMs < 1900 + 500, "ended by the deadline, not after SQS's own timeouts: " + tookMs + " ms");
    }

    @Test
    void aFailedJobWhoseVisibilityChangeSqsAnswersLateEndsByTheDeadlineAsABatchItemFailure() {
        Message m = awaitMessage();
        // every part's PUT answers after 6 s: the bytes are cut fptr.upload.finish-reserve (1 s) before the deadline
        SIM.fault(Map.of("method", "PUT", "path", "/parts/", "latency_ms", 6000, "times", 100));
        aws.slow(SQS_LATE, "AmazonSQS.ChangeMessageVisibility");

        long started = System.nanoTime();
        // Lambda's 5 s: the deadline is 4 s (less fptr.deadline.margin)
        List<String> failures = SqsEvents.failures(handler.handleRequest(SqsEvents.of(m, MotoTestResource.UPLOAD_QUEUE),
                TestLambdaContext.withRemaining(5000)));
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertEquals(List.of(m.messageId()), failures, "failed: left on the queue");
        assertTrue(tookMs < 4000 + 500, "ended by the deadline, not after SQS's own timeout: " + tookMs + " ms");
    }

    private static Message awaitMessage() {
        for (int i = 0; i < 5; i++) {
            List<Message> got = sqs.receiveMessage(b -> b.queueUrl(QUEUE_URL).maxNumberOfMessages(1).waitTimeSeconds(1)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            if (!got.isEmpty()) {
                return got.get(0);
            }
        }
        throw new AssertionError("no message on " + QUEUE_URL);
    }

    private static JobMessage jobMessage(Message m) {
        return new JobMessage(m.messageId(), m.receiptHandle(), m.body(),
                Integer.parseInt(m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)), Map.of());
    }
}
