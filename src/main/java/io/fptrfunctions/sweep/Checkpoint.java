package io.fptrfunctions.sweep;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;
import java.util.Comparator;

/**
 * Where an entity walk (the backfill's) is: the {@code (updated_at, id)} of the last entity all of whose jobs, and those of every
 * entity before it in FPTR's {@code updated_at,id} order, are on the queue. {@code updated_at} is FPTR's,
 * whole seconds; an id of 0 stands for "before any entity of that second" (a walk's start).
 */
@RegisterForReflection
public record Checkpoint(@JsonProperty("updated_at") Instant updatedAt, @JsonProperty("id") long id)
        implements Comparable<Checkpoint>, WalkPosition {

    private static final Comparator<Checkpoint> ORDER =
            Comparator.comparing(Checkpoint::updatedAt).thenComparingLong(Checkpoint::id);

    /** The start of a walk at {@code since}: before every entity updated at that second or later. */
    static Checkpoint startingAt(Instant since) {
        return new Checkpoint(since, 0);
    }

    @Override
    public int compareTo(Checkpoint other) {
        return ORDER.compare(this, other);
    }

    @Override
    public boolean isAfter(WalkPosition other) {
        return other == null || compareTo((Checkpoint) other) > 0;
    }

    @Override
    public String toString() {
        return updatedAt + "/" + id;
    }
}
