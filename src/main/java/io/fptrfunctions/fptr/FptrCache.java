package io.fptrfunctions.fptr;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.fptrfunctions.deadline.Deadline;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The one cache of what we read from FPTR or for it (credentials, tokens, field schemas, LocalStorage
 * rows), on Caffeine:
 * <ul>
 * <li><b>single flight</b>: while a key is being loaded, other callers of that key wait for that load
 *     (its value or its failure) instead of starting their own;</li>
 * <li><b>failures are never kept</b>: a load that throws (an {@link Error} too) wakes its waiters with
 *     the failure and leaves nothing behind, so the next call loads again;</li>
 * <li><b>each caller keeps its own deadline</b>: a load runs under the deadline of the caller that started it
 *     (the start-time prefetch under none), so a waiter waits at most its own time left, and when the load
 *     failed because its starter's time ran out, a waiter with time left loads again itself instead of
 *     sharing a failure that was not its own;</li>
 * <li><b>expiry per entry</b>: each value says how long it lives (a token until its own expiry minus
 *     the safety margin, an unknown field for a short while), by the {@link Clock} given, which tests
 *     move forward instead of sleeping.</li>
 * </ul>
 * The load runs on the caller's thread (no pool, no extra thread in a Lambda container), outside the
 * cache's locks, so a slow load holds up only the callers of its own key.
 */
public final class FptrCache<K, V> {

    /**
     * A load whose caller had less than this left when it failed ran out of time (FptrCalls starts no attempt
     * with less than its 250 ms minimum): its waiters may try themselves.
     */
    private static final Duration SPENT = Duration.ofMillis(250);

    /** A value and when its load finished. */
    private record Loaded<V>(V value, Instant at) {
    }

    private final Clock clock;
    private final AsyncCache<K, Loaded<V>> cache;

    /**
     * @param lifetime how long a freshly loaded value may be served (zero or less: not kept at all;
     *                 {@code null}: until invalidated)
     */
    public FptrCache(Clock clock, Function<V, Duration> lifetime) {
        this.clock = clock;
        Instant origin = clock.instant();
        Ticker ticker = () -> Duration.between(origin, clock.instant()).toNanos();
        this.cache = Caffeine.newBuilder()
                .ticker(ticker)
                // maintenance on the caller's thread: no common-pool work in a Lambda container
                .executor(Runnable::run)
                .expireAfter(new Expiry<K, Loaded<V>>() {
                    @Override
                    public long expireAfterCreate(K key, Loaded<V> loaded, long now) {
                        return nanos(lifetime == null ? null : lifetime.apply(loaded.value()));
                    }

                    @Override
                    public long expireAfterUpdate(K key, Loaded<V> loaded, long now, long current) {
                        return expireAfterCreate(key, loaded, now);
                    }

                    @Override
                    public long expireAfterRead(K key, Loaded<V> loaded, long now, long current) {
                        return current;
                    }
                })
                .buildAsync();
    }

    /** A cache whose values all live {@code ttl}. */
    public static <K, V> FptrCache<K, V> withTtl(Clock clock, Duration ttl) {
        return new FptrCache<>(clock, v -> ttl);
    }

    /** The key's value: the cached one while it lives, else {@code loader}'s (one load per key at a time). */
    public V get(K key, Function<K, V> loader) {
        return get(key, Deadline.none(), loader);
    }

    /**
     * Like {@link #get(Object, Function)} for a caller whose {@code loader} runs under {@code deadline}: it
     * waits for another caller's load at most until its deadline ({@link Deadline.Exceeded} then), and loads
     * again itself when that load failed because its starter's time ran out.
     */
    public V get(K key, Deadline deadline, Function<K, V> loader) {
        for (int tries = 1; ; tries++) {
            CompletableFuture<Loaded<V>> mine = new CompletableFuture<>();
            CompletableFuture<Loaded<V>> current = cache.get(key, (k, executor) -> mine);
            if (current == mine) {
                return loaded(key, deadline, loader, mine);
            }
            try {
                return await(current, deadline).value();
            } catch (OutOfTime other) {
                if (tries == 2 || !deadline.allows(SPENT)) {
                    throw other.failure;
                }
                cache.asMap().remove(key, current);   // Caffeine drops a failed load too, perhaps after waking us
            }
        }
    }

