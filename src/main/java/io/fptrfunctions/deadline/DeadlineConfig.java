package io.fptrfunctions.deadline;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** {@code fptr.deadline.*}: how an invocation's deadline is taken from Lambda (a group of {@code io.fptrfunctions.config.FunctionsConfig}). */
public interface DeadlineConfig {

    /** Kept back from Lambda's remaining time to write the answer (a problem) before Lambda's timeout. */
    @WithDefault("1s")
    Duration margin();

    /** The longest budget of one invocation, whatever Lambda gives (and when no Lambda context says). */
    Optional<Duration> max();
}
