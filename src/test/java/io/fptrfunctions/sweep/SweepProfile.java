package io.fptrfunctions.sweep;

import io.fptrfunctions.aws.MotoServer;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.HashMap;
import java.util.Map;

/**
 * Runs the {@code sweep} handler behind the mock event server, with its queue and table in moto (SQS and
 * DynamoDB through {@link io.fptrfunctions.aws.MotoFaultProxy}), and the thumbnail worker's settings on
 * the same queue and table so a test can hand the queued jobs to the worker in this JVM. Pages of 2, so
 * every walk of a few Notes reads several pages.
 */
public class SweepProfile implements QuarkusTestProfile {

    public static final String QUEUE = "fptr-functions-test-sweep-jobs";
    public static final String TABLE = "fptr-functions-test-sweep-state";

    static String queueUrl() {
        return MotoServer.get().endpoint() + "/123456789012/" + QUEUE;
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>(Map.of(
                "quarkus.lambda.handler", "sweep",
                "fptr.sweep.queue-url", queueUrl(),
                "fptr.sweep.table-name", TABLE,
                "fptr.sweep.page-size", "2",
                "fptr.thumbnail-worker.queue-url", queueUrl(),
                "fptr.thumbnail-worker.table-name", TABLE));
        config.putAll(extra());
        return config;
    }

    Map<String, String> extra() {
        return Map.of();
    }

    /** The same, with runs bounded to 3 entities past the checkpoint. */
    public static class Bounded extends SweepProfile {
        @Override
        Map<String, String> extra() {
            return Map.of("fptr.sweep.max-entities-per-run", "3");
        }
    }
}
