package io.fptrfunctions.fptr;

import io.fptrfunctions.telemetry.Metric;
import io.fptrfunctions.telemetry.Metrics;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The fault-tolerance policies every FPTR call runs under: SmallRye Fault Tolerance guards built from
 * {@code fptr.calls.*} (FptrConfig.Calls), so operators tune them under our names.
 * <ul>
 * <li>{@link #read}: calls safe to repeat (GETs, _search, idempotent PUTs): a timeout per attempt,
 *     retries with exponential backoff and jitter, honouring Retry-After ({@link RetryAfterBackoff}).</li>
 * <li>{@link #write}: creates and updates: a timeout, never retried (a repeated create is a duplicate).</li>
 * <li>{@link #mint}: the token endpoint, like a read with a shorter budget.</li>
 * </ul>
 * Each has a circuit breaker counting only transport-level failures (not FPTR's 4xx answers), so a dead
 * site fails fast instead of making every caller wait out its timeouts. (The guards are built in code,
 * not by annotations, so a per-call deadline can later cap an attempt's timeout.)
 * Every call is counted by its outcome after the retries, and its retries (the {@code FptrCalls*} and
 * {@code FptrRetries} metrics).
 */
@ApplicationScoped
class FptrCalls {

    private static final List<Class<? extends Throwable>> TRANSIENT = List.of(TransientFptrFailure.class, TimeoutException.class);

    private final Guard read;
    private final Guard write;
    private final Guard mint;
    private final Metrics metrics;

    @Inject
    FptrCalls(FptrConfig config, Jitter jitter, Metrics metrics) {
        this.metrics = metrics;
        FptrConfig.Calls calls = config.calls();
        read = retrying("fptr-read", calls, jitter, calls.read().timeout(), calls.read().maxRetries(), calls.read().maxDuration());
        write = Guard.create()
                .withTimeout().duration(millis(calls.write().timeout()), ChronoUnit.MILLIS).done()
                .with(b -> breaker(b, "fptr-write", calls.circuitBreaker()))
                .build();
        mint = retrying("fptr-mint", calls, jitter, calls.mint().timeout(), calls.mint().maxRetries(), calls.mint().maxDuration());
    }

    public <T> T read(Supplier<T> call) {
        return run(read, false, call);
    }

    public <T> T write(Supplier<T> call) {
        return run(write, true, call);
    }

    public <T> T mint(Supplier<T> call) {
        return run(mint, false, call);
    }

    @SuppressWarnings("unchecked")
    private <T> T run(Guard guard, boolean isWrite, Supplier<T> call) {
        AtomicInteger attempts = new AtomicInteger();
        try {
            T result = (T) guard.get(() -> {
                attempts.incrementAndGet();
                return call.get();
            }, Object.class);
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

    /** What a call's failure was, as the metrics count it; null for a bug (the adapter logs those). */
    private static Metric outcome(RuntimeException e, boolean isWrite) {
        if (e instanceof UnauthorizedCall || e instanceof FptrFailure.Refused || e instanceof FptrFailure.CredentialsRefused
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

    private static Guard retrying(String name, FptrConfig.Calls calls, Jitter jitter, Duration timeout, int maxRetries,
                                  Duration maxDuration) {
        long initial = millis(calls.retryInitialDelay());
        long max = millis(calls.retryMaxDelay());
        return Guard.create()
                .withRetry()
                    .maxRetries(maxRetries)
                    .delay(initial, ChronoUnit.MILLIS)
                    .maxDuration(millis(maxDuration), ChronoUnit.MILLIS)
                    .jitter(0, ChronoUnit.MILLIS)   // RetryAfterBackoff adds its own
                    .retryOn(TRANSIENT)
                    .withCustomBackoff().strategy(() -> new RetryAfterBackoff(max, jitter)).done()
                    .done()
                .withTimeout().duration(millis(timeout), ChronoUnit.MILLIS).done()
                .with(b -> breaker(b, name, calls.circuitBreaker()))
                .build();
    }

    /** Named, so CircuitBreakerMaintenance (tests, operators) can read and reset it. */
    private static void breaker(Guard.Builder builder, String name, FptrConfig.Calls.CircuitBreaker config) {
        builder.withCircuitBreaker()
                .name(name)
                .requestVolumeThreshold(config.requestVolumeThreshold())
                .failureRatio(config.failureRatio())
                .delay(millis(config.delay()), ChronoUnit.MILLIS)
                .successThreshold(1)
                .failOn(TRANSIENT)
                .done();
    }

    private static long millis(Duration d) {
        return d.toMillis();
    }
}
