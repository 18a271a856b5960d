package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.fptr.FptrFilter;
import io.fptrfunctions.notes.NoteQuery.LinkedEntity;

import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.fptrfunctions.fptr.FptrFilter.condition;
import static io.fptrfunctions.fptr.FptrFilter.entity;
import static io.fptrfunctions.fptr.FptrFilter.or;

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

    /**
     * The field that holds each type's display name; {@code code} for Shot, Asset, Version, custom entities...
     * ({@code title} for Ticket and Delivery: the Python API's usage tips, "Entity Fields").
     */
    private static final Map<String, String> NAME_FIELD = Map.of(
            "Project", "name",
            "HumanUser", "name",
            "ApiUser", "firstname",
            "Group", "code",
            "Task", "content",
            "Note", "subject",
            "Attachment", "filename",
            "Reply", "content",
            "Ticket", "title",
            "Delivery", "title");

    private NoteFilterBuilder() {
    }

    static String nameField(String entityType) {
        return NAME_FIELD.getOrDefault(entityType, "code");
    }

    /**
     * @param author the resolved author ({@code {"type","id"}}), or null when the query has none
     */
    static ObjectNode build(NoteQuery q, JsonNode author) {
        List<JsonNode> and = new ArrayList<>();
        if (q.project() != null) {
            and.add(q.project().id() != null
                    ? condition("project", "is", entity("Project", q.project().id()))
                    : condition("project.Project.name", "is", q.project().name()));
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
            and.add(or(condition("note_links.Sequence.code", "is", q.sequence()),
                    condition("note_links.Shot.sg_sequence.Sequence.code", "is", q.sequence())));
        }
        if (q.shot() != null) {
            and.add(condition("note_links.Shot.code", "is", q.shot()));
        }
        if (q.text() != null) {
            and.add(or(condition("subject", "contains", q.text()), condition("content", "contains", q.text())));
        }
        if (!q.status().isEmpty()) {
            and.add(q.status().size() == 1
                    ? condition("sg_status_list", "is", q.status().get(0))
                    : condition("sg_status_list", "in", FptrFilter.values(q.status())));
        }
        if (q.createdAfter() != null) {
            and.add(condition("created_at", "greater_than", DateTimeFormatter.ISO_INSTANT.format(q.createdAfter())));
        }
        if (q.createdBefore() != null) {
            and.add(condition("created_at", "less_than", DateTimeFormatter.ISO_INSTANT.format(q.createdBefore())));
        }
        if (q.hasThumbnail() != null) {
            // A thumbnail still processing (FPTR's transient placeholder) is not null: it counts as one.
            and.add(condition("image", q.hasThumbnail() ? "is_not" : "is", JsonNodeFactory.instance.nullNode()));
        }
        if (q.filters() != null) {
            and.add(q.filters().deepCopy());
        }
        return FptrFilter.group("and", and);
    }

    /** Any of the given entities: ids in one {@code in}, names each through their type's name field. */
    private static JsonNode linked(List<LinkedEntity> linked) {
        List<JsonNode> byId = new ArrayList<>();
        List<JsonNode> any = new ArrayList<>();
        for (LinkedEntity e : linked) {
            if (e.id() != null) {
                byId.add(entity(e.type(), e.id()));
            } else {
                any.add(condition("note_links." + e.type() + "." + nameField(e.type()), "is", e.name()));
            }
        }
        if (byId.size() == 1) {
            any.add(0, condition("note_links", "is", byId.get(0)));
        } else if (byId.size() > 1) {
            any.add(0, condition("note_links", "in", JsonNodeFactory.instance.arrayNode().addAll(byId)));
        }
        return any.size() == 1 ? any.get(0) : FptrFilter.group("or", any);
    }
}
