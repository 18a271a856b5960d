package io.fptrfunctions.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The schedule walking two entity types, Notes then Versions (a configuration of its own). */
@QuarkusTest
@TestProfile(SweepTwoTypesTest.NotesAndVersions.class)
class SweepTwoTypesTest extends SweepHarness {

    public static class NotesAndVersions implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fptr.webhook.entity-types", "Note,Version");
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
}
