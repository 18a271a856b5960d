package io.fptrfunctions.fptr;

import io.fptrfunctions.deadline.Deadline;
import io.quarkus.runtime.annotations.RegisterForReflection;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache's rules on their own: single flight, failures not kept (Errors included), per-entry expiry, reloads. */
class FptrCacheTest {

    private final TestClock clock = new TestClock();
    private final AtomicInteger loads = new AtomicInteger();

    private String counted(String key) {
        return key + "#" + loads.incrementAndGet();
    }

    @Test
    void concurrentMissesOfOneKeyShareOneLoad() throws Exception {
        FptrCache<String, String> cache = FptrCache.withTtl(clock, Duration.ofMinutes(1));
        CountDownLatch inLoad = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Future<String> first = pool.submit(() -> cache.get("k", k -> {
                inLoad.countDown();
                await(release);
                return counted(k);
            }));
            assertTrue(inLoad.await(5, TimeUnit.SECONDS));
            List<Future<String>> others = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                others.add(pool.submit(() -> cache.get("k", this::counted)));
            }
            Thread.sleep(100);   // let the others reach the cache and wait on the load in flight
            release.countDown();
            assertEquals("k#1", first.get(5, TimeUnit.SECONDS));
            for (Future<String> other : others) {
                assertEquals("k#1", other.get(5, TimeUnit.SECONDS));
            }
            assertEquals(1, loads.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedLoadIsNotKeptAndItsWaitersGetTheFailure() throws Exception {
        failWhileAnotherCallerWaits(new IllegalStateException("FPTR said no"));
    }

    /** Today's hand-made single flight left waiters blocked forever when a mint threw an Error. */
    @Test
    void anErrorInALoadWakesItsWaitersAndTheNextCallerLoads() throws Exception {
        failWhileAnotherCallerWaits(new StackOverflowError("deep"));
    }

    /** One caller's load fails while another waits on it: both see the failure, and the next call loads. */
    private void failWhileAnotherCallerWaits(Throwable failure) throws Exception {
        FptrCache<String, String> cache = FptrCache.withTtl(clock, Duration.ofMinutes(1));
        CountDownLatch inLoad = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<String> leader = pool.submit(() -> cache.get("k", k -> {
                inLoad.countDown();
                await(release);
                if (failure instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) failure;
            }));
            assertTrue(inLoad.await(5, TimeUnit.SECONDS));
            Future<String> waiter = pool.submit(() -> cache.get("k", this::counted));
            Thread.sleep(100);   // the waiter is now waiting on the leader's load
            release.countDown();
            assertSame(failure, assertThrows(ExecutionException.class, () -> leader.get(5, TimeUnit.SECONDS)).getCause());
            assertSame(failure, assertThrows(ExecutionException.class, () -> waiter.get(5, TimeUnit.SECONDS)).getCause(),
                    "the waiter is woken with the same failure, not left blocked");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, loads.get());
        assertEquals("k#1", assertTimeoutPreemptively(Duration.ofSeconds(5), () -> cache.get("k", this::counted)),
                "the failure was not kept: the next call loads");
    }

