package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.notes.NoteSearchRequest.LinkedEntity;

import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the one api3 hash filter for the Note {@code _search}. Names are matched by FPTR itself through
 * dotted paths ({@code note_links.Shot.code}, {@code project.Project.name}), so no name costs a look-up.
 *
 * <p>How FPTR reads these on the multi-entity {@code note_links}: a condition on {@code note_links} or
 * on a dotted path through it is true when <em>any</em> linked entity satisfies it, and each condition is
 * tested on its own (two conditions may be met by two different links). The dotted path names the
 * linked type, so {@code note_links.Shot.code is sh010} never matches an Asset called sh010 (the
 * type-blind {@code name_is} would). Only positive operators are used on multi-entity paths: there
 * "is_not" means "some link differs", not "no link matches".
 */
final class NoteFilterBuilder {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The field that holds each type's display name; {@code code} for Shot, Asset, Version, custom entities... */
    private static final Map<String, String> NAME_FIELD = Map.of(
            "Project", "name",
            "HumanUser", "name",
            "ApiUser", "firstname",
            "Group", "code",
            "Task", "content",
            "Note", "subject",
            "Attachment", "filename",
            "Reply", "content");

    private NoteFilterBuilder() {
    }

    static String nameField(String entityType) {
        return NAME_FIELD.getOrDefault(entityType, "code");
    }

    /**
     * @param author the resolved author ({@code {"type","id"}}), or null when the query has none
     */
    static ObjectNode build(NoteQuery q, JsonNode author) {
        ArrayNode and = JSON.arrayNode();
        if (q.project() != null) {
            and.add(q.project().id() != null
                    ? condition("project", "is", entity("Project", q.project().id()))
                    : condition("project.Project.name", "is", JSON.textNode(q.project().name())));
        }
        if (author != null) {
            // Note.user is what FPTR shows as "Author"; a script that posts on someone's behalf sets it
            // while created_by stays the script. Either one names who wrote the note.
            and.add(or(condition("user", "is", author), condition("created_by", "is", author)));
        }
        if (!q.linked().isEmpty()) {
            and.add(linked(q.linked()));
        }
        if (q.sequence() != null) {
            // On the Sequence itself, or on any of its shots.
            and.add(or(condition("note_links.Sequence.code", "is", JSON.textNode(q.sequence())),
                    condition("note_links.Shot.sg_sequence.Sequence.code", "is", JSON.textNode(q.sequence()))));
        }
        if (q.shot() != null) {
            and.add(condition("note_links.Shot.code", "is", JSON.textNode(q.shot())));
        }
        if (q.text() != null) {
            and.add(or(condition("subject", "contains", JSON.textNode(q.text())),
                    condition("content", "contains", JSON.textNode(q.text()))));
        }
        if (!q.status().isEmpty()) {
            and.add(q.status().size() == 1
                    ? condition("sg_status_list", "is", JSON.textNode(q.status().get(0)))
                    : condition("sg_status_list", "in", strings(q.status())));
        }
        if (q.createdAfter() != null) {
            and.add(condition("created_at", "greater_than", JSON.textNode(DateTimeFormatter.ISO_INSTANT.format(q.createdAfter()))));
        }
        if (q.createdBefore() != null) {
            and.add(condition("created_at", "less_than", JSON.textNode(DateTimeFormatter.ISO_INSTANT.format(q.createdBefore()))));
        }
        if (q.hasThumbnail() != null) {
            // A thumbnail still processing (FPTR's transient placeholder) is not null: it counts as one.
            and.add(condition("image", q.hasThumbnail() ? "is_not" : "is", JSON.nullNode()));
        }
        if (q.filters() != null) {
            and.add(q.filters().deepCopy());
        }
        return group("and", and);
    }

    /** Any of the given entities: ids in one {@code in}, names each through their type's name field. */
    private static JsonNode linked(List<LinkedEntity> linked) {
        ArrayNode byId = JSON.arrayNode();
        List<JsonNode> any = new ArrayList<>();
        for (LinkedEntity e : linked) {
            if (e.id() != null) {
                byId.add(entity(e.type(), e.id()));
            } else {
                any.add(condition("note_links." + e.type() + "." + nameField(e.type()), "is", JSON.textNode(e.name())));
            }
        }
        if (byId.size() == 1) {
            any.add(0, condition("note_links", "is", byId.get(0)));
        } else if (byId.size() > 1) {
            any.add(0, condition("note_links", "in", byId));
        }
        return any.size() == 1 ? any.get(0) : or(any.toArray(JsonNode[]::new));
    }

    static ObjectNode entity(String type, long id) {
        ObjectNode e = JSON.objectNode();
        e.put("type", type);
        e.put("id", id);
        return e;
    }

    static ArrayNode condition(String path, String operator, JsonNode value) {
        ArrayNode c = JSON.arrayNode();
        c.add(path);
        c.add(operator);
        c.add(value);
        return c;
    }

    static ObjectNode and(JsonNode... conditions) {
        ArrayNode list = JSON.arrayNode();
        for (JsonNode c : conditions) list.add(c);
        return group("and", list);
    }

    static ObjectNode or(JsonNode... conditions) {
        ArrayNode list = JSON.arrayNode();
        for (JsonNode c : conditions) list.add(c);
        return group("or", list);
    }

    static ObjectNode group(String operator, ArrayNode conditions) {
        ObjectNode g = JSON.objectNode();
        g.put("logical_operator", operator);
        g.set("conditions", conditions);
        return g;
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = JSON.arrayNode();
        values.forEach(a::add);
        return a;
    }
}
