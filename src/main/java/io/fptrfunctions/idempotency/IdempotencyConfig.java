package io.fptrfunctions.idempotency;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** {@code fptr.idempotency.*}: where and how long {@code Idempotency-Key}s are kept (a group of {@code FunctionsConfig}). */
public interface IdempotencyConfig {

    /**
     * The DynamoDB table (string key {@code pk}, TTL attribute {@code expires_at}) that keeps the keys,
     * under {@code idempotency#<function>#...}. Without it a request carrying a key is refused (500).
     */
    Optional<String> tableName();

    /** How long a finished request's answer is kept for its retries; after that the key is a new request. */
    @WithDefault("24h")
    Duration ttl();

    /**
     * How long a request in progress holds its key; a retry meanwhile is a 409. A process that dies
     * (timeout, out of memory, kill) frees it after this, so it must outlast the function's timeout.
     */
    @WithDefault("60s")
    Duration inProgressLease();

    /**
     * How long a write queued with {@code Prefer: respond-async} holds its key before a worker runs it (each
     * run then holds it for {@code in-progress-lease}); a retry meanwhile is a 409. If no worker has taken it
     * by then, the same request runs again.
     */
    @WithDefault("1h")
    Duration queuedLease();
}
