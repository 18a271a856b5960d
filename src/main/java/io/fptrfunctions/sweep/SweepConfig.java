package io.fptrfunctions.sweep;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * {@code fptr.sweep.*}: the sweep's settings, a group of {@code io.fptrfunctions.config.FunctionsConfig}
 * (env {@code FPTR_SWEEP_QUEUE_URL}, {@code FPTR_SWEEP_TABLE_NAME}...). Only the sweep needs the queue and
 * the table. Which entity types it walks, and in which variants, is the webhook's setting
 * ({@code fptr.webhook.entity-types}, {@code fptr.webhook.variants}: {@code io.fptrfunctions.thumbnails.JobTargets}).
 */
public interface SweepConfig {

    /** The thumbnail job queue the jobs go to (the worker's). */
    Optional<String> queueUrl();

    /** The state table: the checkpoints ({@code sweep#...}) and the worker's copy records ({@code thumbnail#...}). */
    Optional<String> tableName();

    /**
     * Each walk starts again this much before its checkpoint's time: the schedule's event-log entry's
     * {@code created_at} (entries can commit out of id order, a lower id after a higher one), a backfill's
     * entity's {@code updated_at} (1 s resolution, so an update in the checkpoint's own second, committed
     * after the run read it, has the checkpoint's time; a margin of at least 1 s sees it). More covers FPTR's
     * own commit delays and the clocks of its servers; what it re-reads costs no more FPTR calls, only its
     * copy-record reads.
     */
    @WithDefault("60s")
    Duration overlap();

    /**
     * The most rows one run takes past its checkpoint (the schedule's event-log entries, a backfill's
     * entities); the next run continues from where it stopped.
     */
    @WithDefault("25000")
    int maxEntitiesPerRun();

    /** A page is read only while the invocation has at least this much time left (one page, its copy records and its jobs). */
    @WithDefault("60s")
    Duration minTimeLeft();

    /** The first scheduled run (no checkpoint yet) looks back this far; older images are a backfill's job. */
    @WithDefault("1d")
    Duration firstRunLookback();

    /** A page (event-log entries, entities) smaller than {@code fptr.max-page-size}, if ever needed. */
    Optional<Integer> pageSize();

    /** How long a backfill's progress is kept after its last run (the same body after that starts again). */
    @WithDefault("30d")
    Duration backfillTtl();
}
