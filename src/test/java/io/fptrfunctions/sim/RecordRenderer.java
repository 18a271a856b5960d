package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Renders rows in FPTR's JSON:API-like envelope. Call under the store's read (or write) lock. */
public final class RecordRenderer {

    /** The fields asked for: plain fields of the type and dotted paths (rendered flat under their key). */
    public record Selection(List<FieldDef> fields, List<FieldPath> dotted) {

        /**
         * From a {@code fields} value: "*" (all), comma string or list. Unknown names are dropped, as FPTR
         * does; dotted paths through multi_entity fields are dropped too. Absent → the display field.
         */
        public static Selection parse(SimSchema schema, EntityDef def, JsonNode fields) {
            List<String> names = new ArrayList<>();
            if (fields == null || fields.isNull() || fields.isMissingNode()) {
                names.add(def.displayField);
            } else if (fields.isArray()) {
                fields.forEach(f -> names.addAll(List.of(f.asText().split(","))));
            } else {
                names.addAll(List.of(fields.asText().split(",")));
            }
            Set<FieldDef> plain = new LinkedHashSet<>();
            List<FieldPath> dotted = new ArrayList<>();
            for (String raw : names) {
                String n = raw.trim();
                if (n.equals("*")) {
                    plain.addAll(def.fields());
                } else if (n.contains(".")) {
                    try {
                        FieldPath p = FieldPath.parse(schema, def, n);
                        if (!p.throughMultiEntity()) {
                            dotted.add(p);
                        }
                    } catch (FieldPath.Unresolved ignored) {
                        // FPTR drops unknown names silently in reads
                    }
                } else if (def.field(n) != null) {
                    plain.add(def.field(n));
                }
            }
            return new Selection(new ArrayList<>(plain), dotted);
        }

        public static Selection of(Collection<FieldDef> fields) {
            return new Selection(new ArrayList<>(fields), List.of());
        }
    }

    private final FptrSimulator sim;

    RecordRenderer(FptrSimulator sim) {
        this.sim = sim;
    }

    public ObjectNode render(SimRecord r, Selection sel, RenderContext ctx) {
        EntityDef def = sim.schema().byName(r.type);
        String self = ctx.apiPrefix() + "/entity/" + def.slug + "/" + r.id;
        ObjectNode out = SimJson.object();
        out.put("type", r.type);
        ObjectNode attributes = out.putObject("attributes");
        ObjectNode relationships = out.putObject("relationships");
        for (FieldDef f : sel.fields()) {
            if (f.name.equals("id")) {
                continue;
            }
            if (f.type.isLink()) {
                relationships.set(f.name, relationship(def, r, f, self, ctx));
            } else {
                attributes.set(f.name, value(def, r, f, ctx));
            }
        }
        for (FieldPath p : sel.dotted()) {
            SimRecord last = p.lastRow(sim.store(), r);
            FieldDef terminal = p.terminal();
            if (last == null) {
                attributes.putNull(p.raw);
            } else if (terminal.name.equals("id")) {
                attributes.put(p.raw, last.id);
            } else {
                attributes.set(p.raw, value(p.terminalType(), last, terminal, ctx));
            }
        }
        out.put("id", r.id);
        out.putObject("links").put("self", self);
        return out;
    }

    /** An attribute value (entity values as {@code {id,name,type}}). */
    public JsonNode value(EntityDef def, SimRecord r, FieldDef f, RenderContext ctx) {
        Object stored = r.get(f.name);
        if (stored == null || EventLog.hidesRetiredEntity(sim.store(), def, f, stored)) {
            if (f.type == DataType.CHECKBOX) {
                return SimJson.NODES.booleanNode(false);
            }
            if (f.type == DataType.MULTI_ENTITY || f.type == DataType.TAG_LIST) {
                return SimJson.array();
            }
            return SimJson.NODES.nullNode();
        }
        return sim.fieldHooks().reader(f.type).read(new FieldHooks.FieldRead(sim, def, f, r, stored, ctx));
    }

    private ObjectNode relationship(EntityDef def, SimRecord r, FieldDef f, String self, RenderContext ctx) {
        ObjectNode rel = SimJson.object();
        JsonNode data = value(def, r, f, ctx);
        rel.set("data", data);
        ObjectNode links = rel.putObject("links");
        links.put("self", self + "/relationships/" + f.name);
        if (f.type == DataType.ENTITY && data.isObject()) {
            EntityDef target = sim.schema().byName(data.path("type").asText());
            String slug = target == null ? EntityDef.slugOf(data.path("type").asText()) : target.slug;
            links.put("related", ctx.apiPrefix() + "/entity/" + slug + "/" + data.path("id").asLong());
        }
        return rel;
    }

    /** Renders a list of rows. */
    public ArrayNode renderAll(List<SimRecord> rows, Selection sel, RenderContext ctx) {
        ArrayNode a = SimJson.array();
        for (SimRecord r : rows) {
            a.add(render(r, sel, ctx));
        }
        return a;
    }
}
