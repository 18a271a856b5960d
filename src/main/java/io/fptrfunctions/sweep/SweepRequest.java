package io.fptrfunctions.sweep;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.thumbnails.ThumbnailVariant;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;

/**
 * One invocation of the sweep: the scheduled catch-up (EventBridge's Scheduled Event, or an empty body)
 * or a backfill ({@code {"since", "project", "entity_types", "variants"}}, at least {@code since} or
 * {@code project}). Read by {@link SweepRequestReader}.
 *
 * @param since       backfill: entities updated from this instant on; null = from the first
 * @param projectId   backfill: only this project's entities (null = every project, or {@code projectName})
 * @param projectName backfill: the project by name, resolved to its id when the run starts
 * @param entityTypes backfill: these types instead of the configured ones (null = the configured ones)
 * @param variants    backfill: these variants instead of the configured ones (null = the configured ones)
 */
public record SweepRequest(boolean backfill, Instant since, Long projectId, String projectName,
                           List<String> entityTypes, List<ThumbnailVariant> variants) {

    static final String SCHEDULE_KEY = "sweep#schedule";
    static final String BACKFILL_PREFIX = "sweep#backfill#";

    static SweepRequest scheduled() {
        return new SweepRequest(false, null, null, null, null, null);
    }

    /**
     * The request as the answer shows it: the members given, normalised (an instant in UTC, the types sorted,
     * the variants in their order, each once), without what the configuration fills in. Its progress is
     * known by {@link #meaning} instead.
     */
    ObjectNode normalized() {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        if (since != null) {
            body.put("since", since.toString());
        }
        if (projectId != null) {
            body.put("project", projectId);
        } else if (projectName != null) {
            body.put("project", projectName);
        }
        if (entityTypes != null) {
            entityTypes.forEach(body.putArray("entity_types")::add);
        }
        if (variants != null) {
            variants.forEach(v -> body.withArray("variants").add(v.alt()));
        }
        return body;
    }

    /** The same backfill with its project as the id a name was resolved to (what its walk, and its progress, depend on). */
    SweepRequest withProjectId(long id) {
        return new SweepRequest(backfill, since, id, null, entityTypes, variants);
    }

    /**
     * What a backfill's walk of one entity type depends on, and so what its progress is known by: {@code since},
     * the project's <em>id</em> (call {@link #withProjectId} first: a name and the id it resolves to are one
     * backfill) and the variants it queues, as the run takes them (the configured ones when none are given),
     * sorted. Not {@code entity_types}: each type's walk has a key of its own ({@code #<Type>}), so a backfill
     * of Note and one of Note and Version walk Note once.
     */
    ObjectNode meaning(List<ThumbnailVariant> effectiveVariants) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        if (since != null) {
            body.put("since", since.toString());
        }
        if (projectName != null) {
            throw new IllegalStateException("a backfill's project name is resolved to its id before its key is made");
        }
        if (projectId != null) {
            body.put("project", projectId);
        }
        new TreeSet<>(effectiveVariants).forEach(v -> body.withArray("variants").add(v.alt()));
        return body;
    }

    /**
     * Where the walk's progress is kept: {@code sweep#schedule} for the scheduled sweep, and for a backfill
     * {@code sweep#backfill#<first 16 hex digits of the SHA-256 of its meaning>} ({@link #meaning}), so the same
     * backfill again, however it is written, continues the same walk and another starts its own. Each entity
     * type adds {@code #<Type>}.
     */
    String key(List<ThumbnailVariant> effectiveVariants) {
        if (!backfill) {
            return SCHEDULE_KEY;
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(meaning(effectiveVariants).toString().getBytes(StandardCharsets.UTF_8));
            return BACKFILL_PREFIX + HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
