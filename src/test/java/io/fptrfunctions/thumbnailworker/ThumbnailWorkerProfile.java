package io.fptrfunctions.thumbnailworker;

import io.fptrfunctions.aws.MotoServer;
import io.quarkus.test.junit.QuarkusTestProfile;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.util.Map;

/**
 * Runs the {@code thumbnail-worker} handler behind the mock event server, with its queue (and dead-letter
 * queue) and table in moto, SQS and DynamoDB through {@link io.fptrfunctions.aws.MotoFaultProxy}. The
 * delays are seconds instead of minutes, so redeliveries happen within a test. The sweep's tests run here
 * too (one boot for both): the sweep queues on the worker's queue and keeps its checkpoints in the worker's
 * table, in pages of 2, a run bounded to 4 entities past its checkpoint.
 */
public class ThumbnailWorkerProfile implements QuarkusTestProfile {

    public static final String QUEUE = "fptr-functions-test-worker-jobs";
    public static final String DEAD_LETTERS = "fptr-functions-test-worker-dead-letters";
    public static final String TABLE = "fptr-functions-test-worker-state";
    /** The queue's redrive policy: receives before a message moves to the dead-letter queue. */
    public static final int MAX_RECEIVE_COUNT = 3;

    static String queueUrl(String name) {
        return MotoServer.get().endpoint() + "/123456789012/" + name;
    }

    /** Creates the job queue (visibility 30 s, redrive to the dead-letter queue) and the dead-letter queue, unless there. */
    public static void createQueues(SqsClient sqs) {
        String dlq = sqs.createQueue(b -> b.queueName(DEAD_LETTERS)).queueUrl();
        String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlq).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        sqs.createQueue(b -> b.queueName(QUEUE).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "30",
                QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\""
                        + MAX_RECEIVE_COUNT + "\"}")));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(
                Map.entry("quarkus.lambda.handler", "thumbnail-worker"),
                Map.entry("fptr.thumbnail-worker.queue-url", queueUrl(QUEUE)),
                Map.entry("fptr.thumbnail-worker.table-name", TABLE),
                Map.entry("fptr.thumbnail-worker.pending-min-delay", "1s"),
                Map.entry("fptr.thumbnail-worker.pending-max-delay", "2s"),
                Map.entry("fptr.thumbnail-worker.retry-min-delay", "1s"),
                Map.entry("fptr.thumbnail-worker.retry-max-delay", "2s"),
                // short, so a test can give the batch a deadline of a few seconds (and one below it)
                Map.entry("fptr.thumbnail-worker.min-time-left", "2s"),
                // the same queue for Prefer: respond-async (the thumbnail handler is called as a bean here)
                Map.entry("fptr.thumbnail.job-queue-url", queueUrl(QUEUE)),
                Map.entry("fptr.sweep.queue-url", queueUrl(QUEUE)),
                Map.entry("fptr.sweep.table-name", TABLE),
                Map.entry("fptr.sweep.page-size", "2"),
                Map.entry("fptr.sweep.max-entities-per-run", "4"));
    }
}
