package io.fptrfunctions.idempotency;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The {@code Idempotency-Key} claim a queued write carries from the HTTP function to its worker
 * ({@link IdempotentWrites#queue}, {@link IdempotentWrites#runQueued}): part of the job's message body.
 *
 * @param key              the header's value (the caller's, or the one the 202 named)
 * @param record           the record's key in the table, {@code idempotency#<function>#<principal>#<key>}
 * @param claim            the claim id the HTTP function took; the worker's run adopts it
 * @param requestHash      the request's fingerprint (method, route, path, query, body)
 * @param caller           the caller's IAM ARN, as recorded
 * @param route            the route key, as recorded
 * @param earlierStartedAt when an unfinished earlier attempt under the key started (ISO-8601), else null
 */
@RegisterForReflection
public record QueuedKey(
        @JsonProperty("key") String key,
        @JsonProperty("record") String record,
        @JsonProperty("claim") String claim,
        @JsonProperty("request_hash") String requestHash,
        @JsonProperty("caller") String caller,
        @JsonProperty("route") String route,
        @JsonProperty("earlier_started_at") String earlierStartedAt) {
}
