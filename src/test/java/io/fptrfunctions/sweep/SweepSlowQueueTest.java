package io.fptrfunctions.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.http.TestLambdaContext;
import io.fptrfunctions.telemetry.EmfLines;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A page whose jobs SQS takes so slowly that the invocation's deadline comes before the last of them: the
 * checkpoint must still be saved before the first job not queued, or every run would queue the same jobs
 * again and never get past that page. A configuration of its own: pages of 50, two variants (so 31 Notes
 * are 62 jobs, 7 SendMessageBatch calls), and a minimum time left of 1 s, so a deadline of seconds reads a page.
 */
@QuarkusTest
@TestProfile(SweepSlowQueueTest.BigPagesShortDeadline.class)
class SweepSlowQueueTest extends SweepHarness {

    public static class BigPagesShortDeadline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fptr.sweep.page-size", "50", "fptr.sweep.max-entities-per-run", "100",
                    "fptr.sweep.min-time-left", "1s", "fptr.webhook.variants", "original,thumbnail");
        }
    }

    @Test
    void aPageWhoseJobsSqsTakesTooSlowlyForTheDeadlineSavesHowFarItGotAndStopsForTime() {
        List<Long> notes = new ArrayList<>();
        for (int i = 0; i < 31; i++) {
            long id = SIM.insert(Map.of("type", "Note", "project", Map.of("type", "Project", "id", 70), "subject", "slow queue " + i));
            newImage(id, 0);
            notes.add(id);
        }
        // each SendMessageBatch (10 jobs) takes 1.2 s: the 7 of the page need 8.4 s, the deadline is 7 s away
        aws.slow(Duration.ofMillis(1200), "AmazonSQS.SendMessageBatch");

        JsonNode answer;
        long failedCount;
        try (EmfLines emf = EmfLines.capture()) {
            answer = scheduledSweep(TestLambdaContext.withRemaining(8_000));   // less fptr.deadline.margin (1 s)
            failedCount = EmfLines.value(emf.only(), "SweepFailed");
        }

        aws.clear();
        // the run's own time ran out, which the next run continues from its checkpoint: not a failure to alarm on
        assertEquals("time_left", answer.get("stopped").asText(), answer.toString());
        assertFalse(answer.has("error"), answer.toString());
        assertEquals(0, failedCount, "SweepFailedAlarm is not set off by a run that ran out of time: " + answer);
        long queued = answer.get("queued").asLong();
        assertTrue(queued >= 10 && queued % 2 == 0, "whole batches of the first Notes, both variants of each: " + answer);
        long lastQueuedNote = notes.get((int) (queued / 2) - 1);
        assertNotNull(stored("sweep#schedule#Note"), "the checkpoint is saved within the time the sends left it: " + answer);
        assertEquals(Long.toString(imageEventId(lastQueuedNote)), stored("sweep#schedule#Note").get("event_id").n(),
                "after the last Note whose jobs are both queued, before the first that is not: " + answer);
    }
}
