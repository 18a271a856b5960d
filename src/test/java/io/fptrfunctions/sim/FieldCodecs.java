package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Default conversion between written JSON values and stored values, and back, per data type. */
public final class FieldCodecs {

    private FieldCodecs() {
    }

    public static Object write(FieldHooks.FieldWrite w) {
        JsonNode v = w.value();
        if (v == null || v.isNull() || v.isMissingNode()) {
            return null;
        }
        FieldDef f = w.field();
        return switch (f.type) {
            case TEXT, LIST, STATUS_LIST, COLOR, UUID, ENTITY_TYPE -> {
                if (!v.isTextual()) {
                    throw expected(w, "String, NilClass", v);
                }
                yield v.textValue();
            }
            case NUMBER, DURATION, PERCENT -> {
                if (!v.isIntegralNumber()) {
                    throw expected(w, "Integer, NilClass", v);
                }
                yield v.longValue();
            }
            case FLOAT -> {
                if (!v.isNumber()) {
                    throw expected(w, "Float, Integer, NilClass", v);
                }
                yield v.doubleValue();
            }
            case CHECKBOX -> {
                if (!v.isBoolean()) {
                    throw expected(w, "TrueClass, FalseClass, NilClass", v);
                }
                yield v.booleanValue();
            }
            case DATE_TIME -> {
                if (!v.isTextual()) {
                    throw expected(w, "String, Time, NilClass", v);
                }
                try {
                    yield SimJson.parseInstant(v.textValue());
                } catch (RuntimeException e) {
                    throw w.invalid("is not a valid date_time: " + v.textValue());
                }
            }
            case DATE -> {
                if (!v.isTextual()) {
                    throw expected(w, "String, Date, NilClass", v);
                }
                try {
                    yield LocalDate.parse(v.textValue()).toString();
                } catch (RuntimeException e) {
                    throw w.invalid("is not a valid date (YYYY-MM-DD): " + v.textValue());
                }
            }
            case ENTITY -> entity(w, v);
            case MULTI_ENTITY -> multiEntity(w, v);
            case TAG_LIST -> {
                if (!v.isArray()) {
                    throw expected(w, "Array, NilClass", v);
                }
                List<String> tags = new ArrayList<>();
                v.forEach(t -> tags.add(t.asText()));
                yield List.copyOf(tags);
            }
            case URL -> webLink(w, v);
            case IMAGE -> {
                if ("seed".equals(w.operation()) && v.isTextual()) {
                    yield v.textValue();
                }
                throw w.invalid("can only be set to null here; upload an image to set it");
            }
            case SERIALIZABLE -> v;
            case PIVOT_COLUMN, PASSWORD -> throw w.invalid("is not editable");
        };
    }

    /** Renders a stored value; entity values render as {@code {"id","name","type"}}. */
    public static JsonNode read(FieldHooks.FieldRead r) {
        Object v = r.stored();
        if (v instanceof EntityRef ref) {
            return entityData(r.sim().store(), ref);
        }
        if (v instanceof Instant t) {
            return SimJson.NODES.textNode(r.context().createStyle() ? SimJson.createStyle(t) : SimJson.readStyle(t));
        }
        if (v instanceof List<?> list) {
            ArrayNode a = SimJson.array();
            for (Object o : list) {
                if (o instanceof EntityRef ref) {
                    a.add(entityData(r.sim().store(), ref));
                } else {
                    a.add(String.valueOf(o));
                }
            }
            return a;
        }
        return plain(v);
    }

    static JsonNode plain(Object v) {
        if (v == null) {
            return SimJson.NODES.nullNode();
        }
        if (v instanceof JsonNode n) {
            return n;
        }
        if (v instanceof String s) {
            return SimJson.NODES.textNode(s);
        }
        if (v instanceof Long l) {
            return SimJson.NODES.numberNode(l);
        }
        if (v instanceof Integer i) {
            return SimJson.NODES.numberNode(i);
        }
        if (v instanceof Double d) {
            return SimJson.NODES.numberNode(d);
        }
        if (v instanceof Boolean b) {
            return SimJson.NODES.booleanNode(b);
        }
        if (v instanceof Instant t) {
            return SimJson.NODES.textNode(SimJson.readStyle(t));
        }
        return SimJson.NODES.textNode(String.valueOf(v));
    }

