package io.fptrfunctions.aws;

import io.fptrfunctions.deadline.Deadline;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.SdkClient;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * An AWS call's timeout within the invocation's {@link Deadline}: the client's own
 * {@code quarkus.<service>.api-call-timeout} (all attempts and the SDK's retries), or less when less is left.
 * A call that runs out ends as the SDK's {@code ApiCallTimeoutException}, an {@code SdkClientException}.
 */
public final class AwsTimeouts {

    private AwsTimeouts() {
    }

    /** For {@code request.overrideConfiguration(AwsTimeouts.within(deadline, client))}. */
    public static Consumer<AwsRequestOverrideConfiguration.Builder> within(Deadline deadline, SdkClient client) {
        Duration configured = client.serviceClientConfiguration().overrideConfiguration().apiCallTimeout()
                .orElse(Duration.ofMinutes(15));
        return o -> o.apiCallTimeout(atLeastOneMilli(deadline.cap(configured)));
    }

    /**
     * A call as long as the deadline allows, whatever the client's own timeout (a streamed upload of hundreds
     * of MiB); no override without a deadline.
     */
    public static Consumer<AwsRequestOverrideConfiguration.Builder> within(Deadline deadline) {
        return o -> {
            if (deadline.bounded()) {
                o.apiCallTimeout(atLeastOneMilli(deadline.remaining()));
            }
        };
    }

    private static Duration atLeastOneMilli(Duration timeout) {
        return timeout.toMillis() < 1 ? Duration.ofMillis(1) : timeout;
    }
}
