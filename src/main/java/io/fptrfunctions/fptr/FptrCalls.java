package io.fptrfunctions.fptr;

import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.telemetry.Metric;
import io.fptrfunctions.telemetry.Metrics;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The fault-tolerance policies every FPTR call runs under: SmallRye Fault Tolerance guards built in code
 * from {@code fptr.calls.*} (FptrConfig.Calls), so operators tune them under our names, and each call's
 * limits are cut down to what its invocation's {@link Deadline} leaves.
 * <ul>
 * <li>{@link #read}: calls safe to repeat (GETs, _search, idempotent PUTs): a timeout per attempt,
 *     retries with exponential backoff and jitter, honouring Retry-After ({@link RetryAfterBackoff}).</li>
 * <li>{@link #write}: creates and updates: a timeout, never retried (a repeated create is a duplicate).</li>
 * <li>{@link #mint}: the token endpoint, like a read with a shorter budget.</li>
 * </ul>
 * Per call: the retries' total duration is at most the time left, a retry is made only when the time left
 * holds its wait (FPTR's Retry-After) and an attempt, a wait never runs past the deadline, and each
 * attempt's timeout is at most the time left when it starts; no attempt starts with less than
 * {@link #MIN_READ} left ({@link #MIN_WRITE} for a write). Each policy has one circuit breaker, shared by
 * all calls and counting only transport-level failures and timeouts (not FPTR's 4xx answers), so a dead
 * site fails fast instead of making every caller wait out its timeouts.
 * Every call is counted by its outcome after the retries, and its retries (the {@code FptrCalls*} and
 * {@code FptrRetries} metrics).
 */
@ApplicationScoped
class FptrCalls {

    /** The least time worth an attempt at a read or a mint (FPTR charges about 300 ms a call). */
    static final Duration MIN_READ = Duration.ofMillis(250);
    /** The least time a write is sent with: one cut short by the deadline would leave its outcome unknown. */
    static final Duration MIN_WRITE = Duration.ofSeconds(1);

    private final FptrConfig.Calls config;
    private final Guard readBreaker;
    private final Guard writeBreaker;
    private final Guard mintBreaker;

    /** A call's limits from the configuration: one attempt, its retries and their total. */
    private record Limits(Duration timeout, int maxRetries, Duration maxDuration, Duration minimum) {
    }

    private final Limits read;
    private final Limits write;
    private final Limits mint;

    private final Metrics metrics;
    private final Jitter jitter;

    @Inject
    FptrCalls(FptrConfig config, Jitter jitter, Metrics metrics) {
        this.metrics = metrics;
        this.jitter = jitter;
        this.config = config.calls();
        readBreaker = breaker("fptr-read");
        writeBreaker = breaker("fptr-write");
        mintBreaker = breaker("fptr-mint");
        read = new Limits(this.config.read().timeout(), this.config.read().maxRetries(), this.config.read().maxDuration(), MIN_READ);
        write = new Limits(this.config.write().timeout(), 0, this.config.write().timeout(), MIN_WRITE);
        mint = new Limits(this.config.mint().timeout(), this.config.mint().maxRetries(), this.config.mint().maxDuration(), MIN_READ);
    }

    public <T> T read(Deadline deadline, Supplier<T> call) {
        return counted(false, attempts -> retrying(read, readBreaker, deadline, counting(attempts, call)));
    }

    public <T> T write(Deadline deadline, Supplier<T> call) {
        return counted(true, attempts -> attempt(write, writeBreaker, deadline, counting(attempts, call)));
    }

    public <T> T mint(Deadline deadline, Supplier<T> call) {
        return counted(false, attempts -> retrying(mint, mintBreaker, deadline, counting(attempts, call)));
    }

    private static <T> Supplier<T> counting(AtomicInteger attempts, Supplier<T> call) {
        return () -> {
            attempts.incrementAndGet();
            return call.get();
        };
    }

    /** Runs a call and counts its outcome and its retries. */
    private <T> T counted(boolean isWrite, Function<AtomicInteger, T> run) {
        AtomicInteger attempts = new AtomicInteger();
        try {
            T result = run.apply(attempts);
            metrics.count(Metric.FPTR_CALLS_OK);
            return result;
        } catch (RuntimeException e) {
            Metric outcome = outcome(e, isWrite);
            if (outcome != null) {
                metrics.count(outcome);
            }
            throw e;
        } finally {
            if (attempts.get() > 1) {
                metrics.add(Metric.FPTR_RETRIES, attempts.get() - 1);
            }
        }
    }

    /**
     * What a call's failure was, as the metrics count it; null for a bug (the adapter logs those), and for a 401,
     * which is no outcome yet: FptrClient mints again and repeats the call, and counts the 401 itself only when
     * the repeat gets one too, so a call the fresh token gets past is counted once, as answered.
     */
    private static Metric outcome(RuntimeException e, boolean isWrite) {
        if (e instanceof UnauthorizedCall) {
            return null;
        }
        if (e instanceof FptrFailure.Refused || e instanceof FptrFailure.CredentialsRefused
                || e instanceof FptrFailure.SudoRefused || e instanceof FptrFailure.Misconfigured) {
            return Metric.FPTR_CALLS_REFUSED;
        }
        if (isWrite && (e instanceof TimeoutException || e instanceof TransientFptrFailure t && t.lost() != null)) {
            return Metric.FPTR_CALLS_LOST;
        }
        if (e instanceof TransientFptrFailure || e instanceof TimeoutException || e instanceof CircuitBreakerOpenException
                || e instanceof FptrFailure.Unavailable) {
            return Metric.FPTR_CALLS_UNAVAILABLE;
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private <T> T retrying(Limits limits, Guard breaker, Deadline deadline, Supplier<T> call) {
        Guard retries = Guard.create()
                .withRetry()
                    .maxRetries(limits.maxRetries())
                    .delay(millis(config.retryInitialDelay()), ChronoUnit.MILLIS)
                    // at least the first delay, which SmallRye requires; the deadline itself is kept per attempt
                    .maxDuration(Math.max(millis(deadline.cap(limits.maxDuration())), millis(config.retryInitialDelay()) + 1),
                            ChronoUnit.MILLIS)
                    .jitter(0, ChronoUnit.MILLIS)   // RetryAfterBackoff adds its own
                    .whenException(failure -> isTransient(failure) && deadline.allows(waitBefore(failure).plus(limits.minimum())))
                    .withCustomBackoff().strategy(() -> new RetryAfterBackoff(millis(config.retryMaxDelay()), deadline, limits.minimum(), jitter)).done()
                    .done()
                .build();
        return (T) retries.get(() -> attempt(limits, breaker, deadline, call), Object.class);
    }

    /** One attempt: through the shared breaker, with a timeout cut down to the time left. */
    @SuppressWarnings("unchecked")
    private static <T> T attempt(Limits limits, Guard breaker, Deadline deadline, Supplier<T> call) {
        if (!deadline.allows(limits.minimum())) {
            throw new Deadline.Exceeded("the function's deadline left too little time to call FPTR");
        }
        Guard timeout = Guard.create().withTimeout().duration(millis(deadline.cap(limits.timeout())), ChronoUnit.MILLIS).done().build();
        return (T) breaker.get(() -> timeout.get(call::get, Object.class), Object.class);
    }

    private static boolean isTransient(Throwable failure) {
        return failure instanceof TransientFptrFailure t && t.retryable() || failure instanceof TimeoutException;
    }

    /** What must be waited before the next attempt: FPTR's Retry-After when it sent one. */
    private static Duration waitBefore(Throwable failure) {
        return failure instanceof TransientFptrFailure t && t.retryAfter() != null ? t.retryAfter() : Duration.ZERO;
    }

    /** Named, so CircuitBreakerMaintenance (tests, operators) can read and reset it. */
    private Guard breaker(String name) {
        FptrConfig.Calls.CircuitBreaker cb = config.circuitBreaker();
        return Guard.create().withCircuitBreaker()
                .name(name)
                .requestVolumeThreshold(cb.requestVolumeThreshold())
                .failureRatio(cb.failureRatio())
                .delay(millis(cb.delay()), ChronoUnit.MILLIS)
                .successThreshold(1)
                .failOn(java.util.List.of(TransientFptrFailure.class, TimeoutException.class))
                .done()
                .build();
    }

    private static long millis(Duration d) {
        return d.toMillis();
    }
}
