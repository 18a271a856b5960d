package io.fptrfunctions.fptr;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * {@code fptr.*}: where the site and its credentials come from, and the client's limits. In AWS the
 * credentials come from the Secrets Manager secret {@code fptr.secret-id} (env {@code FPTR_SECRET_ID});
 * locally and in tests from {@code fptr.site-url}, {@code fptr.script-name}, {@code fptr.script-key}
 * (or {@code fptr.login}/{@code fptr.password} for the password grant).
 */
@ConfigMapping(prefix = "fptr")
public interface FptrConfig {

    Optional<String> secretId();

    Optional<String> siteUrl();

    Optional<String> scriptName();

    Optional<String> scriptKey();

    Optional<String> login();

    Optional<String> password();

    /** How long credentials read from Secrets Manager are reused before being read again. */
    @WithDefault("15m")
    Duration secretTtl();

    /** A token is minted again once it has less than this left to live. */
    @WithDefault("60s")
    Duration tokenSafetyMargin();

    /** The biggest page FPTR serves (its documented maximum). */
    @WithDefault("5000")
    int maxPageSize();

    @WithDefault("5s")
    Duration connectTimeout();

    /** Socket read timeout; the per-call budget is the fault-tolerance {@code @Timeout} of FptrCalls. */
    @WithDefault("60s")
    Duration readTimeout();

    /** A Retry-After longer than this is not waited for: the call fails at once with its Retry-After. */
    @WithDefault("10s")
    Duration maxRetryAfter();

    /** Exponential backoff between retries: first delay, cap. Jitter is added on top. */
    @WithDefault("300ms")
    Duration retryInitialDelay();

    @WithDefault("4s")
    Duration retryMaxDelay();

    /** Field schemas (FieldSchemas) are kept this long before being read again. */
    @WithDefault("5m")
    Duration schemaCacheTtl();

    /** A field or entity type FPTR answered 404 for is taken as unknown this long before being asked again. */
    @WithDefault("30s")
    Duration unknownFieldTtl();
}
