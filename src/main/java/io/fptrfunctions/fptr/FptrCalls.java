package io.fptrfunctions.fptr;

import io.smallrye.faulttolerance.api.CustomBackoff;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import java.util.function.Supplier;

/**
 * The fault-tolerance policies every FPTR call runs under (SmallRye Fault Tolerance). Each policy is
 * tunable with MicroProfile FT config keys, e.g.
 * {@code io.fptrfunctions.fptr.FptrCalls/read/Retry/maxRetries=3} or {@code .../read/Timeout/value=10000}
 * (all durations in milliseconds; the {@code %test} profile shrinks them).
 * <ul>
 * <li>{@link #read}: calls safe to repeat (GETs, _search, minting a token, idempotent PUTs): a timeout per
 *     attempt, retries with exponential backoff and jitter, honouring Retry-After.</li>
 * <li>{@link #write}: creates and updates: a timeout, never retried (a repeated create is a duplicate).</li>
 * <li>{@link #mint}: the token endpoint, like a read with a shorter budget.</li>
 * </ul>
 * Each has a circuit breaker counting only transport-level failures (not FPTR's 4xx answers), so a dead
 * site fails fast instead of making every caller wait out its timeouts.
 */
@ApplicationScoped
class FptrCalls {

    @Timeout(10_000)
    @Retry(maxRetries = 3, delay = 300, maxDuration = 25_000, jitter = 0,
            retryOn = {TransientFptrFailure.class, TimeoutException.class})
    @CustomBackoff(RetryAfterBackoff.class)
    @CircuitBreaker(requestVolumeThreshold = 8, failureRatio = 0.75, delay = 10_000,
            successThreshold = 1, failOn = {TransientFptrFailure.class, TimeoutException.class})
    public <T> T read(Supplier<T> call) {
        return call.get();
    }

    @Timeout(15_000)
    @CircuitBreaker(requestVolumeThreshold = 8, failureRatio = 0.75, delay = 10_000,
            successThreshold = 1, failOn = {TransientFptrFailure.class, TimeoutException.class})
    public <T> T write(Supplier<T> call) {
        return call.get();
    }

    @Timeout(5_000)
    @Retry(maxRetries = 2, delay = 300, maxDuration = 12_000, jitter = 0,
            retryOn = {TransientFptrFailure.class, TimeoutException.class})
    @CustomBackoff(RetryAfterBackoff.class)
    @CircuitBreaker(requestVolumeThreshold = 8, failureRatio = 0.75, delay = 10_000,
            successThreshold = 1, failOn = {TransientFptrFailure.class, TimeoutException.class})
    public <T> T mint(Supplier<T> call) {
        return call.get();
    }
}
