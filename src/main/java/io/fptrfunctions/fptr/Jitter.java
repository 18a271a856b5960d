package io.fptrfunctions.fptr;

import io.fptrfunctions.lifecycle.SnapshotSafe;
import jakarta.enterprise.context.ApplicationScoped;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * The random part of retry delays ({@link RetryAfterBackoff}), seeded from {@link SecureRandom} (the
 * kernel's entropy) at start and again after a SnapStart restore. Not {@code ThreadLocalRandom}: its seed
 * is made once per process, so it would be in the snapshot, and every sandbox restored from it would draw
 * the same delays and retry in lock-step, which is what the jitter is there to prevent.
 */
@ApplicationScoped
public class Jitter implements SnapshotSafe {

    private final LongSupplier seeds;
    private SplittableRandom random;

    public Jitter() {
        this(() -> new SecureRandom().nextLong());
    }

    Jitter(LongSupplier seeds) {
        this.seeds = seeds;
        this.random = new SplittableRandom(seeds.getAsLong());
    }

    /** A delay drawn uniformly from {@code [0, bound)}. */
    public synchronized long below(long bound) {
        return random.nextLong(bound);
    }

    @Override
    public synchronized void afterRestore() {
        random = new SplittableRandom(seeds.getAsLong());
    }
}
