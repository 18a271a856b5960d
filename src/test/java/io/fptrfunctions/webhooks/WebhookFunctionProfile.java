package io.fptrfunctions.webhooks;

import io.fptrfunctions.aws.MotoFaultProxy;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * The webhook for Notes and Versions, in two variants. The sweep walks the same settings
 * ({@code io.fptrfunctions.thumbnails.JobTargets}) and its tests want the defaults (Note, original), so these
 * cannot be in the tests' one configuration: a Quarkus start of their own. Secrets Manager goes through
 * {@link MotoFaultProxy} here too, so a test can make reading the webhook secret slow.
 */
public class WebhookFunctionProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("fptr.webhook.entity-types", "Note,Version", "fptr.webhook.variants", "original,thumbnail",
                "quarkus.secretsmanager.endpoint-override", MotoFaultProxy.get().endpoint());
    }
}
