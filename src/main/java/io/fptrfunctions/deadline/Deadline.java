package io.fptrfunctions.deadline;

import java.time.Duration;

/**
 * When one invocation must have answered by: Lambda's remaining time less a margin, taken once by the
 * handler ({@link LambdaDeadlines}) and passed down as a plain value through the services to every FPTR
 * call, retry, download and AWS call, which cap their own timeouts by what is left. So a slow upstream
 * ends in a 503/504 problem the caller receives, not in Lambda killing the function mid-answer.
 * Measured on {@link System#nanoTime()}: no wall clock, no time zone, immune to clock steps.
 */
public final class Deadline {

    /** What {@link #none()} has left: longer than any Lambda invocation (15 minutes), short enough for any sum. */
    private static final Duration UNBOUNDED = Duration.ofDays(1);
    private static final Deadline NONE = new Deadline(0, false);

    private final long endNanos;
    private final boolean bounded;

    private Deadline(long endNanos, boolean bounded) {
        this.endNanos = endNanos;
        this.bounded = bounded;
    }

    /** No deadline: each call keeps its own configured budgets (tests, tools, code not run by a handler). */
    public static Deadline none() {
        return NONE;
    }

    /** {@code budget} from now (zero or less: already reached). */
    public static Deadline in(Duration budget) {
        return new Deadline(System.nanoTime() + Math.max(0, budget.toNanos()), true);
    }

    /** A deadline {@code reserve} before this one (for a step that must leave time for what follows it); none stays none. */
    public Deadline less(Duration reserve) {
        return bounded ? new Deadline(endNanos - Math.max(0, reserve.toNanos()), true) : this;
    }

    /** Whether this is a real deadline (not {@link #none()}). */
    public boolean bounded() {
        return bounded;
    }

    /** What is left, never negative; a day for {@link #none()}. */
    public Duration remaining() {
        if (!bounded) {
            return UNBOUNDED;
        }
        return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
    }

    /** {@code limit}, or less when less is left: the timeout to give one call. */
    public Duration cap(Duration limit) {
        Duration left = remaining();
        return limit.compareTo(left) <= 0 ? limit : left;
    }

    /** True when at least {@code needed} is left. */
    public boolean allows(Duration needed) {
        return remaining().compareTo(needed) >= 0;
    }

    /**
     * Thrown by a step that will not start (or was stopped) because the invocation has too little time
     * left; nothing was changed by it. Answered 504 with Retry-After (README "Failure model").
     */
    public static final class Exceeded extends RuntimeException {
        public Exceeded(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public String toString() {
        return bounded ? "Deadline[" + remaining().toMillis() + " ms left]" : "Deadline[none]";
    }
}
