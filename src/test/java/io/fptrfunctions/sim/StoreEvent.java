package io.fptrfunctions.sim;

import java.time.Instant;
import java.util.List;

/**
 * A committed write, for webhooks and extensions. {@code operation} is create, update, delete (retire)
 * or revive; {@code changes} lists each changed field with its stored old and new values.
 */
public record StoreEvent(String operation, String entityType, long entityId, EntityRef user, EntityRef project,
                         List<Change> changes, Instant at) {

    public record Change(String field, DataType dataType, Object oldValue, Object newValue) {
    }
}
