package io.fptrfunctions.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.fptr.LogCapture;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scheduled sweep, against the FPTR simulator and moto over HTTP, its jobs run by the thumbnail worker
 * in this JVM: it reads the simulator's event log ({@code EventLogEntry}) in pages of 2. Demo seed: Notes
 * 7001, 7003 and 7006 have images from January 2026 (before the log), the others none; no hook is
 * registered, so only the sweep sees new images.
 */
@QuarkusTest
class SweepTest extends SweepHarness {

    private static final String SCHEDULE_KEY = "sweep#schedule#Note";

    @Test
    void imagesAddedWhileNoHookExistsAreCopiedByTheNextSweep() {
        JsonNode first = scheduledSweep();
        assertEquals(0, first.get("scanned").asLong(), "nothing changed in the last day (the seed's images are older): " + first);
        assertTrue(first.get("complete").asBoolean());
        assertNull(stored(SCHEDULE_KEY), "nothing read, nothing saved");

        newImage(7002, 0);
        newImage(7004, 0);
        newImage(7005, 0);
        JsonNode second = scheduledSweep();

        assertEquals(3, second.get("events_read").asLong(), second.toString());
        assertEquals(3, second.get("scanned").asLong());
        assertEquals(3, second.get("queued").asLong());
        assertEquals(0, second.get("already_copied").asLong());
        assertEquals(4, second.get("pages_read").asInt(), "pages of 2: two event-log pages (the second short, so the "
                + "last: no empty page), each with one read of the Notes it names");
        assertEquals("end", second.get("stopped").asText());
        assertEquals("Note", walk(second, 0).get("entity_type").asText());
        long last = imageEventId(7005);
        assertEquals(last, walk(second, 0).at("/checkpoint_after/event_id").asLong());
        assertEquals(walk(second, 0).at("/checkpoint_after/created_at").asText(), stored(SCHEDULE_KEY).get("created_at").s());
        assertEquals(Long.toString(last), stored(SCHEDULE_KEY).get("event_id").n());

        assertEquals(3, runWorker());
        for (long id : List.of(7002L, 7004L, 7005L)) {
            byte[] copied = s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("thumbnails/70/Note/" + id + "/original.png")).asByteArray();
            assertArrayEqualsDownload(id, copied);
            assertNotNull(stored("thumbnail#Note/" + id + "/original"), "the worker recorded the copy");
        }

