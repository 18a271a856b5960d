package io.fptrfunctions.notes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.notes.NoteSearchRequest.LinkedEntity;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns the JSON body of {@code POST /v1/notes/search} into a checked {@link NoteQuery}. Every mistake
 * is a 400 problem naming the key at fault (e.g. {@code linked[1].type}), so a caller knows what to fix.
 */
@ApplicationScoped
public class NoteSearchRequestReader {

    /** FPTR schema names: {@code Shot}, {@code CustomEntity01}. */
    private static final Pattern ENTITY_TYPE = Pattern.compile("[A-Z][A-Za-z0-9_]*");
    /** A field or a dotted path: {@code sg_status_list}, {@code note_links.Shot.code}. */
    private static final Pattern FIELD = Pattern.compile("[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)*");
    private static final Pattern SORT = Pattern.compile("-?" + FIELD.pattern() + "(\\s*,\\s*-?" + FIELD.pattern() + ")*");

    /**
     * A strict mapper of its own: unknown keys and wrong JSON types fail instead of being ignored or
     * coerced ({@code "limit": "10"} and {@code "author": 5} are mistakes, not values).
     */
    private final ObjectMapper strict = strictMapper();

    static ObjectMapper strictMapper() {
        ObjectMapper m = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        for (LogicalType type : List.of(LogicalType.Textual, LogicalType.Integer, LogicalType.Boolean, LogicalType.Float)) {
            m.coercionConfigFor(type)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        // ...but a string is of course a string.
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.TryConvert);
        return m;
    }

    public NoteQuery read(JsonNode body) {
        NoteSearchRequest r = map(body);

        String author = text("author", r.author());
        List<LinkedEntity> linked = linked(r.linked());
        String sequence = text("sequence", r.sequence());
        String shot = text("shot", r.shot());
        String text = text("text", r.text());
        List<String> status = status(r.status());
        Instant after = instant("created_after", r.createdAfter(), false);
        Instant before = instant("created_before", r.createdBefore(), true);
        if (after != null && before != null && !after.isBefore(before)) {
            throw bad("created_after (" + after + ") must be earlier than created_before (" + before + "): no note can match both.")
                    .with("key", "created_after");
        }
        List<String> fields = fields(r.fields());
        String sort = sort(r.sort());
        if (r.limit() != null && r.limit() <= 0) {
            throw bad("limit must be a positive whole number (got " + r.limit() + "); leave it out to get every match.")
                    .with("key", "limit");
        }
        JsonNode filters = r.filters() == null || r.filters().isNull() ? null : FilterShape.check("filters", r.filters());

        boolean anyCriterion = r.project() != null || author != null || !linked.isEmpty() || sequence != null
                || shot != null || text != null || !status.isEmpty() || after != null || before != null
                || r.hasThumbnail() != null || filters != null;
        if (!anyCriterion) {
            throw bad("Give at least one search criterion: project, author, linked, sequence, shot, text, status, "
                    + "created_after, created_before, has_thumbnail or filters (fields, sort and limit only shape the answer).");
        }
        return new NoteQuery(r.project(), author, linked, sequence, shot, text, status, after, before,
                r.hasThumbnail(), fields, sort, r.limit(), filters);
    }

    private NoteSearchRequest map(JsonNode body) {
        try {
            return strict.treeToValue(body, NoteSearchRequest.class);
        } catch (UnrecognizedPropertyException e) {
            String where = path(e, body);
            if (e.getPath().size() <= 1) {
                throw bad("Unknown key '" + e.getPropertyName() + "'. The keys are: " + String.join(", ", NoteSearchRequest.KEYS) + ".")
                        .with("key", where);
            }
            throw bad("Unknown key '" + where + "': a linked entity is {\"type\", \"id\"} or {\"type\", \"name\"}.")
                    .with("key", where);
        } catch (ValueInstantiationException e) {
            String where = path(e, body);
            String why = e.getCause() != null ? e.getCause().getMessage() : e.getOriginalMessage();
            throw bad(where + " " + why + ".").with("key", where);
        } catch (InvalidNullException e) {
            String where = path(e, body);
            throw bad(where + " must not be null.").with("key", where);
        } catch (JsonMappingException e) {
            String where = path(e, body);
            throw bad(where + " must be " + expected(where) + "; got " + describe(valueAt(e, body)) + ".").with("key", where);
        } catch (JsonProcessingException e) {
            throw bad("The body could not be read: " + e.getOriginalMessage());
        }
    }

    /**
     * {@code linked[1].type} from Jackson's path. A single value given where a list is allowed
     * ({@code "status": 3}) is read as a one-element list: its index is dropped when it is the last step.
     */
    private static String path(JsonMappingException e, JsonNode body) {
        StringBuilder b = new StringBuilder();
        JsonNode at = body;
        List<JsonMappingException.Reference> refs = e.getPath();
        for (int i = 0; i < refs.size(); i++) {
            JsonMappingException.Reference ref = refs.get(i);
            if (ref.getFieldName() != null) {
                b.append(b.length() == 0 ? "" : ".").append(ref.getFieldName());
                at = at == null ? null : at.get(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                boolean list = at != null && at.isArray();
                if (list || i < refs.size() - 1) {
                    b.append('[').append(ref.getIndex()).append(']');
                }
                at = list ? at.get(ref.getIndex()) : at;
            }
        }
        return b.length() == 0 ? "body" : b.toString();
    }

    /** The offending value, following the same lenient walk as {@link #path}. */
    private static JsonNode valueAt(JsonMappingException e, JsonNode body) {
        JsonNode at = body;
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (at == null) return null;
            if (ref.getFieldName() != null) {
                at = at.get(ref.getFieldName());
            } else if (ref.getIndex() >= 0 && at.isArray()) {
                at = at.get(ref.getIndex());
            }
        }
        return at;
    }

