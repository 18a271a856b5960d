package io.fptrfunctions.aws;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Points every AWS client of the app at the one moto_server of this test run, creates the bucket, tables
 * and queues, and names them in every function's settings: one Quarkus start serves every function's tests.
 * Declared with {@link QuarkusTestResource} so it applies to every {@code @QuarkusTest}.
 */
@QuarkusTestResource(MotoTestResource.class)
public class MotoTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String BUCKET = "fptr-functions-test";
    /** Where the write routes keep their Idempotency-Keys in tests (in AWS, the StateTable). */
    public static final String IDEMPOTENCY_TABLE = "fptr-functions-test-idempotency";
    /** The thumbnail job queue: the worker's event source, where the thumbnail route's Prefer: respond-async queues. */
    public static final String JOB_QUEUE = "fptr-functions-test-worker-jobs";
    /** The job queue's dead-letter queue. */
    public static final String DEAD_LETTERS = "fptr-functions-test-worker-dead-letters";
    /** The job queue's redrive policy: receives before a message moves to the dead-letter queue. */
    public static final int MAX_RECEIVE_COUNT = 3;
    /** The job queue's visibility timeout (as the template's), seconds. */
    public static final String JOB_VISIBILITY_TIMEOUT = "30";
    /** The worker's table (in AWS, the StateTable). */
    public static final String WORKER_TABLE = "fptr-functions-test-worker-state";
    /** The upload job queue: Prefer: respond-async on the upload routes queues here; the upload worker's event source. */
    public static final String UPLOAD_QUEUE = "fptr-functions-test-upload-jobs";
    /** The upload job queue's dead-letter queue. */
    public static final String UPLOAD_DEAD_LETTERS = "fptr-functions-test-upload-dead-letters";
    /** The webhook's queue: a queue of its own here, so the worker's tests never see the webhook's jobs. */
    public static final String WEBHOOK_QUEUE = "fptr-functions-test-thumbnail-jobs";
    /** The webhook's table of deliveries seen (in AWS, the StateTable). */
    public static final String WEBHOOK_TABLE = "fptr-functions-test-state";
    /** The webhook's signing secret in Secrets Manager. */
    public static final String WEBHOOK_SECRET_ID = "fptr-functions/test-webhook-secret";

    /** A queue's URL in moto (account 123456789012). */
    public static String queueUrl(String name) {
        return MotoServer.get().endpoint() + "/123456789012/" + name;
    }

    @Override
    public Map<String, String> start() {
        MotoServer moto = MotoServer.get();
        moto.createBucket(BUCKET);
        moto.createStateTable(IDEMPOTENCY_TABLE);
        moto.createStateTable(WORKER_TABLE);
        moto.createStateTable(WEBHOOK_TABLE);
        moto.createJobQueue(JOB_QUEUE, DEAD_LETTERS, MAX_RECEIVE_COUNT, JOB_VISIBILITY_TIMEOUT);
        moto.createQueue(WEBHOOK_QUEUE);
        moto.createJobQueue(UPLOAD_QUEUE, UPLOAD_DEAD_LETTERS, MAX_RECEIVE_COUNT, JOB_VISIBILITY_TIMEOUT);
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.s3.endpoint-override", moto.endpoint());
        config.put("quarkus.secretsmanager.endpoint-override", moto.endpoint());
        // SQS and DynamoDB through a pass-through that tests can make fail as AWS does
        config.put("quarkus.sqs.endpoint-override", MotoFaultProxy.get().endpoint());
        config.put("quarkus.dynamodb.endpoint-override", MotoFaultProxy.get().endpoint());
        config.put("fptr.thumbnail.bucket", BUCKET);
        config.put("fptr.idempotency.table-name", IDEMPOTENCY_TABLE);
        config.put("fptr.thumbnail.job-queue-url", queueUrl(JOB_QUEUE));
        config.put("fptr.thumbnail-worker.queue-url", queueUrl(JOB_QUEUE));
        config.put("fptr.thumbnail-worker.table-name", WORKER_TABLE);
        // the sweep queues on the worker's queue and keeps its checkpoints in the worker's table, as deployed
        config.put("fptr.sweep.queue-url", queueUrl(JOB_QUEUE));
        config.put("fptr.sweep.table-name", WORKER_TABLE);
        config.put("fptr.webhook.secret-id", WEBHOOK_SECRET_ID);
        config.put("fptr.webhook.queue-url", queueUrl(WEBHOOK_QUEUE));
        config.put("fptr.webhook.table-name", WEBHOOK_TABLE);
        config.put("fptr.upload.source-bucket", BUCKET);
        config.put("fptr.upload.source-prefix", "uploads/");
        config.put("fptr.upload.job-queue-url", queueUrl(UPLOAD_QUEUE));
        config.put("fptr.upload-worker.queue-url", queueUrl(UPLOAD_QUEUE));
        return config;
    }

    @Override
    public void stop() {
        // moto_server lives for the whole test JVM (stopped by a shutdown hook), not per Quarkus restart.
    }
}
