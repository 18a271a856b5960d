package io.fptrfunctions.fptr;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * {@code fptr.*}: where the site and its credentials come from, and the client's limits, caches and
 * fault tolerance (a group of {@code io.fptrfunctions.config.FunctionsConfig}). In AWS the credentials
 * come from the Secrets Manager secret {@code fptr.secret-id} (env {@code FPTR_SECRET_ID}); locally and in
 * tests from {@code fptr.site-url}, {@code fptr.script-name}, {@code fptr.script-key} (or
 * {@code fptr.login}/{@code fptr.password} for the password grant).
 */
public interface FptrConfig {

    /** The Secrets Manager secret holding the site URL and the script's (or a user's) credentials. */
    Optional<String> secretId();

    /** Without a secret: the site, e.g. {@code https://studio.shotgrid.autodesk.com}. */
    Optional<String> siteUrl();

    Optional<String> scriptName();

    Optional<String> scriptKey();

    Optional<String> login();

    Optional<String> password();

    /** How long credentials read from Secrets Manager are reused before being read again. */
    @WithDefault("15m")
    Duration secretTtl();

    /**
     * Read the secret (and mint the first token, for the functions that always need one) on a background
     * thread while the function starts (io.fptrfunctions.lifecycle.ColdStart).
     */
    @WithDefault("true")
    boolean prefetchAtStart();

    /** A token is minted again once it has less than this left to live (at most half its life). */
    @WithDefault("60s")
    Duration tokenSafetyMargin();

    /**
     * A request for a fresh token ({@code POST /v1/token} with {@code Cache-Control: no-cache}) mints one only when the
     * cached token is older than this; a younger one is handed back. So however often callers ask, each container
     * mints at most one token per (principal, sudo login) in this time; concurrent asks share one mint.
     */
    @WithDefault("10s")
    Duration freshTokenInterval();

    /** The biggest page FPTR serves (its documented maximum, 5000); above it every search is refused as not configured. */
    @WithDefault("5000")
    int maxPageSize();

    /** The largest FPTR answer read (a 5000-row page of notes is a few MB); a bigger one is refused unread. */
    @WithDefault("8388608")
    long maxAnswerBytes();

    @WithDefault("5s")
    Duration connectTimeout();

    /** Socket read timeout; the per-call budget is {@code fptr.calls.*.timeout}. */
    @WithDefault("60s")
    Duration readTimeout();

    /** A Retry-After longer than this is not waited for: the call fails at once with its Retry-After. */
    @WithDefault("10s")
    Duration maxRetryAfter();

    /** Field schemas (FieldSchemas) are kept this long before being read again. */
    @WithDefault("5m")
    Duration schemaCacheTtl();

    /** A field or entity type FPTR answered 404 for is taken as unknown this long before being asked again. */
    @WithDefault("30s")
    Duration unknownFieldTtl();

    /** The fault-tolerance policies of every FPTR call ({@link FptrCalls}). */
    Calls calls();

    interface Calls {

        /** Exponential backoff between retries of reads and mints: the first delay (jitter is added on top). */
        @WithDefault("300ms")
        Duration retryInitialDelay();

        /** The longest backoff between two retries. */
        @WithDefault("4s")
        Duration retryMaxDelay();

        /** Calls safe to repeat: GETs, _search, idempotent PUTs. */
        Read read();

        /** Creates and updates: never retried. */
        Write write();

        /** The token endpoint. */
        Mint mint();

        /** One breaker per policy, counting only transport failures and timeouts. */
        CircuitBreaker circuitBreaker();

        interface Read {
            /** Budget of one attempt. */
            @WithDefault("10s")
            Duration timeout();

            @WithDefault("3")
            int maxRetries();

            /** Budget of all attempts and the waits between them. */
            @WithDefault("25s")
            Duration maxDuration();
        }

        interface Write {
            @WithDefault("15s")
            Duration timeout();
        }

        interface Mint {
            @WithDefault("5s")
            Duration timeout();

            @WithDefault("2")
            int maxRetries();

            @WithDefault("12s")
            Duration maxDuration();
        }

        interface CircuitBreaker {
            /** Calls in the rolling window the failure ratio is computed over. */
            @WithDefault("8")
            int requestVolumeThreshold();

            @WithDefault("0.75")
            double failureRatio();

            /** How long an open breaker fails calls at once before letting one through. */
            @WithDefault("10s")
            Duration delay();
        }
    }
}