    private static String expected(String key) {
        String leaf = key.replaceAll("\\[\\d+]$", "");
        leaf = leaf.substring(leaf.lastIndexOf('.') + 1);
        return switch (leaf) {
            case "author", "sequence", "shot", "text", "created_after", "created_before", "sort", "type", "name" -> "a string";
            case "status" -> "a status code string or a list of them";
            case "fields" -> "a list of field names";
            case "linked" -> "an object {\"type\", \"id\" or \"name\"} or a list of them";
            case "limit" -> "a positive whole number";
            case "id" -> "a positive whole number";
            case "has_thumbnail" -> "true or false";
            default -> key.startsWith("linked[") ? "an object {\"type\", \"id\" or \"name\"}" : "a value of another type";
        };
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) return "a value of another type";
        if (node.isTextual()) return "the string \"" + abbreviate(node.textValue()) + "\"";
        if (node.isNumber()) return "the number " + node.asText();
        if (node.isBoolean()) return node.asText();
        if (node.isNull()) return "null";
        if (node.isArray()) return "a list";
        return "an object";
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    private static String text(String key, String value) {
        if (value == null) return null;
        if (value.isBlank()) throw bad(key + " must not be empty; leave it out to not filter by it.").with("key", key);
        return value.strip();
    }

    private static List<LinkedEntity> linked(List<LinkedEntity> linked) {
        if (linked == null) return List.of();
        if (linked.isEmpty()) throw bad("linked must not be an empty list; leave it out to not filter by it.").with("key", "linked");
        List<LinkedEntity> out = new ArrayList<>();
        for (int i = 0; i < linked.size(); i++) {
            String key = "linked[" + i + "]";
            LinkedEntity e = linked.get(i);
            if (e == null) throw bad(key + " must be an object {\"type\", \"id\" or \"name\"}, not null.").with("key", key);
            if (e.type() == null || e.type().isBlank()) {
                throw bad(key + ".type is missing: say which entity type, e.g. {\"type\": \"Shot\", \"name\": \"sh010\"}.").with("key", key + ".type");
            }
            String type = e.type().strip();
            if (!ENTITY_TYPE.matcher(type).matches()) {
                throw bad(key + ".type '" + abbreviate(type) + "' is not an FPTR entity type name; use the schema name, e.g. Shot, Asset, Version, CustomEntity01.")
                        .with("key", key + ".type");
            }
            if ((e.id() == null) == (e.name() == null)) {
                throw bad(key + " needs exactly one of id or name (it has " + (e.id() == null ? "neither" : "both") + ").").with("key", key);
            }
            if (e.id() != null && e.id() <= 0) {
                throw bad(key + ".id must be a positive whole number (got " + e.id() + ").").with("key", key + ".id");
            }
            if (e.name() != null && e.name().isBlank()) {
                throw bad(key + ".name must not be empty.").with("key", key + ".name");
            }
            out.add(new LinkedEntity(type, e.id(), e.name() == null ? null : e.name().strip()));
        }
        return List.copyOf(out);
    }

    private static List<String> status(List<String> status) {
        if (status == null) return List.of();
        if (status.isEmpty()) throw bad("status must not be an empty list; leave it out to not filter by it.").with("key", "status");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < status.size(); i++) {
            String s = status.get(i);
            if (s == null || s.isBlank()) throw bad("status[" + i + "] must be a status code such as \"opn\", not empty.").with("key", "status");
            out.add(s.strip());
        }
        return List.copyOf(out);
    }

    /**
     * ISO-8601 with a zone ({@code 2026-01-01T09:00:00Z}, {@code ...+02:00}) or a bare date (midnight UTC).
     * FPTR keeps whole seconds: an "after" bound rounds down and a "before" bound rounds up, so no note
     * within the asked interval is lost to rounding.
     */
    static Instant instant(String key, String value, boolean roundUp) {
        if (value == null) return null;
        String v = value.strip();
        Instant t;
        try {
            t = OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException notDateTime) {
            try {
                t = LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException notDate) {
                String hint = v.matches("\\d{4}-\\d{2}-\\d{2}T[0-9:.]+") ? " (add Z or an offset such as +01:00: a time without a zone is ambiguous)" : "";
                throw bad(key + " must be an ISO-8601 date-time such as 2026-01-01T00:00:00Z or a date such as 2026-01-01; got \""
                        + abbreviate(v) + "\"" + hint + ".").with("key", key);
            }
        }
        Instant seconds = t.truncatedTo(ChronoUnit.SECONDS);
        return roundUp && seconds.isBefore(t) ? seconds.plusSeconds(1) : seconds;
    }

    private static List<String> fields(List<String> fields) {
        if (fields == null) return List.of();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            String f = fields.get(i);
            if (f == null || !FIELD.matcher(f.strip()).matches()) {
                throw bad("fields[" + i + "] must be a field name or a dotted path such as \"sg_status_list\" or \"project.Project.name\"; got "
                        + (f == null ? "null" : "\"" + abbreviate(f) + "\"") + ".").with("key", "fields");
            }
            if (!out.contains(f.strip())) out.add(f.strip());
        }
        return List.copyOf(out);
    }

    private static String sort(String sort) {
        if (sort == null) return null;
        String s = sort.strip();
        if (!SORT.matcher(s).matches()) {
            throw bad("sort must be field names separated by commas, each optionally prefixed by - for descending, e.g. \"-created_at\" or \"project,-id\"; got \""
                    + abbreviate(sort) + "\".").with("key", "sort");
        }
        return List.of(s.split("\\s*,\\s*")).stream().collect(Collectors.joining(","));
    }

    static ProblemException bad(String detail) {
        return ProblemException.badRequest(detail);
    }
}