    /** The start-time prefetch mints under no deadline; the first call waiting on it must still answer by its own. */
    @Test
    void aWaiterWaitsForAnotherCallersLoadOnlyUntilItsOwnDeadline() throws Exception {
        FptrCache<String, String> cache = FptrCache.withTtl(clock, Duration.ofMinutes(1));
        CountDownLatch inLoad = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try {
            Future<String> slow = pool.submit(() -> cache.get("k", Deadline.none(), k -> {
                inLoad.countDown();
                await(release);
                return counted(k);
            }));
            assertTrue(inLoad.await(5, TimeUnit.SECONDS));
            long started = System.nanoTime();
            assertThrows(Deadline.Exceeded.class, () -> assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> cache.get("k", Deadline.in(Duration.ofMillis(300)), this::counted)));
            long waitedMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(waitedMillis >= 250, "it waited for the load while it had time: " + waitedMillis + " ms");
            release.countDown();
            assertEquals("k#1", slow.get(5, TimeUnit.SECONDS), "the slow load itself still completes and is kept");
            assertEquals("k#1", cache.get("k", Deadline.in(Duration.ofMillis(300)), this::counted));
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    /** A load that failed because its caller ran out of time is no answer for a waiter that has time left. */
    @Test
    void aWaiterWithTimeLeftLoadsAgainWhenTheLoadItWaitedOnRanOutOfItsCallersTime() throws Exception {
        Deadline.Exceeded outOfTime = new Deadline.Exceeded("the function's deadline left too little time to call FPTR");
        Future<String> patient = waitOnAFailingLoad(Deadline.in(Duration.ofMillis(200)), outOfTime);
        assertEquals("k#1", patient.get(5, TimeUnit.SECONDS), "the patient caller loaded itself");
        assertEquals(1, loads.get());
    }

    /** A failure that is not the starter's lack of time (FPTR refused, FPTR is down) is shared, not loaded again. */
    @Test
    void aLoadThatFailedWithTimeLeftIsSharedWithItsWaiters() throws Exception {
        IllegalStateException refused = new IllegalStateException("FPTR said no");
        Future<String> waiter = waitOnAFailingLoad(Deadline.in(Duration.ofSeconds(10)), refused);
        assertSame(refused, assertThrows(ExecutionException.class, () -> waiter.get(5, TimeUnit.SECONDS)).getCause());
        assertEquals(0, loads.get());
    }

    /**
     * A load under {@code leaderDeadline} that throws {@code failure} (its caller gets it as thrown) while a
     * caller with 10 s left waits on it; returns that caller's call.
     */
    private Future<String> waitOnAFailingLoad(Deadline leaderDeadline, RuntimeException failure) throws Exception {
        FptrCache<String, String> cache = FptrCache.withTtl(clock, Duration.ofMinutes(1));
        CountDownLatch inLoad = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<String> leader = pool.submit(() -> cache.get("k", leaderDeadline, k -> {
                inLoad.countDown();
                await(release);
                throw failure;
            }));
            assertTrue(inLoad.await(5, TimeUnit.SECONDS));
            Future<String> waiter = pool.submit(() -> cache.get("k", Deadline.in(Duration.ofSeconds(10)), this::counted));
            Thread.sleep(100);   // the waiter now waits on the leader's load
            release.countDown();
            assertSame(failure, assertThrows(ExecutionException.class, () -> leader.get(5, TimeUnit.SECONDS)).getCause(),
                    "the load's own caller gets its failure as thrown");
            return waiter;
        } finally {
            release.countDown();
            pool.shutdown();   // not shutdownNow: the waiter finishes for the caller to look at
        }
    }

    @Test
    void eachEntryLivesItsOwnLifetime() {
        // The value is the lifetime in seconds, as a token carries its own expiry.
        FptrCache<String, Integer> cache = new FptrCache<>(clock, seconds -> Duration.ofSeconds(seconds));
        cache.get("short", k -> 10);
        cache.get("long", k -> 100);
        clock.advance(Duration.ofSeconds(11));
        assertEquals(11, cache.get("short", k -> 11), "expired: loaded again");
        assertEquals(100, cache.get("long", k -> -1), "still alive");
        clock.advance(Duration.ofSeconds(90));
        assertEquals(-1, cache.get("long", k -> -1));
    }

    @Test
    void aValueWithoutLifetimeIsNotKeptAndNullLifetimeKeepsItUntilInvalidated() {
        FptrCache<String, String> none = FptrCache.withTtl(clock, Duration.ZERO);
        none.get("k", this::counted);
        assertEquals("k#2", none.get("k", this::counted));

        FptrCache<String, String> forever = new FptrCache<>(clock, v -> null);
        assertEquals("k#3", forever.get("k", this::counted));
        clock.advance(Duration.ofDays(3650));
        assertEquals("k#3", forever.get("k", this::counted));
        forever.invalidate("k");
        assertEquals("k#4", forever.get("k", this::counted));
    }

