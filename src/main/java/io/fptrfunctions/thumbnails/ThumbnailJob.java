package io.fptrfunctions.thumbnails;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One queued copy: "copy this entity's image, this variant, into the bucket". The body of every message
 * on the thumbnail job queue, whoever sends it (the webhook receiver, {@code Prefer: respond-async} on
 * the thumbnail route, the sweep and its backfills) and whatever consumes it (the thumbnail worker). It names what
 * to copy, never the image's URL: the worker reads the field from FPTR when it runs, since an event's
 * {@code new_value} may still be FPTR's "thumbnail pending" placeholder.
 *
 * @param entityType      FPTR entity type, e.g. {@code Note}
 * @param entityId        the entity's id
 * @param variant         {@code original} or {@code thumbnail} ({@link ThumbnailVariant#alt()})
 * @param projectId       the entity's project when the sender knew it, else null
 * @param source          who queued it: {@code webhook}, {@code http}, {@code sweep} or {@code backfill}
 * @param deliveryId      FPTR's webhook delivery id ({@code x-sg-delivery-id}) when it came from one, else null
 * @param eventLogEntryId FPTR's event log entry id when it came from an event, else null
 * @param eventTime       when FPTR logged the event (ISO-8601 instant), when known; from the sweep, the entity's {@code updated_at}
 */
@RegisterForReflection
public record ThumbnailJob(
        @JsonProperty("entity_type") String entityType,
        @JsonProperty("entity_id") long entityId,
        @JsonProperty("variant") String variant,
        @JsonProperty("project_id") Long projectId,
        @JsonProperty("source") String source,
        @JsonProperty("delivery_id") String deliveryId,
        @JsonProperty("event_log_entry_id") Long eventLogEntryId,
        @JsonProperty("event_time") String eventTime) {

    public static final String SOURCE_WEBHOOK = "webhook";
    public static final String SOURCE_HTTP = "http";
    public static final String SOURCE_SWEEP = "sweep";
    public static final String SOURCE_BACKFILL = "backfill";
}
