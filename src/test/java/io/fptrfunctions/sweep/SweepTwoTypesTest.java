package io.fptrfunctions.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import io.fptrfunctions.http.TestLambdaContext;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schedule walking two entity types, Notes then Versions (a configuration of its own, with a minimum time left
 * of 1 s, so a deadline of seconds reads a page).
 */
@QuarkusTest
@TestProfile(SweepTwoTypesTest.NotesAndVersions.class)
class SweepTwoTypesTest extends SweepHarness {

    public static class NotesAndVersions implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fptr.webhook.entity-types", "Note,Version", "fptr.sweep.min-time-left", "1s");
        }
    }

    @Test
    void aTypeFptrRefusesOnEveryRunDoesNotKeepTheTypesAfterItFromBeingSwept() {
        newImage(7004, 0);
        SIM.putFile("Version", 6003, "image", "v6003.png", "image/png", 0,
                () -> new ByteArrayInputStream(("image of 6003 " + System.nanoTime()).getBytes()));
        // the script may not read Notes (a permission a site admin took away): refused on every run
        SIM.fault(Map.of("method", "POST", "path", "/entity/Note/_search$", "status", 403, "times", 100));

        JsonNode answer = scheduledSweep();

        assertFalse(answer.get("complete").asBoolean(), answer.toString());
        assertEquals("failed", answer.get("stopped").asText(), "the first walk that did not end says why the run did not");
        assertEquals(403, answer.at("/error/status").asInt());
        assertEquals("Note", answer.at("/error/entity_type").asText());
        assertEquals("failed", walk(answer, 0).get("stopped").asText());
        assertEquals(403, walk(answer, 0).at("/error/status").asInt(), "each failed walk says what stopped it");
        assertEquals("Version", walk(answer, 1).get("entity_type").asText(), answer.toString());
        assertTrue(walk(answer, 1).get("complete").asBoolean(), answer.toString());
        List<JsonNode> jobs = takeJobs();
        assertEquals(1, jobs.size(), jobs.toString());
        assertEquals("Version", jobs.get(0).get("entity_type").asText());
        assertEquals(6003, jobs.get(0).get("entity_id").asLong());
    }

    @Test
    void typesAFailedWalkLeftNoTimeForSaySoPlainlyAndKeepTheirCheckpoints() {
        SIM.putFile("Version", 6003, "image", "v6003.png", "image/png", 0,
                () -> new ByteArrayInputStream(("image of 6003 " + System.nanoTime()).getBytes()));
        scheduledSweep();
        takeJobs();
        Map<String, AttributeValue> versionCheckpoint = stored("sweep#schedule#Version");
        assertNotNull(versionCheckpoint, "the first run saved the Versions' place");
        newImage(7004, 0);
        // the Notes' copy records take longer to read than the whole invocation has: that walk fails when the deadline
        // comes, and no time is left for the Versions
        aws.slow(Duration.ofSeconds(10), "DynamoDB_20120810.BatchGetItem");

        JsonNode answer = scheduledSweep(TestLambdaContext.withRemaining(3_000));   // less fptr.deadline.margin (1 s): 2 s, less than a DynamoDB call may take

        aws.clear();

        assertEquals("failed", answer.get("stopped").asText(), answer.toString());
        assertEquals("Note", answer.at("/error/entity_type").asText(), answer.toString());
        assertEquals(1, answer.get("entity_types").size(), "only the Notes were walked: " + answer);
        JsonNode version = answer.get("not_walked").get(0);
        assertEquals("Version", version.get("entity_type").asText(), answer.toString());
        assertEquals("sweep#schedule#Version", version.get("key").asText());
        assertEquals("time_left", version.get("stopped").asText());
        assertTrue(version.get("detail").asText().startsWith("not walked: no time left in this run"), version.toString());
        assertFalse(answer.toString().contains("reading the checkpoint"), "no timeout of a call not worth making: " + answer);
        assertEquals(versionCheckpoint, stored("sweep#schedule#Version"), "the Versions' checkpoint stays as it was");
    }
}