    @Test
    void invalidateIfDropsTheMatchingValuesOnly() {
        FptrCache<String, String> cache = FptrCache.withTtl(clock, Duration.ofMinutes(1));
        cache.get("a", this::counted);
        cache.get("b", this::counted);
        cache.invalidateIf((key, value) -> value.equals("a#1"));
        assertEquals("a#3", cache.get("a", this::counted));
        assertEquals("b#2", cache.get("b", this::counted));
    }

    @Test
    void reloadIfLoadsAgainOnlyWhenTheValueIsStaleAndConcurrentReloadsShareOneLoad() throws Exception {
        FptrCache<String, String> cache = FptrCache.withTtl(clock, Duration.ofMinutes(5));
        cache.get("k", this::counted);
        Instant loadedAfter = clock.instant().minusSeconds(1);
        assertEquals("k#1", cache.reloadIf("k", at -> at.isBefore(loadedAfter), this::counted), "fresh enough: kept");

        clock.advance(Duration.ofSeconds(2));
        Instant cutoff = clock.instant();
        CountDownLatch inLoad = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<String> leader = pool.submit(() -> cache.reloadIf("k", at -> at.isBefore(cutoff), k -> {
                inLoad.countDown();
                await(release);
                return counted(k);
            }));
            assertTrue(inLoad.await(5, TimeUnit.SECONDS));
            Future<String> second = pool.submit(() -> cache.reloadIf("k", at -> at.isBefore(cutoff), this::counted));
            Future<String> plain = pool.submit(() -> cache.get("k", this::counted));
            Thread.sleep(100);
            release.countDown();
            assertEquals("k#2", leader.get(5, TimeUnit.SECONDS));
            assertEquals("k#2", second.get(5, TimeUnit.SECONDS));
            assertEquals("k#2", plain.get(5, TimeUnit.SECONDS));
            assertEquals(2, loads.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aReloadedValueExpiresLikeALoadedOne() {
        FptrCache<String, String> cache = FptrCache.withTtl(clock, Duration.ofMinutes(5));
        cache.get("k", this::counted);
        clock.advance(Duration.ofMinutes(1));
        assertEquals("k#2", cache.reloadIf("k", at -> true, this::counted));
        clock.advance(Duration.ofMinutes(4).plusSeconds(30));
        assertEquals("k#2", cache.get("k", this::counted), "5 min from the reload, not from the first load");
        clock.advance(Duration.ofMinutes(1));
        assertEquals("k#3", cache.get("k", this::counted));
    }

    @Test
    void aFailedReloadDropsTheOldValue() {
        FptrCache<String, String> cache = FptrCache.withTtl(clock, Duration.ofMinutes(5));
        cache.get("k", this::counted);
        assertThrows(IllegalStateException.class, () -> cache.reloadIf("k", at -> true, k -> {
            throw new IllegalStateException("down");
        }));
        assertEquals("k#2", cache.get("k", this::counted));
    }

    /** A native image keeps only the Caffeine classes registered; these are the ones this cache uses. */
    @Test
    void theCaffeineClassesInUseAreRegisteredForNative() throws Exception {
        FptrCache<String, String> cache = FptrCache.withTtl(clock, Duration.ofMinutes(1));
        cache.get("k", this::counted);
        Object async = field(cache, "cache");
        Object local = field(async, "cache");
        Map<?, ?> data = (Map<?, ?>) field(local, "data");
        List<String> registered = Arrays.asList(
                FptrCache.NativeClasses.class.getAnnotation(RegisterForReflection.class).classNames());
        assertTrue(registered.contains(local.getClass().getName()), local.getClass().getName() + " not in " + registered);
        String node = data.values().iterator().next().getClass().getName();
        assertTrue(registered.contains(node), node + " not in " + registered);
    }

    private static Object field(Object owner, String name) throws ReflectiveOperationException {
        for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(owner);
            } catch (NoSuchFieldException next) {
                // keep looking up the hierarchy
            }
        }
        throw new NoSuchFieldException(name);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

}
