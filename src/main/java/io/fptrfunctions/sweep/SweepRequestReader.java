package io.fptrfunctions.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.http.Input;
import io.fptrfunctions.thumbnails.ThumbnailVariant;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Reads the sweep's event. EventBridge's Scheduled Event ({@code "detail-type": "Scheduled Event"},
 * from a rule or from EventBridge Scheduler), an empty object or no event at all is the scheduled run;
 * an object of {@code since}, {@code project}, {@code entity_types} and {@code variants}, with
 * {@code since} or {@code project}, is a backfill. Anything else is refused with a 400 problem naming
 * the member at fault (RFC 6901 {@code pointer}), before anything is read or queued.
 */
final class SweepRequestReader {

    static final List<String> BACKFILL_KEYS = List.of("since", "project", "entity_types", "variants");
    private static final String SCHEDULED_EVENT = "Scheduled Event";
    private static final int MAX_PROJECT_NAME = 255;
    private static final int MAX_ENTITY_TYPES = 20;
    /** The earliest {@code since}: FPTR holds nothing older, and what its filter makes of year 1 or a year BC is not known. */
    static final Instant EARLIEST_SINCE = Instant.EPOCH;
    private static final String HOW = "A backfill is {\"since\": \"2024-01-01T00:00:00Z\", \"project\": 70 or \"Demo Project\", "
            + "\"entity_types\": [\"Note\"], \"variants\": [\"original\", \"thumbnail\"]} with since or project (or both); "
            + "an empty body runs the scheduled sweep.";

    private SweepRequestReader() {
    }

    static SweepRequest read(JsonNode event, Clock clock) {
        if (event == null || event.isNull() || event.isMissingNode() || (event.isObject() && event.isEmpty())) {
            return SweepRequest.scheduled();
        }
        if (SCHEDULED_EVENT.equals(event.path("detail-type").asText(null))) {
            scheduledWithoutBackfill(event);
            return SweepRequest.scheduled();
        }
        Input body = Input.of(event);
        if (!event.isObject()) {
            throw body.invalid("The event must be a JSON object, not " + Input.describe(event) + ". " + HOW);
        }
        body.onlyKeys(BACKFILL_KEYS, HOW);
        if (!body.has("since") && !body.has("project")) {
            throw body.invalid("A backfill needs since or project (or both), so it cannot walk a whole site by "
                    + "accident. " + HOW);
        }
        Instant since = body.has("since") ? since(body.member("since"), clock) : null;
        Long projectId = null;
        String projectName = null;
        Input project = body.member("project");
        if (project.isPresent()) {
            if (project.node().isNumber()) {
                projectId = project.id();
            } else if (project.node().isTextual()) {
                projectName = project.text(MAX_PROJECT_NAME).strip();
            } else {
                throw project.invalid("'project' must be a project id (70) or name (\"Demo Project\"), not "
                        + Input.describe(project.node()) + ".");
            }
        }
        List<String> types = body.has("entity_types") ? entityTypes(body.member("entity_types")) : null;
        List<ThumbnailVariant> variants = body.has("variants") ? variants(body.member("variants")) : null;
        return new SweepRequest(true, since, projectId, projectName, types, variants);
    }

    /**
     * A Scheduled Event that also carries a backfill member (beside its own members, or in its {@code detail}) is
     * refused, not run as the schedule with the member silently dropped: which of the two was meant is not known,
     * and a rule meant to backfill would otherwise only ever catch up. A rule's constant input (the backfill body
     * alone) is how EventBridge invokes a backfill.
     */
    private static void scheduledWithoutBackfill(JsonNode event) {
        Input body = Input.of(event);
        for (String key : BACKFILL_KEYS) {
            if (event.has(key)) {
                throw body.member(key).invalid(scheduledWith("'" + key + "'"));
            }
            if (event.path("detail").has(key)) {
                throw body.member("detail").member(key).invalid(scheduledWith("'detail." + key + "'"));
            }
        }
    }

    private static String scheduledWith(String member) {
        return "A Scheduled Event runs the scheduled sweep, which takes no " + member + "; nothing was read or queued. "
                + "To backfill, invoke the sweep with the backfill body alone (an EventBridge rule's constant input, "
                + "or a direct invoke); to run the schedule, send the event without it. " + HOW;
    }

    /** An ISO-8601 instant ({@code 2024-01-01T00:00:00Z}, an offset, or a date meaning its midnight UTC), from 1970 on, not in the future. */
    private static Instant since(Input since, Clock clock) {
        String text = since.text(40);
        Instant at;
        try {
            at = text.length() == 10 ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeException e) {
            throw since.invalid("'since' must be an ISO-8601 date and time such as \"2024-01-01T00:00:00Z\" (or a date, "
                    + "\"2024-01-01\"), not \"" + Input.quote(text) + "\".");
        }
        if (at.isBefore(EARLIEST_SINCE)) {
            throw since.invalid("'since' (" + at + ") is before 1970-01-01, older than anything FPTR holds: give 1970-01-01 "
                    + "or later, or leave since out and give a project to walk all of it.");
        }
        if (at.isAfter(clock.instant())) {
            throw since.invalid("'since' (" + at + ") is in the future: nothing can have been updated since then.");
        }
        return at;
    }

    private static List<String> entityTypes(Input types) {
        List<Input> items = types.list();
        if (items.isEmpty() || items.size() > MAX_ENTITY_TYPES) {
            throw types.invalid("'entity_types' must list 1 to " + MAX_ENTITY_TYPES + " entity types, e.g. [\"Note\", \"Version\"].");
        }
        TreeSet<String> names = new TreeSet<>();
        items.forEach(item -> names.add(item.schemaEntityType()));
        return List.copyOf(names);
    }

    private static List<ThumbnailVariant> variants(Input variants) {
        List<Input> items = variants.list();
        if (items.isEmpty()) {
            throw variants.invalid("'variants' must list original, thumbnail or both.");
        }
        List<ThumbnailVariant> all = Arrays.asList(ThumbnailVariant.values());
        TreeSet<ThumbnailVariant> chosen = new TreeSet<>();
        for (Input item : items) {
            if (!item.isPresent()) {
                throw item.invalid(item.name() + " must be original or thumbnail, not null.");
            }
            chosen.add(item.oneOf(all, ThumbnailVariant::alt, null));
        }
        return List.copyOf(chosen);
    }
}
