package io.fptrfunctions.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.http.TestLambdaContext;
import io.fptrfunctions.telemetry.EmfLines;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs bounded to 4 entities past the checkpoint (pages of 2): the next run continues where one stopped,
 * for the schedule and for a backfill, whose progress is its own; and what a backfill refuses.
 */
@QuarkusTest
class SweepResumeTest extends SweepHarness {

    private static final String SCHEDULE_KEY = "sweep#schedule#Note";
    private static final String DEMO_BACKFILL = "{\"since\": \"2026-01-01T00:00:00Z\", \"project\": \"Demo Project\"}";

    @Test
    void aBoundedRunStopsAfterItsEntitiesAndTheNextContinuesWhereItStopped() {
        for (long id : List.of(7002L, 7004L, 7005L, 7007L, 7008L)) {
            newImage(id, 0);
        }

        JsonNode first = scheduledSweep();

        assertFalse(first.get("complete").asBoolean(), first.toString());
        assertEquals("max_entities", first.get("stopped").asText());
        List<JsonNode> jobs = takeJobs();
        assertEquals(List.of(7002L, 7004L, 7005L, 7007L), ids(jobs));
        assertEquals(imageEventId(7007), walk(first, 0).at("/checkpoint_after/event_id").asLong());
        assertEquals(4, copy(jobs), "the worker copies them before the next run, as it does within seconds");

        JsonNode next = scheduledSweep();

        assertTrue(next.get("complete").asBoolean(), next.toString());
        assertEquals(walk(first, 0).get("checkpoint_after"), walk(next, 0).get("checkpoint_before"));
        assertEquals(List.of(7008L), ids(takeJobs()), "where the first stopped");
        assertEquals(4, next.get("already_copied").asLong(), "the first run's, read again within the overlap (not counted toward the 4)");
        assertEquals(imageEventId(7008), walk(next, 0).at("/checkpoint_after/event_id").asLong());
    }

    @Test
    void aTimeoutBelowTheMinimumTimeLeftIsAConfigurationProblemNotRunsThatNeverReadAPage() {
        newImage(7004, 0);

        // Lambda gives 30 s; fptr.sweep.min-time-left is 60 s: every run would stop "time_left" before its first page
        JsonNode answer;
        long failedCount;
        try (EmfLines emf = EmfLines.capture()) {
            answer = scheduledSweep(TestLambdaContext.withRemaining(30_000));
            failedCount = EmfLines.value(emf.only(), "SweepFailed");
        }

        assertEquals(1, failedCount, "a run that cannot start counts as failed (SweepFailedAlarm)");
        assertEquals(500, answer.path("status").asInt(), answer.toString());
        assertEquals("The sweep is not configured", answer.path("title").asText());
        assertTrue(answer.path("detail").asText().contains("less than fptr.sweep.min-time-left (60 s)"), answer.toString());
        assertEquals(List.of(), takeJobs());
        assertNull(stored(SCHEDULE_KEY));
        assertEquals(List.of(7004L), ids(takeJobsOf(scheduledSweep(TestLambdaContext.withRemaining(120_000)))),
                "with time for a page, the same run reads it");
    }

    private static List<JsonNode> takeJobsOf(JsonNode answer) {
        assertTrue(answer.path("complete").asBoolean(), answer.toString());
        return takeJobs();
    }

