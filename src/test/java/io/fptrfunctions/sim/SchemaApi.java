package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code /schema}: reads (the recorded shapes) and custom-field changes after sg-groundtruth's probes
 * (endpoints post/put/delete_schema_type_fields[_field], finding 019, 040):
 * <ul>
 *   <li>{@code POST /schema/{type}/fields} {@code {"data_type", "properties": [{"property_name", "value"}]}}:
 *       the display name ({@code name} property) gives the field name {@code sg_<lowercase, each other
 *       character "_">}; a name in use gets {@code _1}, {@code _2}...; a retired one is a 400. 201 with
 *       the field's schema and the name in {@code links.self}.</li>
 *   <li>{@code PUT /schema/{type}/fields/{field}}: {@code name} and {@code description} change; a
 *       {@code data_type} is ignored (200, unchanged), as FPTR does.</li>
 *   <li>{@code DELETE}: retires the field (204); its name stays taken. {@code POST .../{field}} with
 *       {@code {"revive": true}} (or {@code ?revive=true}) brings it back with its values (204).</li>
 * </ul>
 * Schema writes run under the store's write lock; {@code POST /_sim/reset} undoes them.
 */
final class SchemaApi {

    /** The data types a field can be created with here (FPTR: image and color are 400; others it has are not simulated). */
    private static final Set<DataType> CREATABLE = Set.of(DataType.TEXT, DataType.NUMBER, DataType.FLOAT, DataType.DATE,
            DataType.DATE_TIME, DataType.LIST, DataType.STATUS_LIST, DataType.URL, DataType.DURATION, DataType.PERCENT,
            DataType.CHECKBOX, DataType.ENTITY, DataType.MULTI_ENTITY);

    private final FptrSimulator sim;

    SchemaApi(FptrSimulator sim) {
        this.sim = sim;
    }

    void handle(SimExchange ex, String typeName, boolean fieldsPart, String fieldName) throws IOException {
        switch (ex.method) {
            case "GET" -> read(ex, typeName, fieldsPart, fieldName);
            case "POST" -> {
                if (!fieldsPart) {
                    throw notFound(ex);
                }
                if (fieldName == null) {
                    create(ex, type(typeName));
                } else {
                    revive(ex, type(typeName), fieldName);
                }
            }
            case "PUT" -> {
                if (!fieldsPart || fieldName == null) {
                    throw notFound(ex);
                }
                update(ex, type(typeName), fieldName);
            }
            case "DELETE" -> {
                if (!fieldsPart || fieldName == null) {
                    throw notFound(ex);
                }
                delete(ex, type(typeName), fieldName);
            }
            default -> throw notFound(ex);
        }
    }

    private static SimError notFound(SimExchange ex) {
        return SimError.fptr(404, 103, "Not Found", null, "No route for " + ex.method + " " + ex.path);
    }

    private EntityDef type(String typeName) {
        EntityDef def = typeName == null ? null : sim.schema().resolve(typeName);
        if (def == null) {
            throw SimError.fptr(404, 103, "Not Found", null, "Entity type '" + typeName + "' does not exist.");
        }
        return def;
    }

    private static SimError fieldMissing(EntityDef def, String fieldName) {
        return SimError.fptr(404, 104, "Not Found", null, def.name + "." + fieldName + " does not exist.");
    }

    // ---- reads ----------------------------------------------------------------------------------------

    private void read(SimExchange ex, String typeName, boolean fieldsPart, String fieldName) throws IOException {
        ObjectNode out = SimJson.object();
        String self = ex.http().getRequestURI().getRawPath();
        if (typeName == null) {
            ObjectNode data = out.putObject("data");
            for (EntityDef d : sim.schema().types()) {
                data.set(d.name, typeSchema(d));
            }
        } else {
            EntityDef def = type(typeName);
            if (!fieldsPart) {
                out.set("data", typeSchema(def));
            } else if (fieldName == null) {
                ObjectNode data = out.putObject("data");
                for (FieldDef f : def.fields()) {
                    data.set(f.name, fieldSchema(def, f));
                }
            } else {
                FieldDef f = def.field(fieldName);
                if (f == null) {
                    throw fieldMissing(def, fieldName);
                }
                out.set("data", fieldSchema(def, f));
            }
        }
        out.putObject("links").put("self", self);
        ex.json(200, out);
    }

    // ---- field changes --------------------------------------------------------------------------------

