package io.fptrfunctions.http;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What every request reader must do with any input: read it, or refuse it with a 4xx problem, and do
 * either quickly. Anything else (another exception, a 5xx, a slow read) fails the property.
 */
public final class ReaderProperty {

    /**
     * A read of a body of at most 1 MiB: linear work takes a few ms, super-linear work on such a body takes seconds.
     * The bound is far from both, since a build machine with other builds on its 2 cores can stall a thread for
     * hundreds of ms (200 ms, twice, failed once at a load average of 8).
     */
    public static final long MAX_MILLIS = 500;
    /** How often a read over the bound is timed before it fails. */
    private static final int TRIES = 3;

    private ReaderProperty() {
    }

    /**
     * Runs {@code read}; fails unless it returned or threw a 4xx {@link ProblemException}, within
     * {@link #MAX_MILLIS}. A read over the bound is timed again, up to {@link #TRIES} times, before it fails: the
     * first read of a kind loads classes, and a collection or a busy machine may pause a thread, while
     * super-linear work is slow every time.
     */
    public static void readsOrRefuses(Runnable read, Object input) {
        long millis = timed(read, input);
        for (int tried = 1; tried < TRIES && millis >= MAX_MILLIS; tried++) {
            millis = timed(read, input);
        }
        assertTrue(millis < MAX_MILLIS, "took " + millis + " ms (" + TRIES + " times) for " + clip(input));
    }

    private static long timed(Runnable read, Object input) {
        long started = System.nanoTime();
        try {
            read.run();
        } catch (ProblemException p) {
            assertTrue(p.status() >= 400 && p.status() < 500, "a " + p.status() + " for " + clip(input) + ": " + p.detail());
            assertTrue(p.detail() != null && p.detail().length() < 4000, "a short detail: " + clip(p.detail()));
        } catch (RuntimeException | Error e) {
            fail("not a problem answer but " + e + " for " + clip(input), e);
        }
        return (System.nanoTime() - started) / 1_000_000;
    }

    private static String clip(Object input) {
        String s = String.valueOf(input);
        return s.length() > 300 ? s.substring(0, 300) + "... (" + s.length() + " chars)" : s;
    }
}
