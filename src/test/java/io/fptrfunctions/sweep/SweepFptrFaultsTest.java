package io.fptrfunctions.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.fptr.LogCapture;
import io.fptrfunctions.telemetry.EmfLines;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What FPTR may do to a walk half-way (the simulator's faults): answer a page larger than
 * {@code fptr.max-answer-bytes} (200,000 in tests), leave out a row's {@code updated_at}, throttle with
 * Retry-After, expire the token. Pages of 2, runs bounded to 4 rows past the checkpoint.
 */
@QuarkusTest
class SweepFptrFaultsTest extends SweepHarness {

    private static final String SCHEDULE_KEY = "sweep#schedule#Note";
    /** Makes every answer with a second row larger than the tests' fptr.max-answer-bytes; one of one row stays as it was. */
    private static final Map<String, Object> SECOND_ROW_TOO_LARGE = Map.of("/data/1/attributes/image", "x".repeat(250_000));

    @Test
    void aPageFptrAnswersTooLargeIsReadAgainInSmallerPagesAndTheRunGoesOn() {
        scheduledSweep();
        for (long id : List.of(7002L, 7004L, 7005L)) {
            newImage(id, 0);
        }
        // every read of two Notes is larger than fptr.max-answer-bytes, as a page of 5000 rows with long signed image URLs can be
        SIM.fault(Map.of("method", "POST", "path", "/entity/Note/_search$", "rewrite", SECOND_ROW_TOO_LARGE, "times", 100));

        JsonNode answer;
        try (LogCapture log = LogCapture.start()) {
            answer = scheduledSweep();
            List<String> warnings = log.lines().stream().filter(l -> l.contains("fptr.max-answer-bytes")).toList();
            assertEquals(1, warnings.size(), "said once, when the pages were made smaller: " + log.all());
            assertTrue(warnings.get(0).contains("pages of 1 instead of 2"), warnings.get(0));
        }

        assertTrue(answer.get("complete").asBoolean(), answer.toString());
        assertEquals(List.of(7002L, 7004L, 7005L), ids(takeJobs()));
        assertEquals(imageEventId(7005), walk(answer, 0).at("/checkpoint_after/event_id").asLong());
        assertEquals(Long.toString(imageEventId(7005)), stored(SCHEDULE_KEY).get("event_id").n());
        assertEquals(3, answer.get("events_read").asLong(), "each event counted once, not again when its page is read smaller: " + answer);
    }

    @Test
    void aBackfillPageFptrAnswersTooLargeIsReadAgainInSmallerPages() {
        SIM.fault(Map.of("method", "POST", "path", "/entity/Note/_search$", "rewrite", SECOND_ROW_TOO_LARGE, "times", 100));

        JsonNode answer = sweep("{\"since\": \"2026-01-01T00:00:00Z\", \"project\": 70}");

        assertTrue(answer.get("complete").asBoolean(), answer.toString());
        assertEquals(List.of(7001L, 7003L, 7006L), ids(takeJobs()));
        assertEquals(7006, walk(answer, 0).at("/checkpoint_after/id").asLong());
    }

    @Test
    void aRowTooLargeForAPageOfItsOwnStillFailsTheRunAfterABoundedNumberOfTries() {
        scheduledSweep();
        newImage(7004, 0);
        newImage(7005, 0);
        // any answer with a row is too large: halving the page cannot help below one row
        SIM.fault(Map.of("method", "POST", "path", "/entity/Note/_search$", "rewrite",
                Map.of("/data/0/attributes/image", "x".repeat(250_000)), "times", 100));
        SIM.clearRequests();

        JsonNode failed;
        long failedCount;
        try (EmfLines emf = EmfLines.capture()) {
            failed = scheduledSweep();
            failedCount = EmfLines.value(emf.only(), "SweepFailed");
        }

        assertEquals(1, failedCount, "a failed run is an answer, not a Lambda error: SweepFailed is what SweepFailedAlarm sees");
        assertEquals("failed", failed.get("stopped").asText(), failed.toString());
        assertEquals(502, failed.at("/error/status").asInt());
        assertEquals("FPTR's answer was too large", failed.at("/error/title").asText());
        assertEquals(2, SIM.requests("POST", ".*/entity/Note/_search").size(), "a read of 2 Notes, then of 1, then no more");
        assertEquals(List.of(), takeJobs());
        assertEquals(null, stored(SCHEDULE_KEY), "nothing queued, nothing saved");
    }

    @Test
    void aNoteFptrAnswersWithoutUpdatedAtIsStillQueuedByTheSchedule() {
        scheduledSweep();
        newImage(7004, 0);
        newImage(7005, 0);
        // the schedule's place is the event log's; a Note's updated_at is only the job's event_time.
        // every read of the Notes leaves it out of its first row (7004)
        Map<String, Object> noUpdatedAt = new HashMap<>();
        noUpdatedAt.put("/data/0/attributes/updated_at", null);
        SIM.fault(Map.of("method", "POST", "path", "/entity/Note/_search$", "rewrite", noUpdatedAt, "times", 100));

        JsonNode answer = scheduledSweep();

        assertTrue(answer.get("complete").asBoolean(), answer.toString());
        List<JsonNode> jobs = takeJobs();
        assertEquals(List.of(7004L, 7005L), ids(jobs));
        assertTrue(jobs.get(0).get("event_time").isNull(), "7004 read without updated_at: no event_time " + jobs);
        assertFalse(jobs.get(1).get("event_time").isNull(), "7005 read with it " + jobs);
        assertEquals(imageEventId(7005), walk(answer, 0).at("/checkpoint_after/event_id").asLong());
    }

    @Test
    void anEventLogEntryWithoutCreatedAtIsPassedItsNoteStillQueuedAndTheCheckpointStandsOnlyOnReadableEntries() {
        scheduledSweep();
        newImage(7002, 0);
        newImage(7004, 0);
        newImage(7005, 0);
        // every event-log page FPTR answers leaves created_at out of its first entry: of pages of 2, the entries of
        // 7002 and of 7005 (the last one read). Before, each run failed that walk with a 502 there, for good.
        Map<String, Object> noCreatedAt = new HashMap<>();
        noCreatedAt.put("/data/0/attributes/created_at", null);
        SIM.fault(Map.of("method", "POST", "path", "/entity/EventLogEntry/_search$", "rewrite", noCreatedAt, "times", 100));

        JsonNode answer;
        List<String> warnings;
        try (LogCapture log = LogCapture.start()) {
            answer = scheduledSweep();
            warnings = log.warnings().stream().filter(l -> l.contains("has no readable created_at")).toList();
        }

        assertTrue(answer.get("complete").asBoolean(), answer.toString());
        assertEquals(2, walk(answer, 0).get("unreadable_events").asLong(), answer.toString());
        assertEquals(2, answer.get("unreadable_events").asLong(), answer.toString());
        assertEquals(List.of(7002L, 7004L, 7005L), ids(takeJobs()), "the Notes the unreadable entries name are queued too");
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("EventLogEntry " + imageEventId(7002) + " "), warnings.toString());
        assertTrue(warnings.get(1).contains("EventLogEntry " + imageEventId(7005) + " "), warnings.toString());
        assertEquals(imageEventId(7004), walk(answer, 0).at("/checkpoint_after/event_id").asLong(),
                "on the last readable entry, not past the unreadable last one");
        assertEquals(Long.toString(imageEventId(7004)), stored(SCHEDULE_KEY).get("event_id").n());

        // FPTR answering in full again, the next run reads 7005's entry again and stands on it
        SIM.clearFaults();
        JsonNode next = scheduledSweep();
        assertEquals(0, next.get("unreadable_events").asLong(), next.toString());
        assertEquals(imageEventId(7005), walk(next, 0).at("/checkpoint_after/event_id").asLong(), next.toString());
    }

    @Test
    void aBackfillRowWithoutUpdatedAtStopsTheBackfillWhereItWasAndSaysWhich() {
        // the backfill's place is the entities' (updated_at, id): a row without one has no place
        Map<String, Object> noUpdatedAt = new HashMap<>();
        noUpdatedAt.put("/data/1/attributes/updated_at", null);
        SIM.fault(Map.of("method", "POST", "path", "/entity/Note/_search$", "rewrite", noUpdatedAt, "times", 1));

        JsonNode failed = sweep("{\"since\": \"2026-01-01T00:00:00Z\", \"project\": 70}");

        assertEquals("failed", failed.get("stopped").asText(), failed.toString());
        assertEquals(502, failed.at("/error/status").asInt());
        assertTrue(failed.at("/error/detail").asText().contains("Note 7003 without a readable updated_at"), failed.toString());
        assertEquals(List.of(), takeJobs());
        assertTrue(walk(failed, 0).get("checkpoint_after").isNull());
    }

    @Test
    void throttlingWithAShortRetryAfterAndATokenThatExpiresMidWalkCostRetriesNotTheRun() {
        scheduledSweep();
        for (long id : List.of(7002L, 7004L, 7005L)) {
            newImage(id, 0);
        }
        SIM.fault(Map.of("method", "POST", "path", "/entity/EventLogEntry/_search$", "body", "\\[\"id\",\"greater_than\"",
                "status", 429, "retry_after", "1", "times", 1));
        SIM.fault(Map.of("method", "POST", "path", "/entity/Note/_search$", "expire_token", true, "times", 1));
        long mints = SIM.mints();

        JsonNode answer = scheduledSweep();

        assertTrue(answer.get("complete").asBoolean(), answer.toString());
        assertEquals(List.of(7002L, 7004L, 7005L), ids(takeJobs()));
        assertEquals(mints + 1, SIM.mints(), "the expired token is minted again once");
    }

    @Test
    void throttlingWithARetryAfterTooLongToWaitLeavesTheCheckpointAndTheNextRunCatchesUp() {
        newImage(7004, 0);
        scheduledSweep();
        assertEquals(1, copy(takeJobs()));
        newImage(7005, 0);
        SIM.fault(Map.of("method", "POST", "path", "/entity/EventLogEntry/_search$", "status", 429, "retry_after", "120", "times", 1));

        JsonNode failed = scheduledSweep();

        assertEquals("failed", failed.get("stopped").asText(), failed.toString());
        assertEquals(503, failed.at("/error/status").asInt());
        assertFalse(failed.get("complete").asBoolean());
        assertEquals(walk(failed, 0).get("checkpoint_before"), walk(failed, 0).get("checkpoint_after"));
        assertEquals(List.of(), takeJobs());
        try (EmfLines emf = EmfLines.capture()) {
            assertEquals(List.of(7005L), ids(jobsOfNextRun()));
            assertEquals(0, emf.lines().stream().mapToLong(line -> EmfLines.value(line, "SweepFailed")).sum(), "the run that caught up");
        }
    }

    private List<JsonNode> jobsOfNextRun() {
        JsonNode next = scheduledSweep();
        assertTrue(next.get("complete").asBoolean(), next.toString());
        return takeJobs();
    }
}