        JsonNode third = scheduledSweep();
        assertEquals(0, third.get("queued").asLong(), "copied: nothing to queue again " + third);
        assertEquals(3, third.get("already_copied").asLong(), "re-read within the overlap, and known copied without an FPTR read");
        assertEquals(walk(second, 0).get("checkpoint_after"), walk(third, 0).get("checkpoint_before"));
        assertEquals(List.of(), takeJobs());
    }

    private static void assertArrayEqualsDownload(long id, byte[] copied) {
        String original = SIM.location("notes", id, "original");
        org.junit.jupiter.api.Assertions.assertArrayEquals(SIM.download(original), copied, "Note " + id + "'s original");
    }

    @Test
    void changesToOtherFieldsProduceNoJobAndNoEntityRead() {
        scheduledSweep();
        // updated_at moves on each of these; none is an image change
        SIM.put("/api/v1.1/entity/notes/7001", "{\"subject\":\"sh010 lighting: key still hot\"}");
        SIM.put("/api/v1.1/entity/notes/7003", "{\"content\":\"see the new plate\"}");
        SIM.put("/api/v1.1/entity/notes/7004", "{\"sg_status_list\":\"clsd\"}");
        SIM.clearRequests();
        aws.clear();

        JsonNode answer = scheduledSweep();

        assertEquals(0, answer.get("events_read").asLong(), answer.toString());
        assertEquals(0, answer.get("scanned").asLong());
        assertEquals(0, answer.get("queued").asLong());
        assertEquals(List.of(), takeJobs());
        List<JsonNode> fptrCalls = SIM.requests(null, "/api/.*");
        assertEquals(1, fptrCalls.size(), "one event-log page, no read of the Notes: " + fptrCalls);
        assertTrue(fptrCalls.get(0).path("path").asText().endsWith("/entity/EventLogEntry/_search"), fptrCalls.toString());
        assertEquals(List.of(), aws.calls("DynamoDB_20120810.BatchGetItem"), "no candidate, no copy record read");
        assertTrue(SIM.searchArray("EventLogEntry", "{\"filters\":[[\"entity\",\"is\",{\"type\":\"Note\",\"id\":7004}],"
                + "[\"attribute_name\",\"is\",\"sg_status_list\"]]}").json().path("data").size() > 0,
                "the changes are in the log: the sweep's filter left them out");
    }

    @Test
    void anImageTheWebhookPathAlreadyCopiedIsNotQueuedAgainAndNothingIsAskedOfFptrPerEntity() {
        scheduledSweep();
        newImage(7004, 0);
        // the webhook path: its job, run by the worker, which records the copy
        SQS.sendMessage(b -> b.queueUrl(QUEUE_URL).messageBody("{\"entity_type\":\"Note\",\"entity_id\":7004,\"variant\":\"original\","
                + "\"source\":\"webhook\",\"delivery_id\":\"3a5de4ee-8f05-4eac-b537-611e845352fc\"}"));
        assertEquals(1, runWorker());
        // then other fields change: updated_at moves on every change, the image does not
        SIM.put("/api/v1.1/entity/notes/7004", "{\"subject\":\"sh030 anim blocking, v2\"}");
        SIM.put("/api/v1.1/entity/notes/7001", "{\"subject\":\"sh010 lighting: key still hot\"}");
        newImage(7002, 0);
        SIM.clearRequests();
        aws.clear();

        JsonNode answer = scheduledSweep();

        assertEquals(2, answer.get("scanned").asLong(), answer.toString());
        assertEquals(1, answer.get("already_copied").asLong(), "7004: the webhook path's copy");
        assertEquals(1, answer.get("queued").asLong());
        assertEquals(List.of(7002L), ids(takeJobs()), "7002's image is new; 7001's subject is not an image change "
                + "(its seed image is a backfill's)");
        List<JsonNode> fptrCalls = SIM.requests(null, "/api/.*");
        assertTrue(fptrCalls.stream().allMatch(r -> r.path("path").asText().matches(".*/entity/(EventLogEntry|Note)/_search")),
                "search pages only, no read per entity: " + fptrCalls);
        assertEquals(answer.get("pages_read").asLong(), fptrCalls.size());
        assertEquals(3, fptrCalls.size(), "a full event page, the read of its 2 Notes, the empty page after it");
        assertEquals(1, aws.calls("DynamoDB_20120810.BatchGetItem").size(), "one per page with candidates");
    }

    @Test
    void theJobsAreTheWorkersShapeFromTheSweepWithTheEntitysProject() {
        newImage(7004, 0);
        scheduledSweep();
        List<JsonNode> jobs = takeJobs();
        assertEquals(1, jobs.size());
        JsonNode job = jobs.get(0);
        assertEquals("Note", job.get("entity_type").asText());
        assertEquals(7004, job.get("entity_id").asLong());
        assertEquals("original", job.get("variant").asText());
        assertEquals(70, job.get("project_id").asLong());
        assertEquals("sweep", job.get("source").asText());
        assertTrue(job.get("delivery_id").isNull());
        assertEquals(walkUpdatedAt(7004), job.get("event_time").asText(), "the entity's updated_at");
    }

    private static String walkUpdatedAt(long noteId) {
        return SIM.get("/api/v1.1/entity/notes/" + noteId + "?fields=updated_at").json().at("/data/attributes/updated_at").asText();
    }

    @Test
    void anImageFptrStillShowsPendingIsQueuedAndTheWorkerWaitsForIt() {
        newImage(7004, 60);
        JsonNode answer = scheduledSweep();
        assertEquals(1, answer.get("queued").asLong(), answer.toString());
        assertEquals(1, answer.get("pending").asLong());
        assertEquals(1, runWorker(), "the worker takes it and sends it again with a delay, not a failure");
        assertNull(stored("thumbnail#Note/7004/original"), "not copied yet, so not recorded");
    }

    @Test
    void twoImageChangesInTheSameSecondOnEitherSideOfTheCheckpointAreBothSeen() {
        // freeze the site's clock inside one second: both entries are logged at the same created_at
        Instant second = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusMillis(200);
        SIM.simulator().clock(Clock.fixed(second, ZoneOffset.UTC));
        newImage(7004, 0);
        JsonNode first = scheduledSweep();
        assertEquals(1, first.get("queued").asLong(), first.toString());
        assertEquals(imageEventId(7004), walk(first, 0).at("/checkpoint_after/event_id").asLong());
        assertEquals(1, runWorker());

        // the same second, after the run read it, and a lower Note id than 7004's
        newImage(7002, 0);
        JsonNode next = scheduledSweep();

        assertEquals(List.of(7002L), ids(takeJobs()), next.toString());
        assertEquals(1, next.get("already_copied").asLong(), "7004 read again within the overlap and known copied");
        assertEquals(imageEventId(7002), walk(next, 0).at("/checkpoint_after/event_id").asLong());
        assertEquals(second.truncatedTo(ChronoUnit.SECONDS).toString(), walk(next, 0).at("/checkpoint_after/created_at").asText());
    }

    @Test
    void anEntryCommittedAfterOneWithAHigherIdIsStillSeenWithinTheOverlap() {
        newImage(7004, 0);
        scheduledSweep();
        assertEquals(1, runWorker());
        newImage(7002, 0);
        long late = imageEventId(7002);
        // as if an entry of a higher id had committed first and a run had read it: the checkpoint is past 7002's
        Map<String, AttributeValue> item = stored(SCHEDULE_KEY);
        Map<String, AttributeValue> ahead = new java.util.HashMap<>(item);
        ahead.put("event_id", AttributeValue.fromN(Long.toString(late + 10)));
        DYNAMO.putItem(b -> b.tableName(TABLE).item(ahead));

        JsonNode next = scheduledSweep();

        assertEquals(List.of(7002L), ids(takeJobs()), "read again from the checkpoint's created_at less the overlap: " + next);
        assertEquals(late + 10, walk(next, 0).at("/checkpoint_after/event_id").asLong(), "never moved back");
    }

    @Test
    void anEntityDeletedBeforeTheRunIsCountedAndSkippedAndQueuedOnceRevived() {
        scheduledSweep();
        newImage(7004, 0);
        newImage(7005, 0);
        assertEquals(204, SIM.delete("/api/v1.1/entity/notes/7005").status());

        JsonNode answer = scheduledSweep();

        List<JsonNode> jobs = takeJobs();
        assertEquals(List.of(7004L), ids(jobs), answer.toString());
        assertEquals(1, copy(jobs));
        assertEquals(1, answer.get("retired").asLong(), "its image change reads with a null entity while it is retired");
        assertEquals(1, answer.get("scanned").asLong(), "the read of the Notes answers the live one only");
        assertTrue(answer.get("complete").asBoolean());

        // revived: its Revival entry brings it back, with the image it had
        assertEquals(200, SIM.post("/api/v1.1/entity/notes/7005?revive=true", "application/json", "").status());
        JsonNode revived = scheduledSweep();
        List<Long> again = ids(takeJobs());
        assertEquals(List.of(7005L), again.stream().distinct().toList(), revived.toString());
        assertEquals(List.of(7005L, 7005L), again, "pages of 2: its image change (read again within the overlap) and its "
                + "revival are on two pages, each decided on its own; the worker's idempotent copy makes the second harmless");
    }

    @Test
    void aCheckpointOfTheOlderEntityWalkIsReadAsItsTime() {
        Instant before = Instant.now().minusSeconds(120).truncatedTo(ChronoUnit.SECONDS);
        // what the schedule saved before it read the event log: the (updated_at, entity_id) of a Note
        DYNAMO.putItem(b -> b.tableName(TABLE).item(Map.of("pk", AttributeValue.fromS(SCHEDULE_KEY),
                "updated_at", AttributeValue.fromS(before.toString()), "entity_id", AttributeValue.fromN("7003"),
                "version", AttributeValue.fromN("3"))));
        newImage(7004, 0);

        JsonNode answer = scheduledSweep();

        assertEquals(List.of(7004L), ids(takeJobs()), answer.toString());
        assertEquals(before.toString(), walk(answer, 0).at("/checkpoint_before/created_at").asText());
        assertEquals(0, walk(answer, 0).at("/checkpoint_before/event_id").asLong(), "a time, no entry id");
        Map<String, AttributeValue> item = stored(SCHEDULE_KEY);
        assertEquals(Long.toString(imageEventId(7004)), item.get("event_id").n());
        assertNotNull(item.get("created_at"));
        assertNull(item.get("updated_at"), "saved in the new shape only");
        assertNull(item.get("entity_id"));
        assertEquals("4", item.get("version").n(), "saved over the version it read");
    }

    @Test
    void aFailedPageLeavesTheCheckpointAndTheNextRunCatchesUp() {
        scheduledSweep();
        for (long id : List.of(7002L, 7004L, 7005L, 7007L)) {
            newImage(id, 0);
        }
        // every try at event page 2 (the keyset filter after page 1's last id) fails: 503, more times than the client retries
        SIM.fault(Map.of("method", "POST", "path", "/entity/EventLogEntry/_search$", "body", "\\[\"id\",\"greater_than\"",
                "status", 503, "times", 10));

        JsonNode failed = scheduledSweep();

        assertEquals("failed", failed.get("stopped").asText(), failed.toString());
        assertFalse(failed.get("complete").asBoolean());
        assertEquals(503, failed.at("/error/status").asInt());
        assertEquals("FPTR is unavailable", failed.at("/error/title").asText());
        assertEquals("Note", failed.at("/error/entity_type").asText());
        assertEquals(2, failed.get("queued").asLong(), "page 1's jobs are on the queue");
        assertEquals(imageEventId(7004), walk(failed, 0).at("/checkpoint_after/event_id").asLong(),
                "after page 1's last entry, not past the failed page");
        assertEquals(Long.toString(imageEventId(7004)), stored(SCHEDULE_KEY).get("event_id").n());
        assertEquals(2, runWorker());

        SIM.clearFaults();
        JsonNode next = scheduledSweep();

        assertTrue(next.get("complete").asBoolean(), next.toString());
        assertEquals(List.of(7005L, 7007L), ids(takeJobs()), "the rest; the first two are copied");
        assertEquals(2, next.get("already_copied").asLong());
        assertEquals(imageEventId(7007), walk(next, 0).at("/checkpoint_after/event_id").asLong());
    }

    @Test
    void aFirstPageThatFailsLeavesTheCheckpointWhereItWas() {
        newImage(7004, 0);
        scheduledSweep();
        assertEquals(1, runWorker());
        Map<String, AttributeValue> before = stored(SCHEDULE_KEY);
        newImage(7005, 0);
        SIM.fault(Map.of("method", "POST", "path", "/entity/EventLogEntry/_search$", "status", 503, "times", 10));

        JsonNode failed = scheduledSweep();

        assertEquals("failed", failed.get("stopped").asText(), failed.toString());
        assertEquals(0, failed.get("queued").asLong());
        assertEquals(walk(failed, 0).get("checkpoint_before"), walk(failed, 0).get("checkpoint_after"));
        assertEquals(before, stored(SCHEDULE_KEY), "not saved at all");
        SIM.clearFaults();
        assertEquals(List.of(7005L), ids(jobsOf(scheduledSweep())));
    }

    private static List<JsonNode> jobsOf(JsonNode answer) {
        assertTrue(answer.get("complete").asBoolean(), answer.toString());
        return takeJobs();
    }

    @Test
    void jobsSqsDoesNotTakeStayBehindTheCheckpointAndTheNextRunQueuesThem() {
        scheduledSweep();
        for (long id : List.of(7002L, 7004L, 7005L, 7007L)) {
            newImage(id, 0);
        }
        // 7005's entry fails twice: SendMessageBatch's answer, and the one retry of entries SQS failed on its side
        aws.failSendEntries(body -> body.contains("\"entity_id\":7005"), 2);

        JsonNode failed = scheduledSweep();

        assertEquals("failed", failed.get("stopped").asText(), failed.toString());
        assertEquals(503, failed.at("/error/status").asInt());
        assertEquals("SQS did not take every job", failed.at("/error/title").asText());
        assertEquals(3, failed.get("queued").asLong(), "7002, 7004 and 7007 are on the queue");
        assertEquals(imageEventId(7004), walk(failed, 0).at("/checkpoint_after/event_id").asLong(),
                "before 7005's entry, the first whose job is not queued");
        assertEquals(3, runWorker());

        assertEquals(List.of(7005L), ids(jobsOf(scheduledSweep())), "7005 now; 7007 was copied meanwhile");
    }

    @Test
    void copyRecordsThatCannotBeReadStopTheRunBeforeAnythingIsQueued() {
        scheduledSweep();
        newImage(7004, 0);
        aws.unavailable("DynamoDB_20120810.BatchGetItem");

        JsonNode failed = scheduledSweep();

        assertEquals("failed", failed.get("stopped").asText(), failed.toString());
        int status = failed.at("/error/status").asInt();
        assertTrue(status == 502 || status == 504, "DynamoDB failed (502) or did not answer in time (504): " + failed);
        assertTrue(failed.at("/error/detail").asText().contains("DynamoDB"), failed.toString());
        assertEquals(List.of(), takeJobs());
        assertNull(stored(SCHEDULE_KEY));
        aws.clear();
        assertEquals(List.of(7004L), ids(jobsOf(scheduledSweep())));
    }

    @Test
    void aSecondRunAtTheSameTimeNeverMovesTheCheckpointBackAndIsToldWhy() throws Exception {
        newImage(7004, 0);
        // the first run's first page takes 2 s; a second run starts meanwhile (a raised concurrency limit would allow it)
        SIM.fault(Map.of("method", "POST", "path", "/entity/EventLogEntry/_search$", "latency_ms", 2000, "times", 1));
        CompletableFuture<JsonNode> slow = CompletableFuture.supplyAsync(this::scheduledSweep);
        Thread.sleep(500);
        newImage(7005, 0);
        JsonNode fast = scheduledSweep();
        JsonNode late = slow.get(30, TimeUnit.SECONDS);

        assertTrue(fast.get("complete").asBoolean(), fast.toString());
        assertEquals(imageEventId(7005), walk(fast, 0).at("/checkpoint_after/event_id").asLong());
        assertEquals("failed", late.get("stopped").asText(), late.toString());
        assertEquals(409, late.at("/error/status").asInt());
        assertEquals("Another sweep moved the checkpoint", late.at("/error/title").asText());
        assertEquals(Long.toString(imageEventId(7005)), stored(SCHEDULE_KEY).get("event_id").n());
        assertEquals("1", stored(SCHEDULE_KEY).get("version").n(), "saved once: the slow run's save over the version it read was refused");
        assertEquals(List.of(7004L, 7005L), ids(takeJobs()).stream().distinct().toList(),
                "queued by both runs, which the worker's idempotent copy makes harmless");
    }

    @Test
    void aCheckpointSaveWhoseAnswerWasLostIsNotTakenForAnotherRunsSave() {
        newImage(7004, 0);
        // DynamoDB stores the save, its answer is lost, and the SDK sends the same PutItem again: its condition
        // (the version this run read) now fails on this run's own save
        aws.loseAnswers("DynamoDB_20120810.PutItem", 1);

        JsonNode run = scheduledSweep();

        assertEquals(2, aws.calls("DynamoDB_20120810.PutItem").stream()
                .filter(call -> call.at("/Item/pk/S").asText().equals(SCHEDULE_KEY)).count(), "the save was sent again: " + run);
        assertTrue(run.get("complete").asBoolean(), run.toString());
        assertTrue(run.path("error").isMissingNode() || run.path("error").isNull(), run.toString());
        assertEquals(imageEventId(7004), walk(run, 0).at("/checkpoint_after/event_id").asLong());
        assertEquals(Long.toString(imageEventId(7004)), stored(SCHEDULE_KEY).get("event_id").n());
        assertEquals("1", stored(SCHEDULE_KEY).get("version").n());
    }

    @Test
    void oneLogLineSaysWhatTheRunDid() {
        newImage(7004, 0);
        try (LogCapture log = LogCapture.start()) {
            scheduledSweep();
            List<String> lines = log.lines().stream().filter(l -> l.contains("sweep (schedule)")).toList();
            assertEquals(1, lines.size(), log.all());
            String line = lines.get(0);
            assertTrue(line.contains("Note: events 1 (0 retired), scanned 1, already copied 0, queued 1 (0 pending), 2 pages, "
                    + "checkpoint none -> "), line);
            assertTrue(line.contains("/#" + imageEventId(7004) + ", end; complete"), line);
        }
    }
}
