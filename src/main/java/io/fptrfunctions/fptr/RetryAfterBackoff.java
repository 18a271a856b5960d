package io.fptrfunctions.fptr;

import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import org.eclipse.microprofile.config.ConfigProvider;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delay before the next retry: FPTR's Retry-After when it sent one (FptrResponses already refused to
 * wait longer than {@code fptr.max-retry-after}), otherwise exponential backoff from
 * {@code fptr.retry-initial-delay} capped at {@code fptr.retry-max-delay}. "Equal jitter" (half fixed,
 * half random) keeps many containers from retrying in lock-step. SmallRye creates one per invocation.
 */
public class RetryAfterBackoff implements CustomBackoffStrategy {

    private long nextExponential;
    private long maxDelay;

    @Override
    public void init(long initialDelayInMillis) {
        var config = ConfigProvider.getConfig();
        nextExponential = config.getOptionalValue("fptr.retry-initial-delay", Duration.class)
                .map(Duration::toMillis).orElse(initialDelayInMillis);
        maxDelay = config.getOptionalValue("fptr.retry-max-delay", Duration.class)
                .map(Duration::toMillis).orElse(4000L);
    }

    @Override
    public long nextDelayInMillis(Throwable failure) {
        if (failure instanceof TransientFptrFailure transientFailure && transientFailure.retryAfter() != null) {
            long asked = transientFailure.retryAfter().toMillis();
            return asked + ThreadLocalRandom.current().nextLong(Math.max(1, asked / 10 + 1));
        }
        long base = Math.min(nextExponential, maxDelay);
        nextExponential = Math.min(maxDelay, nextExponential * 2);
        long half = Math.max(1, base / 2);
        return half + ThreadLocalRandom.current().nextLong(half + 1);
    }
}
