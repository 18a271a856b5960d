package io.fptrfunctions.webhooks;

import io.fptrfunctions.aws.MotoServer;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * Runs the {@code webhook} handler behind the mock event server, with its secret, queue and table in moto
 * (SQS and DynamoDB through {@link io.fptrfunctions.aws.MotoFaultProxy}); Notes and Versions, two variants.
 */
public class WebhookFunctionProfile implements QuarkusTestProfile {

    public static final String SECRET_ID = "fptr-functions/test-webhook-secret";
    public static final String QUEUE = "fptr-functions-test-thumbnail-jobs";
    public static final String TABLE = "fptr-functions-test-state";

    static String queueUrl() {
        return MotoServer.get().endpoint() + "/123456789012/" + QUEUE;
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.lambda.handler", "webhook",
                "fptr.webhook.secret-id", SECRET_ID,
                "fptr.webhook.queue-url", queueUrl(),
                "fptr.webhook.table-name", TABLE,
                "fptr.webhook.entity-types", "Note,Version",
                "fptr.webhook.variants", "original,thumbnail",
                "fptr.webhook.secret-refresh-min-interval", "5s");
    }
}
