package io.fptrfunctions.fptr;

import io.fptrfunctions.deadline.Deadline;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Retry jitter around a SnapStart snapshot: sandboxes restored from one snapshot start with the same
 * generator state, so without a new seed they would retry in lock-step; after the restore hook each draws
 * its own delays. (Two generators with one seed stand for two sandboxes restored from one snapshot.)
 */
class JitterTest {

    /** The snapshot's seed first, then fresh ones from SecureRandom, as Jitter() draws them. */
    private static LongSupplier snapshotSeedThenSecure() {
        AtomicBoolean first = new AtomicBoolean(true);
        LongSupplier secure = () -> new SecureRandom().nextLong();
        return () -> first.getAndSet(false) ? 42L : secure.getAsLong();
    }

    private static long[] retryDelays(Jitter jitter) {
        RetryAfterBackoff backoff = new RetryAfterBackoff(60_000, Deadline.none(), java.time.Duration.ZERO, jitter);
        backoff.init(1_000);
        long[] delays = new long[6];
        for (int i = 0; i < delays.length; i++) {
            delays[i] = backoff.nextDelayInMillis(new RuntimeException("503"));
        }
        return delays;
    }

    @Test
    void sandboxesRestoredFromOneSnapshotDrawTheirOwnDelaysOnceRestored() {
        Jitter sandboxA = new Jitter(snapshotSeedThenSecure());
        Jitter sandboxB = new Jitter(snapshotSeedThenSecure());
        assertArrayEquals(retryDelays(sandboxA), retryDelays(sandboxB), "one snapshot, one seed: lock-step");

        sandboxA.afterRestore();
        sandboxB.afterRestore();

        long[] a = retryDelays(sandboxA);
        long[] b = retryDelays(sandboxB);
        assertFalse(Arrays.equals(a, b), Arrays.toString(a) + " vs " + Arrays.toString(b));
    }
}
