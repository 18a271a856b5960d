package io.fptrfunctions.telemetry;

/**
 * What the functions count, as CloudWatch metrics (namespace {@code fptr.metrics.namespace}, dimension
 * {@code Function}). Each is summed over an invocation, except {@link #COPY_TIME}, which keeps one value per
 * copy (a worker batch copies several images); {@link Invocations} writes them in one EMF line at its end.
 */
public enum Metric {

    /** 1 on the first invocation of a process (a SnapStart restore included). */
    COLD_START("ColdStart", Unit.COUNT),
    /** Tokens FPTR issued to us. */
    TOKEN_MINTS("TokenMints", Unit.COUNT),
    /** Tokens served from the cache (or from a mint another caller was already waiting for). */
    TOKEN_CACHE_HITS("TokenCacheHits", Unit.COUNT),
    /** FPTR API calls (mints included) by their outcome after retries: answered. */
    FPTR_CALLS_OK("FptrCallsOk", Unit.COUNT),
    /** ... refused: a 4xx (a 401 only when the call repeated with a freshly minted token got one too). */
    FPTR_CALLS_REFUSED("FptrCallsRefused", Unit.COUNT),
    /** ... unavailable: 429/502/503/504, timeouts and failed connections after the retries, an open circuit. */
    FPTR_CALLS_UNAVAILABLE("FptrCallsUnavailable", Unit.COUNT),
    /** ... a create or update whose answer was lost (FPTR may or may not have applied it). */
    FPTR_CALLS_LOST("FptrCallsLost", Unit.COUNT),
    /** Attempts beyond the first, over all FPTR calls. */
    FPTR_RETRIES("FptrRetries", Unit.COUNT),
    /** Bytes moved between FPTR's storage and S3 (thumbnail copies, uploads). */
    BYTES_COPIED("BytesCopied", Unit.BYTES),
    /** How long each such copy took, one value per copy. */
    COPY_TIME("CopyTime", Unit.MILLISECONDS, false),
    /** Webhook: events queued as thumbnail jobs. */
    WEBHOOK_ACCEPTED("WebhookAccepted", Unit.COUNT),
    /** Webhook: events already queued before (FPTR's redeliveries, repeats within a batch). */
    WEBHOOK_DUPLICATES("WebhookDuplicates", Unit.COUNT),
    /** Webhook: events that ask for nothing (another entity type, not an image change). */
    WEBHOOK_IGNORED("WebhookIgnored", Unit.COUNT),
    /** Webhook: events of a readable delivery that could not be read (no event_type, an image event without an entity id...): not queued. */
    WEBHOOK_UNREADABLE("WebhookUnreadable", Unit.COUNT),
    /** Webhook: deliveries refused with a 4xx (a bad signature, too large, not FPTR's shape). */
    WEBHOOK_REFUSED("WebhookRefused", Unit.COUNT),
    /** Thumbnail worker, per job: copied (or already there), recorded and acknowledged. */
    JOBS_DONE("JobsDone", Unit.COUNT),
    /** ... the entity, its image or its image field is gone: done, not retried. */
    JOBS_GONE("JobsGone", Unit.COUNT),
    /** ... FPTR still makes the thumbnail: sent again with a delay (not a failure). */
    JOBS_WAITING("JobsWaiting", Unit.COUNT),
    /** ... FPTR's thumbnail never came within the worker's longest wait: given up. */
    JOBS_GAVE_UP("JobsGaveUp", Unit.COUNT),
    /** ... failed (FPTR, storage or S3): left on the queue, toward the dead-letter queue. */
    JOBS_FAILED("JobsFailed", Unit.COUNT),
    /** ... a message that is no thumbnail job: sent on to the dead-letter queue. */
    JOBS_NOT_A_JOB("JobsNotAJob", Unit.COUNT),
    /** ... not started, too little of the invocation left: sent again as it is. */
    JOBS_NOT_STARTED("JobsNotStarted", Unit.COUNT),
    /** Sweep: a run that failed (a walk that failed, or a run that could not start for a 5xx reason); the next continues. */
    SWEEP_FAILED("SweepFailed", Unit.COUNT);

    /** CloudWatch's unit names (StandardUnit). */
    public enum Unit {
        COUNT("Count"), BYTES("Bytes"), MILLISECONDS("Milliseconds");

        private final String cloudWatchName;

        Unit(String cloudWatchName) {
            this.cloudWatchName = cloudWatchName;
        }

        public String cloudWatchName() {
            return cloudWatchName;
        }
    }

    private final String metricName;
    private final Unit unit;
    private final boolean summed;

    Metric(String metricName, Unit unit) {
        this(metricName, unit, true);
    }

    Metric(String metricName, Unit unit, boolean summed) {
        this.metricName = metricName;
        this.unit = unit;
        this.summed = summed;
    }

    /** The CloudWatch metric name. */
    public String metricName() {
        return metricName;
    }

    public Unit unit() {
        return unit;
    }

    /** Summed over the invocation (else one value per event, at most {@link Invocation#MAX_VALUES}). */
    public boolean summed() {
        return summed;
    }
}
