package io.fptrfunctions.thumbnailworker;

import io.fptrfunctions.aws.MotoFaultProxy;
import io.fptrfunctions.aws.MotoServer;
import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.http.TestLambdaContext;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The thumbnail worker's own queue calls after a job's work (a pending job sent again, a failed job's visibility)
 * are cut to the invocation's deadline: with SQS answering late (moto behind {@link MotoFaultProxy}), the
 * invocation still ends before Lambda's timeout, and the job is a batch item failure, so Lambda's answer, not its
 * timeout, decides what stays on the queue. The invocation gets 4 s (its deadline 3 s, less fptr.deadline.margin).
 */
@QuarkusTest
class QueueCallDeadlineTest {

    private static final SimAdmin SIM = FptrSimTestResource.admin();
    private static final String QUEUE_URL = MotoTestResource.queueUrl(MotoTestResource.JOB_QUEUE);
    private static final long LAMBDA_TIMEOUT_MS = 4000;
    /** Longer than the SQS client's own api-call-timeout (2 s in every profile), so only the deadline can cut it. */
    private static final Duration SQS_LATE = Duration.ofSeconds(3);

    private static final SqsClient sqs = MotoServer.get().sqs();

    @Inject
    ThumbnailWorkerHandler handler;

    final MotoFaultProxy aws = MotoFaultProxy.get();

    @BeforeEach
    void cleanSlate() {
        SIM.reset();
        SIM.login();
        CircuitBreakerMaintenance.get().resetAll();
        sqs.purgeQueue(b -> b.queueUrl(QUEUE_URL));
        aws.clear();
    }

    /** The late calls still reach moto after the proxy's delay: let them land before the next test purges. */
    @AfterEach
    void letLateCallsLand() throws InterruptedException {
        Thread.sleep(SQS_LATE.toMillis() + 500);
        aws.clear();
        sqs.purgeQueue(b -> b.queueUrl(QUEUE_URL));
    }

    @Test
    void aPendingJobWhoseSendAgainSqsAnswersLateEndsBeforeLambdasTimeoutAsABatchItemFailure() throws IOException {
        SIM.config(Map.of("thumbnail_pending_seconds", 30));
        SIM.upload("notes", 7004, "image", "fresh.png", "image/png", png());
        // FPTR's read takes 0.6 s (well within its 1.5 s timeout), so the send starts with less than 2.5 s of the deadline left
        SIM.fault(Map.of("method", "GET", "path", "/entity/Note/7004$", "latency_ms", 600, "times", 5));
        String id = sqs.sendMessage(b -> b.queueUrl(QUEUE_URL).messageBody(
                "{\"entity_type\":\"Note\",\"entity_id\":7004,\"variant\":\"original\",\"source\":\"http\"}")).messageId();
        Message m = awaitMessage();
        aws.slow(SQS_LATE, "AmazonSQS.SendMessage", "AmazonSQS.ChangeMessageVisibility");

        long started = System.nanoTime();
        List<String> failures = SqsEvents.failures(handler.handleRequest(SqsEvents.of(m, MotoTestResource.JOB_QUEUE),
                TestLambdaContext.withRemaining(LAMBDA_TIMEOUT_MS)));
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertEquals(List.of(id), failures, "not known to be sent again: the old message stays (a batch item failure)");
        assertTrue(tookMs < LAMBDA_TIMEOUT_MS, "ended before Lambda's timeout, not after SQS's own timeouts: " + tookMs + " ms");
        // SQS took the late send after all: the job is on the queue twice (the old message stays in flight), which is
        // safe because a copy is idempotent (the second ends "unchanged", or waits on its own)
        Message twin = awaitMessage();
        assertEquals(m.body(), twin.body(), "the send the worker gave up on landed");
        assertTrue(!id.equals(twin.messageId()), "a second message, not the old one back");
    }

    @Test
    void aFailedJobWhoseVisibilityChangeSqsAnswersLateEndsBeforeLambdasTimeoutAsABatchItemFailure() {
        // FPTR answers after 6 s: the read is cut at the deadline, and the failure's visibility change has no time left
        SIM.fault(Map.of("method", "GET", "path", "/entity/Note/7001$", "latency_ms", 6000, "times", 5));
        String id = sqs.sendMessage(b -> b.queueUrl(QUEUE_URL).messageBody(
                "{\"entity_type\":\"Note\",\"entity_id\":7001,\"variant\":\"original\",\"source\":\"http\"}")).messageId();
        Message m = awaitMessage();
        aws.slow(SQS_LATE, "AmazonSQS.ChangeMessageVisibility");

        long started = System.nanoTime();
        List<String> failures = SqsEvents.failures(handler.handleRequest(SqsEvents.of(m, MotoTestResource.JOB_QUEUE),
                TestLambdaContext.withRemaining(LAMBDA_TIMEOUT_MS)));
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertEquals(List.of(id), failures, "failed: left on the queue");
        assertTrue(tookMs < LAMBDA_TIMEOUT_MS, "ended before Lambda's timeout, not after SQS's own timeout: " + tookMs + " ms");
    }

    /**
     * A job whose own work the deadline cut (FPTR too slow) still has time for its visibility change: it comes back
     * after its failure's backoff (1-2 s in tests), not after the queue's visibility timeout (90 min).
     */
    @Test
    void aJobCutByTheDeadlineStillGetsItsBackoffNotTheQueuesVisibilityTimeout() {
        SIM.fault(Map.of("method", "GET", "path", "/entity/Note/7001$", "latency_ms", 6000, "times", 5));
        String id = sqs.sendMessage(b -> b.queueUrl(QUEUE_URL).messageBody(
                "{\"entity_type\":\"Note\",\"entity_id\":7001,\"variant\":\"original\",\"source\":\"http\"}")).messageId();
        Message m = awaitMessage();

        List<String> failures = SqsEvents.failures(handler.handleRequest(SqsEvents.of(m, MotoTestResource.JOB_QUEUE),
                TestLambdaContext.withRemaining(LAMBDA_TIMEOUT_MS)));

        assertEquals(List.of(id), failures, "failed: left on the queue");
        assertEquals(id, awaitMessage().messageId(), "visible again after its backoff: the visibility change had its time");
    }

    private static Message awaitMessage() {
        for (int i = 0; i < 5; i++) {
            List<Message> got = sqs.receiveMessage(b -> b.queueUrl(QUEUE_URL).maxNumberOfMessages(1).waitTimeSeconds(1)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL).messageAttributeNames("All")).messages();
            if (!got.isEmpty()) {
                return got.get(0);
            }
        }
        throw new AssertionError("no message on " + QUEUE_URL);
    }

    private static byte[] png() throws IOException {
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        image.setRGB(1, 1, 0xff8800);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
