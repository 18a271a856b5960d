package io.fptrfunctions.sweep;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;

/**
 * Where the scheduled run's walk through FPTR's event log is: the {@code EventLogEntry} id up to which
 * every image change's jobs are on the queue, and that entry's {@code created_at}, from which the next run
 * reads again less {@code fptr.sweep.overlap} (entries can commit out of id order). An id of 0 is a time
 * alone: a first run's start, or a checkpoint of the older entity walk ({@code updated_at}) read as its time.
 */
@RegisterForReflection
public record EventCheckpoint(@JsonProperty("created_at") Instant createdAt, @JsonProperty("event_id") long eventId)
        implements WalkPosition {

    /** Before every entry logged at {@code at} or later. */
    static EventCheckpoint startingAt(Instant at) {
        return new EventCheckpoint(at, 0);
    }

    /** Later in the walk's order, which is the entries' id order. */
    @Override
    public boolean isAfter(WalkPosition other) {
        return other == null || eventId > ((EventCheckpoint) other).eventId;
    }

    @Override
    public String toString() {
        return createdAt + "/#" + eventId;
    }
}
