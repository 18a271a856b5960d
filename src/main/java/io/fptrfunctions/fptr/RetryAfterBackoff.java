package io.fptrfunctions.fptr;

import io.fptrfunctions.deadline.Deadline;
import io.smallrye.faulttolerance.api.CustomBackoffStrategy;

/**
 * Delay before the next retry: FPTR's Retry-After when it sent one (FptrResponses already refused to
 * wait longer than {@code fptr.max-retry-after}), otherwise exponential backoff from the retry's delay
 * ({@code fptr.calls.retry-initial-delay}) capped at {@code fptr.calls.retry-max-delay}. "Equal jitter"
 * (half fixed, half random, from {@link Jitter}) keeps many containers from retrying in lock-step. Never longer than the
 * call's deadline leaves for the attempt after it. One per invocation.
 */
class RetryAfterBackoff implements CustomBackoffStrategy {

    private final long maxDelay;
    private final Deadline deadline;
    private final long attemptMillis;
    private final Jitter jitter;
    private long nextExponential;

    RetryAfterBackoff(long maxDelayInMillis, Deadline deadline, java.time.Duration minimumAttempt, Jitter jitter) {
        this.maxDelay = maxDelayInMillis;
        this.deadline = deadline;
        this.attemptMillis = minimumAttempt.toMillis();
        this.jitter = jitter;
    }

    @Override
    public void init(long initialDelayInMillis) {
        nextExponential = initialDelayInMillis;
    }

    @Override
    public long nextDelayInMillis(Throwable failure) {
        return Math.max(0, Math.min(delay(failure), deadline.remaining().toMillis() - attemptMillis));
    }

    private long delay(Throwable failure) {
        if (failure instanceof TransientFptrFailure transientFailure && transientFailure.retryAfter() != null) {
            long asked = transientFailure.retryAfter().toMillis();
            return asked + jitter.below(Math.max(1, asked / 10 + 1));
        }
        long base = Math.min(nextExponential, maxDelay);
        nextExponential = Math.min(maxDelay, nextExponential * 2);
        long half = Math.max(1, base / 2);
        return half + jitter.below(half + 1);
    }
}