    /**
     * Like {@link #get}, but loads again when the cached value's load finished at an instant {@code stale}
     * accepts (e.g. "before this request started and over a second ago"). Concurrent callers that all
     * find it stale share one new load; a failed reload drops the old value too.
     */
    public V reloadIf(K key, Predicate<Instant> stale, Function<K, V> loader) {
        return reloadIf(key, Deadline.none(), stale, loader);
    }

    /** {@link #reloadIf(Object, Predicate, Function)} with the caller's deadline, as {@link #get(Object, Deadline, Function)}. */
    public V reloadIf(K key, Deadline deadline, Predicate<Instant> stale, Function<K, V> loader) {
        CompletableFuture<Loaded<V>> current = cache.getIfPresent(key);
        if (current == null || !current.isDone() || current.isCompletedExceptionally()) {
            return get(key, deadline, loader);
        }
        Loaded<V> loaded = current.join();
        if (!stale.test(loaded.at())) {
            return loaded.value();
        }
        CompletableFuture<Loaded<V>> mine = new CompletableFuture<>();
        if (!cache.asMap().replace(key, current, mine)) {
            return get(key, deadline, loader);   // another caller reloaded or dropped it meanwhile: use theirs
        }
        return loaded(key, deadline, loader, mine);
    }

    /** Drops the key's value (a load in flight still completes for its waiters, but is not kept). */
    public void invalidate(K key) {
        cache.synchronous().invalidate(key);
    }

    /** Drops every value (before a SnapStart snapshot: nothing with a lifetime may be in it). */
    public void invalidateAll() {
        cache.synchronous().invalidateAll();
    }

    /** Drops every value {@code drop} accepts, e.g. the token FPTR just refused. */
    public void invalidateIf(BiPredicate<K, V> drop) {
        cache.synchronous().asMap().entrySet().removeIf(e -> drop.test(e.getKey(), e.getValue().value()));
    }

    /** A load failed when its caller's deadline had run out: {@code failure} is not the waiters' own. */
    private static final class OutOfTime extends RuntimeException {
        final RuntimeException failure;

        OutOfTime(RuntimeException failure) {
            super(null, failure, false, false);
            this.failure = failure;
        }
    }

    /** Loads into {@code mine} and answers it: the value, or the failure as the loader threw it. */
    private V loaded(K key, Deadline deadline, Function<K, V> loader, CompletableFuture<Loaded<V>> mine) {
        load(key, deadline, loader, mine);
        try {
            return await(mine, Deadline.none()).value();
        } catch (OutOfTime own) {
            throw own.failure;
        }
    }

    private void load(K key, Deadline deadline, Function<K, V> loader, CompletableFuture<Loaded<V>> into) {
        try {
            into.complete(new Loaded<>(loader.apply(key), clock.instant()));
        } catch (RuntimeException failure) {
            // Caffeine removes a future that completes exceptionally; the waiters get the same failure.
            boolean outOfTime = deadline.bounded() && (failure instanceof Deadline.Exceeded || !deadline.allows(SPENT));
            into.completeExceptionally(outOfTime ? new OutOfTime(failure) : failure);
        } catch (Throwable failure) {
            into.completeExceptionally(failure);
        }
    }

    /** The load's value, waited for until {@code deadline}; an {@link OutOfTime} for a load whose caller ran out of time. */
    private static <V> Loaded<V> await(CompletableFuture<Loaded<V>> future, Deadline deadline) {
        try {
            return deadline.bounded() ? future.get(deadline.remaining().toNanos(), TimeUnit.NANOSECONDS) : future.join();
        } catch (TimeoutException e) {
            throw new Deadline.Exceeded("the function's time ran out while waiting for what another call was reading from FPTR");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Deadline.Exceeded("interrupted while waiting for what another call was reading from FPTR");
        } catch (CompletionException | ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        }
    }

    private static long nanos(Duration lifetime) {
        if (lifetime == null) {
            return Long.MAX_VALUE;
        }
        return lifetime.isNegative() || lifetime.isZero() ? 0 : saturatedNanos(lifetime);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Caffeine picks its generated cache and node classes by name at run time; a native image must keep
     * the ones an async cache with per-entry expiry uses ({@code FptrCacheTest} checks the names).
     */
    @RegisterForReflection(classNames = {"com.github.benmanes.caffeine.cache.SSA", "com.github.benmanes.caffeine.cache.PSW"})
    static final class NativeClasses {
        private NativeClasses() {
        }
    }
}
