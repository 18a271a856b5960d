package io.fptrfunctions.aws;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Points every AWS client of the app at the one moto_server of this test run, and creates the bucket.
 * Declared with {@link QuarkusTestResource} so it applies to every {@code @QuarkusTest} (one Quarkus
 * start for all tests that share a profile).
 */
@QuarkusTestResource(MotoTestResource.class)
public class MotoTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String BUCKET = "fptr-functions-test";
    /** Where the write routes keep their Idempotency-Keys in tests (in AWS, the StateTable). */
    public static final String IDEMPOTENCY_TABLE = "fptr-functions-test-idempotency";

    @Override
    public Map<String, String> start() {
        MotoServer moto = MotoServer.get();
        moto.createBucket(BUCKET);
        moto.createStateTable(IDEMPOTENCY_TABLE);
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.s3.endpoint-override", moto.endpoint());
        config.put("quarkus.secretsmanager.endpoint-override", moto.endpoint());
        // SQS and DynamoDB through a pass-through that tests can make fail as AWS does
        config.put("quarkus.sqs.endpoint-override", MotoFaultProxy.get().endpoint());
        config.put("quarkus.dynamodb.endpoint-override", MotoFaultProxy.get().endpoint());
        config.put("fptr.thumbnail.bucket", BUCKET);
        config.put("fptr.idempotency.table-name", IDEMPOTENCY_TABLE);
        return config;
    }

    @Override
    public void stop() {
        // moto_server lives for the whole test JVM (stopped by a shutdown hook), not per Quarkus restart.
    }
}
