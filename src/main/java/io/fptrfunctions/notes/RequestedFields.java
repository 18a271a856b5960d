package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FieldSchemas;
import io.fptrfunctions.fptr.FptrFailure;
import io.fptrfunctions.http.ProblemException;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Checks the caller's {@code fields} and {@code sort} keys against FPTR's schema before the search. FPTR drops a
 * name it does not know and answers 200, so a typo ({@code sg_status} for {@code sg_status_list}) would come back
 * as {@code null} on every note, and a sort key's typo ({@code -create_at}) as notes in id order, both of which
 * read like real data; here it is a 400 naming the name. Each hop of
 * a dotted path is checked ({@code project.Project.name}: Note.project links to Project, which has
 * name). The schema is read a whole entity type at a time and cached ({@link FieldSchemas#fieldOf}), and
 * a type is read only when a link field names it among its {@code valid_types}: names a caller makes up
 * cost no FPTR call once Note's fields are known. A field path through a multi-entity field
 * ({@code note_links.Shot.code}) is refused too: FPTR answers nothing for it (sg-groundtruth 016).
 */
final class RequestedFields {

    private static final Logger LOG = Logger.getLogger(RequestedFields.class);
    /** How many unknown names the answer spells out; the rest are counted. */
    private static final int MAX_NAMED = 10;

    private RequestedFields() {
    }

    /** Why one requested name names nothing, and FPTR's own refusal when it gave one. */
    private record Unknown(int index, String name, String why, boolean unknownType, FptrFailure.Refused upstream) {
    }

    /** A name FPTR cannot tell us about (no schema permission, FPTR down) is left unchecked. */
    private static final class Unchecked extends RuntimeException {
        Unchecked() {
            super(null, null, false, false);
        }
    }

    static void requireKnown(List<String> fields, FieldSchemas schemas, Deadline deadline) {
        requireKnown(fields, schemas, deadline, false, i -> "'fields/" + i + "'", i -> "/fields/" + i,
                "FPTR leaves fields it does not know out of its answer, so they would come back null on every note");
    }

    /** {@code sort}'s keys ({@code "-created_at,project.Project.name"}): a key FPTR does not know it ignores. */
    static void requireKnownSort(String sort, FieldSchemas schemas, Deadline deadline) {
        if (sort == null) {
            return;
        }
        List<String> keys = new ArrayList<>();
        for (String key : sort.split(",")) {
            keys.add(key.startsWith("-") ? key.substring(1) : key);
        }
        requireKnown(keys, schemas, deadline, true, i -> "'sort' key " + i, i -> "/sort",
                "FPTR ignores a sort key it does not know, so the notes would come back in id order as if sorted");
    }

    /**
     * {@code linked}'s types against {@code Note.note_links}' valid types (Note's fields, read once and cached). FPTR
     * matches a link to a real type outside them with nothing (sg-groundtruth 059), which would read as "no such
     * notes", and answers an unknown type with a 400 that names no entry; here it is a 400 pointing at the entry's type.
     */
    static void requireLinkable(List<NoteQuery.LinkedEntity> linked, FieldSchemas schemas, Deadline deadline) {
        if (linked.isEmpty()) {
            return;
        }
        List<String> linkable;
        try {
            linkable = schemas.fieldOf(deadline, "Note", "note_links").map(RequestedFields::validTypes).orElse(List.of());
        } catch (FptrFailure e) {
            unchecked("Note", e);
            return;
        }
        if (linkable.isEmpty()) {
            return;   // nothing to check against: FPTR decides
        }
        for (NoteQuery.LinkedEntity entity : linked) {
            if (!linkable.contains(entity.type())) {
                String at = entity.typePointer();
                throw new ProblemException(400, "Unknown entity type", "'" + at.substring(1) + "' (\"" + entity.type()
                        + "\"): Note.note_links links to " + String.join(", ", linkable) + ", not to " + entity.type()
                        + ", so no note can be linked to it; use one of those schema names.")
                        .with("pointer", at);
            }
        }
    }

    /** @param throughMultiEntity whether a dotted path may go on through a multi-entity field ({@code note_links.Shot.code}) */
    private static void requireKnown(List<String> names, FieldSchemas schemas, Deadline deadline, boolean throughMultiEntity,
                                     IntFunction<String> label, IntFunction<String> pointer, String why) {
        List<Unknown> unknown = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            try {
                check(i, names.get(i), schemas, deadline, throughMultiEntity).ifPresent(unknown::add);
            } catch (Unchecked leftUnchecked) {
                // logged where it happened; the search goes on
            }
        }
        if (unknown.isEmpty()) {
            return;
        }
        List<String> described = unknown.stream().limit(MAX_NAMED)
                .map(u -> label.apply(u.index()) + " (\"" + u.name() + "\"): " + u.why()).toList();
        String more = unknown.size() > MAX_NAMED ? " (and " + (unknown.size() - MAX_NAMED) + " more names)" : "";
        Unknown first = unknown.get(0);
        throw new ProblemException(400, first.unknownType() ? "Unknown entity type" : "Unknown field",
                String.join("; ", described) + more + ". " + why + "; check the spelling (FPTR's field names, e.g. sg_status_list).",
                first.upstream() == null ? null : first.upstream().upstream(), null)
                .with("pointer", pointer.apply(first.index()));
    }

    /** The first hop of {@code name} that names nothing; empty when every hop exists. */
    private static Optional<Unknown> check(int index, String name, FieldSchemas schemas, Deadline deadline, boolean throughMultiEntity) {
        if (name.equals("id") || NoteShaper.BASE_FIELDS.contains(name)) {
            return Optional.empty();
        }
        String[] parts = name.split("\\.", -1);   // a checked path: field(.Type.field)*, at most FptrNames.MAX_PATH_HOPS links
        String type = "Note";
        for (int i = 0; i < parts.length; i += 2) {
            String field = parts[i];
            Optional<JsonNode> schema;
            try {
                schema = schemas.fieldOf(deadline, type, field);
            } catch (FptrFailure.Refused refused) {
                if (refused.kind() == FptrFailure.Refused.Kind.UNKNOWN_ENTITY_TYPE || refused.kind() == FptrFailure.Refused.Kind.UNKNOWN_FIELD) {
                    return Optional.of(new Unknown(index, name, "FPTR knows no entity type " + type, true, refused));
                }
                throw unchecked(type, refused);
            } catch (FptrFailure e) {
                throw unchecked(type, e);
            }
            if (schema.isEmpty()) {
                return Optional.of(new Unknown(index, name, type + " has no field " + field, false, null));
            }
            if (i + 1 < parts.length) {
                String next = parts[i + 1];
                List<String> linksTo = validTypes(schema.get());
                if (linksTo.isEmpty() && !isLink(schema.get())) {
                    return Optional.of(new Unknown(index, name, type + "." + field + " is not a link to other entities, so the path "
                            + "cannot go on to " + next, false, null));
                }
                if (!throughMultiEntity && isMultiEntity(schema.get())) {
                    // FPTR reads nothing through one (the key is left out of its answer; sg-groundtruth 016, 071)
                    return Optional.of(new Unknown(index, name, type + "." + field + " is a multi-entity field, and FPTR answers "
                            + "no dotted field through one; ask for " + field + " itself (each link has its type, id and name)", false, null));
                }
                if (!linksTo.isEmpty() && !linksTo.contains(next)) {
                    return Optional.of(new Unknown(index, name, type + "." + field + " links to " + String.join(", ", linksTo)
                            + ", not to " + next, true, null));
                }
                type = next;
            }
        }
        return Optional.empty();
    }

    private static boolean isLink(JsonNode schema) {
        String dataType = schema.path("data_type").path("value").asText("");
        return dataType.equals("entity") || dataType.equals("multi_entity");
    }

    private static boolean isMultiEntity(JsonNode schema) {
        return schema.path("data_type").path("value").asText("").equals("multi_entity");
    }

    private static List<String> validTypes(JsonNode schema) {
        List<String> types = new ArrayList<>();
        schema.path("properties").path("valid_types").path("value").forEach(t -> types.add(t.asText()));
        return types;
    }

    /** A check that cannot run (no schema permission, FPTR down) must not stop a search FPTR may well answer. */
    private static Unchecked unchecked(String type, FptrFailure why) {
        LOG.debugf("Could not read %s's fields from FPTR's schema (%s); searching without the check", type, why.getMessage());
        return new Unchecked();
    }
}