    @Test
    void aBackfillWalksHistoryWithoutTouchingTheScheduledCheckpointAndTheSameBodyContinuesIt() {
        // another project's Note with an image: not this backfill's
        SIM.insert(Map.of("type", "Project", "id", 71, "name", "Other Project"));
        long other = SIM.insert(Map.of("type", "Note", "project", Map.of("type", "Project", "id", 71), "subject", "elsewhere",
                "image", "elsewhere.png", "created_at", "2026-02-01T00:00:00Z"));
        newImage(7004, 0);
        newImage(7005, 0);
        assertEquals(2, scheduledSweep().get("queued").asLong());
        assertEquals(1, copy(takeJobs().stream().filter(j -> j.get("entity_id").asLong() == 7004).toList()),
                "7004 copied; 7005 not yet (the test took its job off the queue)");
        Map<String, AttributeValue> schedule = stored(SCHEDULE_KEY);
        assertNotNull(schedule);

        JsonNode first = sweep(DEMO_BACKFILL);

        assertEquals("backfill", first.get("run").asText(), first.toString());
        String key = first.at("/backfill/key").asText();
        assertTrue(key.matches("sweep#backfill#[0-9a-f]{16}"), key);
        assertEquals(70, first.at("/backfill/project/id").asLong(), "the name, resolved");
        assertEquals("Demo Project", first.at("/backfill/project/name").asText());
        assertEquals("2026-01-01T00:00:00Z", first.at("/backfill/since").asText());
        assertEquals(key + "#Note", walk(first, 0).get("key").asText());
        assertTrue(walk(first, 0).get("checkpoint_before").isNull(), "a new backfill");
        assertFalse(first.get("complete").asBoolean(), "bounded to 4: 7001, 7003, 7006 and 7004");
        List<JsonNode> jobs = takeJobs();
        assertEquals(List.of(7001L, 7003L, 7006L), ids(jobs), "the seed's images, oldest first; not Note " + other);
        assertTrue(jobs.stream().allMatch(j -> j.get("source").asText().equals("backfill")), jobs.toString());
        assertEquals(schedule, stored(SCHEDULE_KEY), "the scheduled checkpoint is untouched");
        assertEquals("7004", stored(key + "#Note").get("entity_id").n(), "7004 is copied: its row counts, its job is not queued");
        assertEquals("{\"since\":\"2026-01-01T00:00:00Z\",\"project\":70,\"variants\":[\"original\"]}",
                stored(key + "#Note").get("request").s(), "what the walk depends on: the name resolved, the configured variants");
        assertNotNull(stored(key + "#Note").get("expires_at"), "a backfill's progress expires (fptr.sweep.backfill-ttl)");

        // the same body, written another way: the same backfill, continued
        JsonNode next = sweep("{\"project\":\"Demo Project\",\"since\":\"2026-01-01T00:00:00+00:00\"}");

        assertEquals(key, next.at("/backfill/key").asText(), next.toString());
        assertEquals(walk(first, 0).get("checkpoint_after"), walk(next, 0).get("checkpoint_before"));
        assertTrue(next.get("complete").asBoolean());
        assertEquals(List.of(7005L), ids(takeJobs()), "7005, past where the first stopped; 7004 (read again "
                + "within the overlap) is copied");
        assertEquals(1, next.get("already_copied").asLong());
        assertEquals(7005, walk(next, 0).at("/checkpoint_after/id").asLong());
        assertEquals(schedule, stored(SCHEDULE_KEY));
    }

    @Test
    void aProjectByNameAndTheSameProjectByIdAreOneBackfillWhateverDefaultsAreSpelledOut() {
        newImage(7004, 0);
        newImage(7005, 0);
        JsonNode byName = sweep(DEMO_BACKFILL);
        assertFalse(byName.get("complete").asBoolean(), "bounded to 4: 7001, 7003, 7006 and 7004");
        assertEquals(List.of(7001L, 7003L, 7004L, 7006L), ids(takeJobs()).stream().sorted().toList(), byName.toString());

        // the id the name resolves to, the configured variant spelled out and the one type named: it walks what
        // the first did, so it continues it (to 7005) rather than queueing 7001, 7003 and 7006 again
        JsonNode byId = sweep("{\"since\": \"2026-01-01T00:00:00Z\", \"project\": 70, \"entity_types\": [\"Note\"], "
                + "\"variants\": [\"original\"]}");

        assertEquals(byName.at("/backfill/key").asText(), byId.at("/backfill/key").asText(), byId.toString());
        assertEquals(walk(byName, 0).get("checkpoint_after"), walk(byId, 0).get("checkpoint_before"), byId.toString());
        List<Long> continued = ids(takeJobs());
        assertTrue(continued.contains(7005L) && !continued.contains(7001L) && !continued.contains(7003L), continued.toString());

        JsonNode oneVariant = sweep("{\"since\": \"2026-01-01T00:00:00Z\", \"project\": 70, \"variants\": [\"thumbnail\"]}");
        assertNotEquals(byName.at("/backfill/key").asText(), oneVariant.at("/backfill/key").asText(), "another walk: its own progress");
    }

    @Test
    void anotherBodyIsAnotherBackfillFromItsOwnStart() {
        JsonNode originals = sweep("{\"since\": \"2026-01-01T00:00:00Z\", \"project\": 70}");
        assertEquals(List.of(7001L, 7003L, 7006L), ids(takeJobs()));

        JsonNode thumbnails = sweep("{\"since\": \"2026-01-01T00:00:00Z\", \"project\": 70, \"variants\": [\"thumbnail\"]}");

        assertNotEquals(originals.at("/backfill/key").asText(), thumbnails.at("/backfill/key").asText());
        List<JsonNode> jobs = takeJobs();
        assertEquals(List.of(7001L, 7003L, 7006L), ids(jobs), thumbnails.toString());
        assertTrue(jobs.stream().allMatch(j -> j.get("variant").asText().equals("thumbnail")), jobs.toString());
        assertEquals("Demo Project", thumbnails.at("/backfill/project/name").asText(), "an id is looked up too");
    }