    private void create(SimExchange ex, EntityDef def) throws IOException {
        JsonNode body = jsonObject(ex);
        JsonNode rawType = body.get("data_type");
        DataType type = null;
        if (rawType != null && rawType.isTextual()) {
            try {
                type = DataType.of(rawType.textValue());
            } catch (IllegalArgumentException e) {
                type = null;
            }
        }
        if (rawType == null || rawType.isNull()) {
            throw SimError.invalidParameter("data_type", "data_type is missing");
        }
        if (type == null || !CREATABLE.contains(type)) {
            throw SimError.invalidParameter("data_type", "data_type is not valid");
        }
        Map<String, JsonNode> props = properties(body);
        JsonNode label = props.get("name");
        if (label == null || !label.isTextual() || label.textValue().isBlank()) {
            throw SimError.invalidParameter("properties", "a property named 'name' (the field's display name) is required");
        }
        List<String> validTypes = List.of();
        if (type.isLink()) {
            JsonNode vt = props.get("valid_types");
            if (vt == null || !vt.isArray() || vt.size() != 1 || !vt.get(0).isTextual()) {
                throw SimError.badRequest("'valid_types' value expected Array with one element");
            }
            if (sim.schema().byName(vt.get(0).textValue()) == null) {
                throw SimError.badRequest("'valid_types' names an entity type that does not exist: " + vt.get(0).textValue());
            }
            validTypes = List.of(vt.get(0).textValue());
        }
        if (type == DataType.CHECKBOX && !(props.containsKey("default_value") && props.get("default_value").isBoolean())) {
            // FPTR answers this with a 500 "Only true or false allowed in checkbox"; a simulator never 500s on input
            throw SimError.badRequest("Only true or false allowed in checkbox: give the default_value property");
        }
        DataType created = type;
        List<String> links = validTypes;
        FieldDef f = sim.store().write(() -> {
            String name = fieldName(label.textValue());
            if (def.retiredField(name) != null) {
                throw SimError.badRequest("API schema_field_create() failed, there is a retired field with the same field_name: "
                        + name + ". Delete the retired field forever from the Trash Page in Shotgun and try again.");
            }
            String unique = name;
            for (int i = 1; def.field(unique) != null || def.retiredField(unique) != null; i++) {
                unique = name + "_" + i;   // FPTR's silent suffix for a name in use
            }
            FieldDef field = def.addCustom(unique, created, links);
            field.displayName = label.textValue();
            field.description = textProperty(props, "description");
            return field;
        });
        ObjectNode out = SimJson.object();
        out.set("data", fieldSchema(def, f));
        out.putObject("links").put("self", ex.apiPrefix() + "/schema/" + def.name + "/fields/" + f.name);
        ex.json(201, out);
    }

    private void update(SimExchange ex, EntityDef def, String fieldName) throws IOException {
        JsonNode body = jsonObject(ex);
        Map<String, JsonNode> props = body.has("properties") ? properties(body) : Map.of();
        FieldDef f = sim.store().write(() -> {
            FieldDef field = def.field(fieldName);
            if (field == null) {
                throw fieldMissing(def, fieldName);
            }
            if (props.containsKey("name")) {
                String label = textProperty(props, "name");
                if (label == null || label.isBlank()) {
                    throw SimError.invalidParameter("properties", "name must be a non-empty string");
                }
                field.displayName = label;
            }
            if (props.containsKey("description")) {
                field.description = textProperty(props, "description");
            }
            return field;   // data_type and other properties: accepted and ignored, as FPTR answers 200 and changes nothing
        });
        ObjectNode out = SimJson.object();
        out.set("data", fieldSchema(def, f));
        out.putObject("links").put("self", ex.apiPrefix() + "/schema/" + def.name + "/fields/" + f.name);
        ex.json(200, out);
    }

    private void delete(SimExchange ex, EntityDef def, String fieldName) throws IOException {
        sim.store().write(() -> {
            FieldDef f = def.field(fieldName);
            if (f == null) {
                throw fieldMissing(def, fieldName);
            }
            if (f.serverManaged || f.name.equals(def.displayField) || (def.projectScoped && f.name.equals("project"))) {
                throw SimError.badRequest("API schema_field_delete() " + def.name + "." + f.name
                        + " is a system field and cannot be deleted.");
            }
            def.retire(f.name);
            return null;
        });
        ex.empty(204);
    }

    private void revive(SimExchange ex, EntityDef def, String fieldName) throws IOException {
        String query = ex.query("revive");
        JsonNode flag = query != null ? TextNode.valueOf(query) : ex.body().length == 0 ? null : jsonObject(ex).get("revive");
        if (flag == null || flag.isNull()) {
            throw SimError.invalidParameter("revive", "revive is missing");
        }
        if (!flag.asBoolean(false)) {
            throw SimError.invalidParameter("revive", "revive must be true");
        }
        boolean known = sim.store().write(() -> def.revive(fieldName) || def.field(fieldName) != null);
        if (!known) {
            throw fieldMissing(def, fieldName);
        }
        ex.empty(204);
    }

