package io.fptrfunctions.sweep;

/**
 * Where a walk is, as its checkpoint item stores it: the backfill's entity walk by {@link Checkpoint}
 * ({@code updated_at, id} of an entity), the scheduled run's event-log walk by {@link EventCheckpoint}
 * ({@code created_at, id} of an {@code EventLogEntry}).
 */
public sealed interface WalkPosition permits Checkpoint, EventCheckpoint {

    /** Later in its walk's order than {@code other}, a position of the same walk; everything is after null. */
    boolean isAfter(WalkPosition other);
}