    @Test
    void badBackfillInputIsAProblemAnswerAndNothingIsReadOrQueued() {
        SIM.clearRequests();
        try (EmfLines emf = EmfLines.capture()) {
            assertProblem(sweep("{\"since\": \"last tuesday\"}"), 400, "/since", "ISO-8601");
            assertEquals(0, emf.lines().stream().mapToLong(line -> EmfLines.value(line, "SweepFailed")).sum(),
                    "the caller's mistake is no failed run");
        }
        assertProblem(sweep("{\"since\": \"2999-01-01T00:00:00Z\"}"), 400, "/since", "in the future");
        // a date FPTR cannot hold: what its datetime filter makes of year 1 or 5000 BC is not known (sent as 0000-12-31T23:59:00Z)
        assertProblem(sweep("{\"since\": \"0001-01-01T00:00:00Z\"}"), 400, "/since", "before 1970-01-01");
        assertProblem(sweep("{\"since\": \"-5000-01-01T00:00:00Z\"}"), 400, "/since", "before 1970-01-01");
        assertProblem(sweep("{\"entity_types\": [\"Note\"]}"), 400, "", "needs since or project");
        assertProblem(sweep("{\"since\": \"2024-01-01\", \"projects\": 70}"), 400, "/projects", "Unknown key");
        assertProblem(sweep("{\"project\": -3}"), 400, "/project", "positive whole number");
        assertProblem(sweep("{\"project\": [70]}"), 400, "/project", "project id (70) or name");
        assertProblem(sweep("{\"project\": 70, \"entity_types\": [\"notes\"]}"), 400, "/entity_types/0", "entity type");
        assertProblem(sweep("{\"project\": 70, \"variants\": [\"huge\"]}"), 400, "/variants/0", "original, thumbnail");
        assertProblem(sweep("[1, 2]"), 400, "", "JSON object");
        assertEquals(List.of(), SIM.requests(null, "/api/.*"), "refused before FPTR is asked anything");

        assertProblem(sweep("{\"project\": \"No Such Project\"}"), 404, "/project", "No project is named 'No Such Project'");
        assertProblem(sweep("{\"project\": 999}"), 404, "/project", "Project 999 does not exist");
        assertEquals(List.of(), takeJobs());
        assertEquals(List.of(), DYNAMO.scan(b -> b.tableName(TABLE)).items(), "no progress kept");
    }

    @Test
    void aScheduledEventCarryingABackfillMemberIsRefusedNotRunAsTheSchedule() {
        String scheduled = "{\"version\":\"0\",\"detail-type\":\"Scheduled Event\",\"source\":\"aws.events\",";
        SIM.clearRequests();
        assertProblem(sweep(scheduled + "\"since\":\"2024-01-01\",\"detail\":{}}"), 400, "/since", "Scheduled Event runs the scheduled sweep");
        assertProblem(sweep(scheduled + "\"detail\":{\"project\":70}}"), 400, "/detail/project", "backfill body alone");
        assertEquals(List.of(), SIM.requests(null, "/api/.*"), "refused before FPTR is asked anything");
        assertEquals(List.of(), takeJobs());
        assertEquals(List.of(), DYNAMO.scan(b -> b.tableName(TABLE)).items(), "no progress kept");

        assertEquals("schedule", scheduledSweep().get("run").asText(), "EventBridge's own event is still the schedule");
    }

    @Test
    void aBackfillOfEntityTypesFptrCannotBackfillIsRefusedBeforeAnyIsWalked() {
        // Note alone would queue 7001, 7003 and 7006; with a type FPTR cannot backfill beside it, nothing is walked
        assertProblem(sweep("{\"project\": 70, \"entity_types\": [\"Note\", \"NoSuchType\"]}"), 400, "/entity_types",
                "FPTR has no entity type 'NoSuchType'");
        assertProblem(sweep("{\"project\": 70, \"entity_types\": [\"EventLogEntry\", \"Note\"]}"), 400, "/entity_types",
                "EventLogEntry has no image field");
        assertProblem(sweep("{\"project\": 70, \"entity_types\": [\"Note\", \"Project\"]}"), 400, "/entity_types",
                "Project has no project field");
        assertEquals(List.of(), takeJobs());
        assertEquals(List.of(), DYNAMO.scan(b -> b.tableName(TABLE)).items(), "no progress kept");
    }

    private static void assertProblem(JsonNode answer, int status, String pointer, String words) {
        assertEquals(status, answer.path("status").asInt(), answer.toString());
        assertEquals(pointer, answer.path("pointer").asText(), answer.toString());
        assertTrue(answer.path("detail").asText().contains(words), answer.toString());
        assertTrue(answer.has("title") && answer.has("type"), answer.toString());
        assertFalse(answer.has("errorType") || answer.has("stackTrace"), "answered, not thrown: " + answer);
    }
}