    /** {@code {"id","name","type"}} in FPTR's key order. */
    public static ObjectNode entityData(SimStore store, EntityRef ref) {
        ObjectNode n = SimJson.object();
        n.put("id", ref.id());
        String name = store.displayName(ref);
        if (name == null) {
            n.putNull("name");
        } else {
            n.put("name", name);
        }
        n.put("type", ref.type());
        return n;
    }

    private static EntityRef entity(FieldHooks.FieldWrite w, JsonNode v) {
        if (!v.isObject()) {
            throw expected(w, "Hash, NilClass", v);
        }
        JsonNode type = v.get("type");
        JsonNode id = v.get("id");
        if (type == null || !type.isTextual()) {
            throw SimError.badRequest("API " + w.operation() + "() invalid/missing entity hash string 'type': "
                    + SimJson.rubyInspect(v));
        }
        if (id == null || !(id.isIntegralNumber() || id.isTextual() && id.textValue().matches("\\d+"))) {
            throw SimError.badRequest("API " + w.operation() + "() invalid/missing entity hash string 'id': "
                    + SimJson.rubyInspect(v));
        }
        EntityRef ref = new EntityRef(type.textValue(), id.asLong());
        if (!w.field().acceptsType(ref.type())) {
            throw w.invalid("does not accept entities of type " + ref.type() + ". Valid types: "
                    + w.field().validTypes);
        }
        if (!"seed".equals(w.operation())) {
            SimRecord target = w.store().get(ref.type(), ref.id());
            if (target == null || target.retired()) {
                throw SimError.fptr(400, 104, "API " + w.operation() + "() " + w.entity().name + "." + w.field().name
                        + ": " + ref.type() + " with id " + ref.id() + " does not exist.", SimJson.object(), null);
            }
        }
        return ref;
    }

    @SuppressWarnings("unchecked")
    private static List<EntityRef> multiEntity(FieldHooks.FieldWrite w, JsonNode v) {
        String mode = "set";
        JsonNode list = v;
        if (v.isObject() && v.has("multi_entity_update_mode")) {
            mode = v.get("multi_entity_update_mode").asText();
            list = v.get("value");
            if (!List.of("set", "add", "remove").contains(mode)) {
                throw w.invalid("multi_entity_update_mode must be one of: set, add, remove");
            }
        }
        if (list == null || !list.isArray()) {
            throw expected(w, "Array, NilClass", v);
        }
        LinkedHashSet<EntityRef> refs = new LinkedHashSet<>();
        for (JsonNode item : list) {
            refs.add(entity(w, item));
        }
        if (mode.equals("set")) {
            return List.copyOf(refs);
        }
        LinkedHashSet<EntityRef> result = new LinkedHashSet<>();
        if (w.previous() instanceof List<?> prev) {
            result.addAll((List<EntityRef>) prev);
        }
        if (mode.equals("add")) {
            result.addAll(refs);
        } else {
            result.removeAll(refs);
        }
        return List.copyOf(result);
    }

    /** Web links only; local file links are the localfile extension's hook. */
    private static JsonNode webLink(FieldHooks.FieldWrite w, JsonNode v) {
        if (!v.isObject() || !v.hasNonNull("url") || !v.get("url").isTextual()) {
            throw SimError.badRequest("API " + w.operation() + "() invalid/missing url hash string 'url'");
        }
        ObjectNode link = SimJson.object();
        link.set("content_type", v.hasNonNull("content_type") ? v.get("content_type") : SimJson.NODES.nullNode());
        link.put("link_type", "web");
        String url = v.get("url").textValue();
        link.put("name", v.hasNonNull("name") ? v.get("name").asText() : url);
        link.put("url", url);
        return link;
    }

    private static SimError expected(FieldHooks.FieldWrite w, String kinds, JsonNode got) {
        return w.invalid("expected [" + kinds + "] data type(s) but got " + SimJson.rubyClass(got) + ": "
                + SimJson.rubyInspect(got));
    }

}
