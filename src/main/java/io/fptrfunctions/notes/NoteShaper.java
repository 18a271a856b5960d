package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.fptr.FptrRecords;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Turns FPTR Note records into the contract's flat notes: fixed keys first, then the asked fields. */
final class NoteShaper {

    /** Always read and always answered, in this order. */
    static final List<String> BASE_FIELDS = List.of("subject", "content", "created_at", "created_by", "note_links", "image");

    private NoteShaper() {
    }

    /** The fields to ask FPTR for: the base ones plus the caller's, without repeats. */
    static List<String> fieldsToRead(List<String> requested) {
        Set<String> all = new LinkedHashSet<>(BASE_FIELDS);
        all.addAll(requested);
        return new ArrayList<>(all);
    }

    static ObjectNode shape(JsonNode record, List<String> requested) {
        ObjectNode flat = FptrRecords.flatten(record);
        ObjectNode note = JsonNodeFactory.instance.objectNode();
        note.set("id", flat.path("id"));
        note.set("subject", valueOf(flat, "subject"));
        note.set("content", valueOf(flat, "content"));
        note.set("created_at", valueOf(flat, "created_at"));
        note.set("created_by", valueOf(flat, "created_by"));
        JsonNode links = valueOf(flat, "note_links");
        note.set("note_links", links.isNull() ? JsonNodeFactory.instance.arrayNode() : links);
        JsonNode image = valueOf(flat, "image");
        if (FptrRecords.isPendingImage(image)) {
            // Not the note's image yet: FPTR is still making it. Say so rather than hand out a placeholder.
            note.putNull("image");
            note.put("image_pending", true);
        } else {
            note.set("image", image);
        }
        for (String field : requested) {
            if (!note.has(field)) {
                note.set(field, valueOf(flat, field));
            }
        }
        return note;
    }

    /** The field's value with entity links as {@code {type, id, name}}; null when FPTR sent none. */
    private static JsonNode valueOf(ObjectNode flat, String field) {
        JsonNode v = flat.get(field);
        if (v == null || v.isMissingNode()) {
            return JsonNodeFactory.instance.nullNode();
        }
        if (isEntity(v)) {
            return entity(v);
        }
        if (v.isArray() && v.size() > 0 && isEntity(v.get(0))) {
            ArrayNode list = JsonNodeFactory.instance.arrayNode();
            v.forEach(e -> list.add(isEntity(e) ? entity(e) : e));
            return list;
        }
        return v;
    }

    private static boolean isEntity(JsonNode v) {
        return v.isObject() && v.has("type") && v.has("id");
    }

    private static ObjectNode entity(JsonNode v) {
        ObjectNode e = JsonNodeFactory.instance.objectNode();
        e.set("type", v.get("type"));
        e.set("id", v.get("id"));
        e.set("name", v.has("name") ? v.get("name") : JsonNodeFactory.instance.nullNode());
        return e;
    }
}
