package io.fptrfunctions.webhooks;

import io.fptrfunctions.config.FunctionsConfig;
import io.fptrfunctions.fptr.LogCapture;
import io.fptrfunctions.http.ProblemException;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code fptr.webhook.*}: its defaults, and a receiver that is not configured refusing every delivery (no Quarkus start). */
class WebhookSettingsTest {

    private static final Map<String, String> CONFIGURED = Map.of(
            "fptr.webhook.secret-id", "fptr-functions/webhook-secret",
            "fptr.webhook.queue-url", "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
            "fptr.webhook.table-name", "state");

    private static WebhookSettings settings(Map<String, String> properties) {
        WebhookConfig config = new SmallRyeConfigBuilder()
                .withMapping(FunctionsConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build()
                .getConfigMapping(FunctionsConfig.class)
                .webhook();
        return new WebhookSettings(config);
    }

    private static Map<String, String> configuredWith(String key, String value) {
        Map<String, String> properties = new HashMap<>(CONFIGURED);
        if (value == null) {
            properties.remove(key);
        } else {
            properties.put(key, value);
        }
        return properties;
    }

    @Test
    void defaultsAreNotesOriginalsSevenDaysAndLambdasSixMegabytes() {
        WebhookSettings s = settings(CONFIGURED);

        assertTrue(s.problem().isEmpty());
        assertEquals(Set.of("Note"), s.entityTypes());
        assertEquals(List.of("original"), s.variants());
        assertEquals(Duration.ofDays(7), s.config().dedupeTtl());
        assertEquals(6 * 1024 * 1024, s.config().maxBodyBytes());
        assertEquals(Duration.ofSeconds(60), s.config().claimLease());
        assertEquals(Duration.ofMinutes(5), s.config().secretTtl());
    }

    @Test
    void withoutASecretEveryDeliveryIsA500AndTheLogSaysSoOnce() {
        WebhookSettings s = settings(configuredWith("fptr.webhook.secret-id", null));

        try (LogCapture logs = LogCapture.start()) {
            for (int i = 0; i < 3; i++) {
                ProblemException problem = s.problem().orElseThrow();
                assertEquals(500, problem.status());
                assertTrue(problem.detail().contains("FPTR_WEBHOOK_SECRET_ID"), problem.detail());
                assertTrue(problem.detail().contains("refuses every delivery"), problem.detail());
            }
            assertEquals(1, logs.lines().stream().filter(l -> l.contains("FPTR_WEBHOOK_SECRET_ID")).count(), logs.all());
        }
    }

    @Test
    void aBlankSecretIdIsNoSecret() {
        assertTrue(settings(configuredWith("fptr.webhook.secret-id", " ")).problem().orElseThrow().detail().contains("FPTR_WEBHOOK_SECRET_ID"));
    }

    @Test
    void aMissingQueueOrTableAndUnknownVariantsAreNamed() {
        Map<String, String> properties = configuredWith("fptr.webhook.queue-url", null);
        properties.put("fptr.webhook.variants", "original,huge");
        properties.put("fptr.webhook.entity-types", "Note,shot");

        String detail = settings(properties).problem().orElseThrow().detail();

        assertTrue(detail.contains("FPTR_WEBHOOK_QUEUE_URL"), detail);
        assertTrue(detail.contains("'huge'"), detail);
        assertTrue(detail.contains("'shot'"), detail);
    }
}