    /** {@code sg_} + the display name lowercased, every character but a-z and 0-9 an underscore (FPTR: "With (Parens)" → "with__parens_"). */
    static String fieldName(String displayName) {
        StringBuilder b = new StringBuilder("sg_");
        for (char c : displayName.toLowerCase(Locale.ROOT).toCharArray()) {
            b.append(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ? c : '_');
        }
        return b.toString();
    }

    private static JsonNode jsonObject(SimExchange ex) throws IOException {
        ex.requireContentType("application/json");
        JsonNode body = ex.jsonBody();
        if (!body.isObject()) {
            throw SimError.badRequest("Invalid JSON body. Expected Hash but received " + SimJson.rubyClass(body) + ".");
        }
        return body;
    }

    /** {@code [{"property_name", "value"}, ...]} (the nodejs client's shape) or a plain object of name → value. */
    private static Map<String, JsonNode> properties(JsonNode body) {
        JsonNode raw = body.get("properties");
        Map<String, JsonNode> props = new LinkedHashMap<>();
        if (raw == null || raw.isNull()) {
            return props;
        }
        if (raw.isObject()) {
            raw.fields().forEachRemaining(e -> props.put(e.getKey(), e.getValue()));
            return props;
        }
        if (!raw.isArray()) {
            throw SimError.invalidParameter("properties", "properties must be a list of {\"property_name\", \"value\"}");
        }
        for (JsonNode p : raw) {
            if (!p.path("property_name").isTextual() || !p.has("value")) {
                throw SimError.invalidParameter("properties", "each property is {\"property_name\": <name>, \"value\": <value>}");
            }
            props.put(p.get("property_name").textValue(), p.get("value"));
        }
        return props;
    }

    private static String textProperty(Map<String, JsonNode> props, String name) {
        JsonNode v = props.get(name);
        return v == null || v.isNull() ? null : v.asText();
    }

    // ---- shapes (as recorded: GET /schema/Asset, /schema/Asset/fields) --------------------------------

    private static ObjectNode typeSchema(EntityDef def) {
        ObjectNode n = SimJson.object();
        prop(n, "name", TextNode.valueOf(def.name), false);
        prop(n, "visible", SimJson.NODES.booleanNode(true), false);
        return n;
    }

    static ObjectNode fieldSchema(EntityDef def, FieldDef f) {
        ObjectNode n = SimJson.object();
        prop(n, "name", TextNode.valueOf(f.displayName != null ? f.displayName : label(f.name)), true);
        prop(n, "description", TextNode.valueOf(f.description != null ? f.description : ""), true);
        prop(n, "custom_metadata", TextNode.valueOf(""), true);
        prop(n, "entity_type", TextNode.valueOf(def.name), false);
        prop(n, "data_type", TextNode.valueOf(f.type.fptrName()), false);
        prop(n, "editable", SimJson.NODES.booleanNode(!f.serverManaged), false);
        prop(n, "mandatory", SimJson.NODES.booleanNode(false), false);
        prop(n, "unique", SimJson.NODES.booleanNode(false), false);
        ObjectNode props = n.putObject("properties");
        prop(props, "default_value", SimJson.NODES.nullNode(), false);
        prop(props, "summary_default", TextNode.valueOf("none"), true);
        switch (f.type) {
            case ENTITY, MULTI_ENTITY -> {
                ArrayNode types = SimJson.array();
                f.validTypes.forEach(types::add);
                prop(props, "valid_types", types, true);
            }
            case IMAGE -> {
                prop(props, "image_sorts", SimJson.NODES.nullNode(), false);
                prop(props, "image_use_query", SimJson.NODES.booleanNode(true), false);
                prop(props, "render_method", TextNode.valueOf("use_image_query"), false);
                prop(props, "allowed_render_methods",
                        SimJson.array().add("use_uploaded_image").add("use_image_query"), false);
            }
            case TEXT -> {
                prop(props, "regex_validation", TextNode.valueOf(""), true);
                prop(props, "regex_validation_enabled", SimJson.NODES.booleanNode(false), true);
            }
            case LIST, STATUS_LIST -> prop(props, "valid_values", SimJson.array(), true);
            default -> { }
        }
        prop(n, "visible", SimJson.NODES.booleanNode(true), false);
        prop(n, "ui_value_displayable", SimJson.NODES.booleanNode(true), false);
        return n;
    }

    private static void prop(ObjectNode n, String key, JsonNode value, boolean editable) {
        ObjectNode p = n.putObject(key);
        p.set("value", value);
        p.put("editable", editable);
    }

    private static String label(String field) {
        if (field.equals("image")) {
            return "Thumbnail";
        }
        List<String> words = new ArrayList<>();
        for (String w : field.replaceFirst("^sg_", "").split("_")) {
            if (!w.isEmpty()) {
                words.add(Character.toUpperCase(w.charAt(0)) + w.substring(1));
            }
        }
        return String.join(" ", words);
    }
}
