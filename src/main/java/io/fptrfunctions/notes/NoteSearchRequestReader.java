package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.fptr.FptrNames;
import io.fptrfunctions.http.Input;
import io.fptrfunctions.notes.NoteQuery.LinkedEntity;
import io.fptrfunctions.notes.NoteQuery.ProjectRef;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns the JSON body of {@code POST /v1/notes/search} into a checked {@link NoteQuery}. Every mistake
 * is a 400 problem whose {@code pointer} names the input at fault (e.g. {@code /linked/1/type}). Every
 * input has a limit (README "note-search", "Limits"), checked here before anything is asked of FPTR, and
 * every check is linear in the size of the input.
 */
final class NoteSearchRequestReader {

    /** {@code author}, {@code sequence}, {@code shot}, a project or linked entity name: FPTR's names are short. */
    static final int MAX_NAME = 255;
    /** {@code text}: words to look for, not a document. */
    static final int MAX_TEXT = 1000;
    /** A date or date-time. */
    static final int MAX_DATE = 64;
    /** Entries of {@code linked}. */
    static final int MAX_LINKED = 100;
    /** Codes in {@code status}. */
    static final int MAX_STATUS = 50;
    /** Names in {@code fields}. */
    static final int MAX_FIELDS = 100;
    /** Keys in {@code sort}, and its length. */
    static final int MAX_SORT_KEYS = 10;
    static final int MAX_SORT_LENGTH = 1000;
    /** {@code limit}: an answer must fit Lambda's 6 MB anyway. */
    static final int MAX_LIMIT = 50_000;

    /** The keys a caller may send, in the order the README lists them (used in the unknown-key message). */
    static final List<String> KEYS = List.of("project", "author", "linked", "sequence", "shot", "text", "status",
            "created_after", "created_before", "has_thumbnail", "fields", "sort", "limit", "filters");
    private static final List<String> LINKED_KEYS = List.of("type", "id", "name");

    private NoteSearchRequestReader() {
    }

    static NoteQuery read(Input body) {
        body.onlyKeys(KEYS);
        ProjectRef project = project(body.member("project"));
        String author = criterion(body.member("author"), MAX_NAME);
        List<LinkedEntity> linked = linked(body.member("linked"));
        String sequence = criterion(body.member("sequence"), MAX_NAME);
        String shot = criterion(body.member("shot"), MAX_NAME);
        String text = criterion(body.member("text"), MAX_TEXT);
        List<String> status = status(body.member("status"));
        Input afterInput = body.member("created_after");
        Instant after = instant(afterInput, false);
        Instant before = instant(body.member("created_before"), true);
        if (after != null && before != null && !after.isBefore(before)) {
            throw afterInput.invalid("'created_after' (" + after + ") must be earlier than 'created_before' (" + before
                    + "): no note can match both.");
        }
        Input thumbnail = body.member("has_thumbnail");
        Boolean hasThumbnail = thumbnail.isPresent() ? thumbnail.bool() : null;
        List<String> fields = fields(body.member("fields"));
        String sort = sort(body.member("sort"));
        Input limitInput = body.member("limit");
        Integer limit = limitInput.isPresent() ? limitInput.positiveInt(MAX_LIMIT) : null;
        Input filtersInput = body.member("filters");
        JsonNode filters = filtersInput.isPresent() ? FilterShape.check(filtersInput) : null;

        boolean anyCriterion = project != null || author != null || !linked.isEmpty() || sequence != null
                || shot != null || text != null || !status.isEmpty() || after != null || before != null
                || hasThumbnail != null || filters != null;
        if (!anyCriterion) {
            throw body.invalid("Give at least one search criterion: project, author, linked, sequence, shot, text, status, "
                    + "created_after, created_before, has_thumbnail or filters (fields, sort and limit only shape the answer).");
        }
        return new NoteQuery(project, author, linked, sequence, shot, text, status, after, before,
                hasThumbnail, fields, sort, limit, filters);
    }

    private static ProjectRef project(Input project) {
        if (!project.isPresent()) {
            return null;
        }
        JsonNode v = project.node();
        if (v.isIntegralNumber()) {
            return new ProjectRef(project.id(), null);
        }
        if (v.isTextual() && !v.textValue().isBlank()) {
            return new ProjectRef(null, project.text(MAX_NAME).strip());
        }
        throw project.invalid(project.name() + " must be a project id (a positive whole number) or a project name "
                + "(a non-empty string), not " + Input.describe(v) + ".");
    }

    /** A text criterion of at most {@code maxLength} characters, trimmed; absent is null. */
    private static String criterion(Input input, int maxLength) {
        if (!input.isPresent()) {
            return null;
        }
        if (input.node().isTextual() && input.node().textValue().isBlank()) {
            throw input.invalid(input.name() + " must not be empty; leave it out to not filter by it.");
        }
        return input.text(maxLength).strip();
    }

