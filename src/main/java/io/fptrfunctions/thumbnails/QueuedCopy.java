package io.fptrfunctions.thumbnails;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The 202 answer of {@code PUT /v1/entities/{type}/{id}/thumbnail} with {@code Prefer: respond-async}: the
 * copy is queued for the thumbnail worker.
 *
 * @param imagePending FPTR still makes the thumbnail; the worker waits for it
 */
@RegisterForReflection
public record QueuedCopy(
        @JsonProperty("status") String status,
        @JsonProperty("entity_type") String entityType,
        @JsonProperty("entity_id") long entityId,
        @JsonProperty("variant") String variant,
        @JsonProperty("image_pending") boolean imagePending) {

    public static final String QUEUED = "queued";
}
