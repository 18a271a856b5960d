package io.fptrfunctions.sim;

import java.time.Instant;
import java.util.List;

/**
 * A committed write, for webhooks and extensions. {@code operation} is create, update, delete (retire)
 * or revive; {@code changes} lists each changed field with its stored old and new values. {@code logId}:
 * the id of its first {@code EventLogEntry} ({@link EventLog}), 0 before it is logged; a create's New
 * entry, or an update's entry for {@code changes.get(0)}, the next ones following in order.
 */
public record StoreEvent(String operation, String entityType, long entityId, EntityRef user, EntityRef project,
                         List<Change> changes, Instant at, long logId) {

    public StoreEvent(String operation, String entityType, long entityId, EntityRef user, EntityRef project,
                      List<Change> changes, Instant at) {
        this(operation, entityType, entityId, user, project, changes, at, 0);
    }

    StoreEvent logged(long firstEntryId) {
        return new StoreEvent(operation, entityType, entityId, user, project, changes, at, firstEntryId);
    }

    public record Change(String field, DataType dataType, Object oldValue, Object newValue) {
    }
}
