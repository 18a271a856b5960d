package io.fptrfunctions.access;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** {@code fptr.access.*}: who may act as whom (a group of {@code io.fptrfunctions.config.FunctionsConfig}). */
public interface AccessConfig {

    /**
     * The policy ({@link AccessPolicy}): JSON from caller ARN patterns to the logins, groups and
     * capabilities they are granted. Unset or blank: nobody may use {@code sudo_as_login} or raw filters.
     */
    Optional<String> policy();

    /** The members of an FPTR Group named in the policy are read once and kept this long. */
    @WithDefault("5m")
    Duration groupCacheTtl();
}
