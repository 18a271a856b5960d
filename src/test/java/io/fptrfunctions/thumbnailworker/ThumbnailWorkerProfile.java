package io.fptrfunctions.thumbnailworker;

import io.fptrfunctions.aws.MotoServer;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * Runs the {@code thumbnail-worker} handler behind the mock event server, with its queue (and dead-letter
 * queue) and table in moto, SQS and DynamoDB through {@link io.fptrfunctions.aws.MotoFaultProxy}. The
 * delays are seconds instead of minutes, so redeliveries happen within a test.
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

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.lambda.handler", "thumbnail-worker",
                "fptr.thumbnail-worker.queue-url", queueUrl(QUEUE),
                "fptr.thumbnail-worker.table-name", TABLE,
                "fptr.thumbnail-worker.pending-min-delay", "1s",
                "fptr.thumbnail-worker.pending-max-delay", "2s",
                "fptr.thumbnail-worker.retry-min-delay", "1s",
                "fptr.thumbnail-worker.retry-max-delay", "2s",
                // the same queue for Prefer: respond-async (the thumbnail handler is called as a bean here)
                "fptr.thumbnail.job-queue-url", queueUrl(QUEUE));
    }
}
