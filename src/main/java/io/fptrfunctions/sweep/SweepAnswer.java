package io.fptrfunctions.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * What one run did, as the invocation answers it (and its log line says): totals over the entity types,
 * then each type's walk with its checkpoint before and after.
 *
 * @param run           {@code schedule} or {@code backfill}
 * @param backfill      a backfill's request as its progress is known by, with {@code key}; absent for the schedule
 * @param scanned       entities read from FPTR's search pages (the schedule: those an image event named, once per page)
 * @param eventsRead    the schedule: {@code EventLogEntry} rows read (image changes and revivals); absent for a backfill
 * @param retired       the schedule: entities an event named that were deleted (retired) by the time they were read,
 *                      skipped; absent for a backfill
 * @param unreadableEvents the schedule: entries read without a readable {@code created_at} or id, passed (a WARN line
 *                      names each; the entity one names is still queued, the checkpoint never stands on one); absent
 *                      for a backfill
 * @param alreadyCopied jobs not queued: the copy record holds the entity's current image (entity × variant)
 * @param queued        jobs put on the queue (entity × variant)
 * @param pending       of those, jobs whose image FPTR still shows as "thumbnail pending" (the worker waits for it)
 * @param pagesRead     FPTR {@code _search} calls: the schedule's event-log pages and entity reads; a backfill's
 *                      entity pages, the empty page that proves the end included
 * @param complete      every walk reached its end; false: the next run (or the same backfill again) continues
 * @param stopped       the first walk that did not end: {@code end}, {@code max_entities}
 *                      ({@code fptr.sweep.max-entities-per-run}), {@code time_left} ({@code fptr.sweep.min-time-left})
 *                      or {@code failed}
 * @param entityTypes   one walk per entity type, in the order walked; a walk out of time or rows leaves the types
 *                      after it to the next run, a failed one does not
 * @param notWalked     the entity types this run did not start (absent when none), each with why: no time left
 *                      (after a walk that stopped or failed for time) or no rows left; their checkpoints stay as they
 *                      are, not even read
 * @param error         the first failed walk's {@code error}: the problem (RFC 9457 members and {@code entity_type})
 *                      that stopped it; its checkpoint stays before the first entity whose jobs were not all queued
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SweepAnswer(
        @JsonProperty("run") String run,
        @JsonProperty("backfill") JsonNode backfill,
        @JsonProperty("scanned") long scanned,
        @JsonProperty("events_read") Long eventsRead,
        @JsonProperty("retired") Long retired,
        @JsonProperty("unreadable_events") Long unreadableEvents,
        @JsonProperty("already_copied") long alreadyCopied,
        @JsonProperty("queued") long queued,
        @JsonProperty("pending") long pending,
        @JsonProperty("pages_read") int pagesRead,
        @JsonProperty("complete") boolean complete,
        @JsonProperty("stopped") String stopped,
        @JsonProperty("entity_types") List<Walked> entityTypes,
        @JsonProperty("not_walked") List<NotWalked> notWalked,
        @JsonProperty("error") JsonNode error) {

    /**
     * An entity type this run did not start.
     *
     * @param stopped {@code time_left} or {@code max_entities}, as a walk's {@code stopped}
     * @param detail  the same in words, e.g. {@code not walked: no time left in this run...}
     */
    @RegisterForReflection
    public record NotWalked(
            @JsonProperty("entity_type") String entityType,
            @JsonProperty("key") String key,
            @JsonProperty("stopped") String stopped,
            @JsonProperty("detail") String detail) {
    }

    /**
     * One entity type's walk in this run; {@code checkpoint_before} is null on a walk's first run, {@code error}
     * (present when {@code stopped} is {@code failed}) the problem that stopped it. The
     * schedule's checkpoints are {@link EventCheckpoint}s ({@code created_at, event_id}), a backfill's
     * {@link Checkpoint}s ({@code updated_at, id}).
     */
    @RegisterForReflection
    public record Walked(
            @JsonProperty("entity_type") String entityType,
            @JsonProperty("key") String key,
            @JsonProperty("scanned") long scanned,
            @JsonProperty("events_read") @JsonInclude(JsonInclude.Include.NON_NULL) Long eventsRead,
            @JsonProperty("retired") @JsonInclude(JsonInclude.Include.NON_NULL) Long retired,
            @JsonProperty("unreadable_events") @JsonInclude(JsonInclude.Include.NON_NULL) Long unreadableEvents,
            @JsonProperty("already_copied") long alreadyCopied,
            @JsonProperty("queued") long queued,
            @JsonProperty("pending") long pending,
            @JsonProperty("pages_read") int pagesRead,
            @JsonProperty("checkpoint_before") WalkPosition checkpointBefore,
            @JsonProperty("checkpoint_after") WalkPosition checkpointAfter,
            @JsonProperty("complete") boolean complete,
            @JsonProperty("stopped") String stopped,
            @JsonProperty("error") @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode error) {
    }
}
