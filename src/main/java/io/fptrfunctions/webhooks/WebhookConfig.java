package io.fptrfunctions.webhooks;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code fptr.webhook.*}: the webhook receiver's settings, a group of {@code io.fptrfunctions.config.FunctionsConfig}
 * (env {@code FPTR_WEBHOOK_SECRET_ID}, {@code FPTR_WEBHOOK_QUEUE_URL}, {@code FPTR_WEBHOOK_TABLE_NAME},
 * {@code FPTR_WEBHOOK_ENTITY_TYPES}...). Only the webhook function needs the first three; every other
 * function of the artifact starts without them.
 */
public interface WebhookConfig {

    /** Secrets Manager secret whose SecretString is the hook's "Secret token" in FPTR. */
    Optional<String> secretId();

    /** SQS queue the thumbnail jobs go to. */
    Optional<String> queueUrl();

    /** DynamoDB table (string partition key {@code pk}, TTL attribute {@code expires_at}) that remembers events. */
    Optional<String> tableName();

    /**
     * Entity types whose image events become jobs, and which the sweep walks; FPTR's names ({@code Note},
     * {@code Version}, {@code CustomEntity01}). Both read it as {@code io.fptrfunctions.thumbnails.JobTargets}.
     */
    @WithDefault("Note")
    List<String> entityTypes();

    /** One job per variant for each image event (and each image the sweep finds): {@code original} and/or {@code thumbnail}. */
    @WithDefault("original")
    List<String> variants();

    /** How long an event is remembered as queued; FPTR keeps its delivery logs (and redelivers from them) 7 days. */
    @WithDefault("7d")
    Duration dedupeTtl();

    /**
     * How long a claim on an event lasts before it is queued. A claim left by an invocation that died
     * mid-way can be taken over after this, so it must outlast the function's timeout.
     */
    @WithDefault("60s")
    Duration claimLease();

    /**
     * A bigger body is refused with 413 before its signature is computed. FPTR's 1 MB cap is per event (it drops
     * old_value/new_value from bigger ones), so a batch of up to 50 can be larger; Lambda takes at most 6 MB per
     * invocation, so a bigger one never reaches the function anyway.
     */
    @WithDefault("6291456")
    int maxBodyBytes();

    /** How long the secret's versions are kept before being read again. */
    @WithDefault("5m")
    Duration secretTtl();

    /** A signature that matches no known version re-reads the secret (it may just have been rotated), at most this often. */
    @WithDefault("10s")
    Duration secretRefreshMinInterval();
}
