package io.fptrfunctions.deadline;

import com.amazonaws.services.lambda.runtime.Context;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;

/**
 * The handlers' side of {@link Deadline}: Lambda's remaining time ({@link Context#getRemainingTimeInMillis()})
 * less {@code fptr.deadline.margin}, at most {@code fptr.deadline.max}. A context that gives no sensible
 * remaining time (none, or outside Lambda's 15 minutes, as a mock event server's does) counts as none.
 */
@ApplicationScoped
public class LambdaDeadlines {

    /** Lambda's longest timeout. */
    private static final long MAX_LAMBDA_MILLIS = 15 * 60 * 1000;

    @Inject
    DeadlineConfig config;

    public Deadline of(Context context) {
        long remaining = context == null ? -1 : context.getRemainingTimeInMillis();
        Duration budget = remaining > 0 && remaining <= MAX_LAMBDA_MILLIS
                ? Duration.ofMillis(remaining).minus(config.margin())
                : null;
        if (config.max().isPresent() && (budget == null || config.max().get().compareTo(budget) < 0)) {
            budget = config.max().get();
        }
        return budget == null ? Deadline.none() : Deadline.in(budget);
    }
}