    /** A criterion given as one value or a list of at most {@code max}: absent is an empty list, an empty list a mistake. */
    private static List<Input> oneOrMore(Input input, boolean single, String expected, int max) {
        if (!input.isPresent()) {
            return List.of();
        }
        if (!input.node().isArray() && !single) {
            throw input.invalid(input.name() + " must be " + expected + " or a list of them, not " + Input.describe(input.node()) + ".");
        }
        List<Input> items = input.listOrOne(max);
        if (items.isEmpty()) {
            throw input.invalid(input.name() + " must not be an empty list; leave it out to not filter by it.");
        }
        return items;
    }

    private static List<LinkedEntity> linked(Input linked) {
        List<LinkedEntity> out = new ArrayList<>();
        for (Input e : oneOrMore(linked, linked.node().isObject(), "an object {\"type\", \"id\" or \"name\"}", MAX_LINKED)) {
            e.object().onlyKeys(LINKED_KEYS, "A linked entity is {\"type\", \"id\"} or {\"type\", \"name\"}.");
            Input type = e.member("type");
            if (!type.isPresent()) {
                throw type.invalid(type.name() + " is missing: say which entity type, e.g. {\"type\": \"Shot\", \"name\": \"sh010\"}.");
            }
            String typeName = type.schemaEntityType().strip();
            Input id = e.member("id");
            Input name = e.member("name");
            if (id.isPresent() == name.isPresent()) {
                throw e.invalid(e.name() + " needs exactly one of id or name (it has " + (id.isPresent() ? "both" : "neither") + ").");
            }
            out.add(id.isPresent()
                    ? new LinkedEntity(typeName, id.id(), null, type.pointer())
                    : new LinkedEntity(typeName, null, name.text(MAX_NAME).strip(), type.pointer()));
        }
        return List.copyOf(out);
    }

    private static List<String> status(Input status) {
        List<String> out = new ArrayList<>();
        for (Input code : oneOrMore(status, status.node().isTextual(), "a status code string", MAX_STATUS)) {
            if (!code.node().isTextual() || code.node().textValue().isBlank()) {
                throw code.invalid(code.name() + " must be a status code such as \"opn\", not " + Input.describe(code.node()) + ".");
            }
            out.add(code.text(FptrNames.MAX_NAME_LENGTH).strip());
        }
        return List.copyOf(out);
    }

    /**
     * ISO-8601 with a zone ({@code 2026-01-01T09:00:00Z}, {@code ...+02:00}) or a bare date (midnight UTC).
     * FPTR keeps whole seconds: an "after" bound rounds down and a "before" bound rounds up, so no note
     * within the asked interval is lost to rounding.
     */
    static Instant instant(Input input, boolean roundUp) {
        if (!input.isPresent()) {
            return null;
        }
        String v = input.text(MAX_DATE).strip();
        Instant t;
        try {
            t = OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException notDateTime) {
            try {
                t = LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException notDate) {
                String hint = v.matches("\\d{4}-\\d{2}-\\d{2}T[0-9:.]+") ? " (add Z or an offset such as +01:00: a time without a zone is ambiguous)" : "";
                throw input.invalid(input.name() + " must be an ISO-8601 date-time such as 2026-01-01T00:00:00Z or a date "
                        + "such as 2026-01-01, not \"" + Input.quote(v) + "\"" + hint + ".");
            }
        }
        Instant seconds = t.truncatedTo(ChronoUnit.SECONDS);
        return roundUp && seconds.isBefore(t) ? seconds.plusSeconds(1) : seconds;
    }

    private static List<String> fields(Input fields) {
        if (!fields.isPresent()) {
            return List.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (Input field : fields.list(MAX_FIELDS)) {
            out.add(field.fieldPath());
        }
        return List.copyOf(out);
    }

    /**
     * {@code "-created_at"}, {@code "project, -id"}: field paths separated by commas, each optionally
     * prefixed by {@code -}. Read by splitting, never by a regular expression over the whole string.
     */
    private static String sort(Input sort) {
        if (!sort.isPresent()) {
            return null;
        }
        String given = sort.text(MAX_SORT_LENGTH);
        String[] parts = given.split(",", -1);
        if (parts.length > MAX_SORT_KEYS) {
            throw sort.invalid(sort.name() + " has " + parts.length + " keys; at most " + MAX_SORT_KEYS + " are allowed.");
        }
        List<String> keys = new ArrayList<>();
        for (String part : parts) {
            String key = part.strip();
            String path = key.startsWith("-") ? key.substring(1) : key;
            if (!FptrNames.isFieldPath(path)) {
                throw sort.invalid(sort.name() + " must be field names separated by commas, each optionally prefixed by - "
                        + "for descending, e.g. \"-created_at\" or \"project,-id\"; not \"" + Input.quote(given) + "\".");
            }
            keys.add(key);
        }
        return String.join(",", keys);
    }
}
