package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.UUID;

/**
 * FPTR's event log: a read-only {@code EventLogEntry} row for every committed write, searchable like any
 * entity ({@code _search} filters, sort, paging), and the entries the webhook deliveries are made from
 * (a delivery's {@code event_log_entry_id} is its entry's id). What is logged:
 * <ul>
 *   <li>an update: one {@code Shotgun_<Type>_Change} per changed field, {@code attribute_name} the field,
 *       {@code meta} {@code attribute_change} with old and new value (notes §5, the webhook payload);</li>
 *   <li>a create: {@code Shotgun_<Type>_New} ({@code attribute_name} null, {@code meta.type new_entity}),
 *       then a Change entry per field it set, {@code meta.in_create: true} (as vfxetc/sgmock's
 *       sgmock/events.py logs a create; no Autodesk page says it, a reverse-engineered mock does);</li>
 *   <li>a retirement or a revival: {@code _Retirement} / {@code _Revival}, {@code attribute_name} null.</li>
 * </ul>
 * Rows seeded in bulk ({@code POST /_sim/records}) are logged as creates at their {@code created_at}; the
 * reset seed is not (it is the site's history before the log). Memory stays bounded: past
 * {@link #MAX_ENTRIES} the oldest entries are dropped, as a site's log may be trimmed. An entry's
 * {@code entity} reads as null while that entity is retired, as it is when the log is read, not when it was
 * written (vfxetc/sgevents, docs/reverse_engineering.rst: "Change" or "New" entries of a backlog can have a
 * null entity); filters still match the stored entity (not documented either way).
 */
final class EventLog {

    static final String TYPE = "EventLogEntry";
    /** 20,000 entities created with a few fields each, and changed a few times, fit. */
    static final int MAX_ENTRIES = 250_000;

    private final FptrSimulator sim;

    EventLog(FptrSimulator sim) {
        this.sim = sim;
    }

    /** Logs the event's entries (one transaction, consecutive ids) and returns it with its first entry's id. */
    StoreEvent log(StoreEvent e) {
        SimStore store = sim.store();
        return store.write(() -> {
            EntityDef def = sim.schema().byName(e.entityType());
            SimRecord row = store.get(e.entityType(), e.entityId());
            String session = UUID.randomUUID().toString();
            long first = switch (e.operation()) {
                case "create" -> {
                    long id = entry(e, "New", null, lifecycleMeta(e, "new_entity"), session);
                    for (StoreEvent.Change c : e.changes()) {
                        ObjectNode meta = changeMeta(def, row, e, c);
                        meta.put("in_create", true);
                        entry(e, "Change", c.field(), meta, session);
                    }
                    yield id;
                }
                case "update" -> {
                    long id = 0;
                    for (StoreEvent.Change c : e.changes()) {
                        long logged = entry(e, "Change", c.field(), changeMeta(def, row, e, c), session);
                        id = id == 0 ? logged : id;
                    }
                    yield id;
                }
                case "delete" -> entry(e, "Retirement", null, lifecycleMeta(e, "entity_retirement"), session);
                default -> entry(e, "Revival", null, lifecycleMeta(e, "entity_revival"), session);
            };
            store.dropOldest(TYPE, MAX_ENTRIES);
            return e.logged(first);
        });
    }

    /** True for an entry's {@code entity} whose entity is retired now: FPTR reads it as null (see the class). */
    static boolean hidesRetiredEntity(SimStore store, EntityDef def, FieldDef field, Object stored) {
        if (def == null || !TYPE.equals(def.name) || !"entity".equals(field.name) || !(stored instanceof EntityRef ref)) {
            return false;
        }
        SimRecord target = store.get(ref.type(), ref.id());
        return target != null && target.retired();
    }

    /** The entries of a logged event, in id order (under the store's lock). */
    List<SimRecord> entries(StoreEvent e) {
        int n = e.operation().equals("update") ? e.changes().size() : 1;
        List<SimRecord> out = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SimRecord r = sim.store().get(TYPE, e.logId() + i);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    private long entry(StoreEvent e, String action, String attribute, ObjectNode meta, String session) {
        SimStore store = sim.store();
        SimRecord r = store.newRow(TYPE);
        String eventType = "Shotgun_" + e.entityType() + "_" + action;
        r.put("event_type", eventType);
        r.put("attribute_name", attribute);
        r.put("entity", new EntityRef(e.entityType(), e.entityId()));
        r.put("project", e.project());
        r.put("user", e.user());
        r.put("meta", meta);
        r.put("created_at", e.at());
        r.put("session_uuid", session);
        String description = e.entityType() + " " + e.entityId() + (attribute == null ? " " + action : " " + attribute + " changed");
        r.put("description", description);
        r.put("cached_display_name", description);
        store.insertRow(r);
        return r.id;
    }

    private static ObjectNode lifecycleMeta(StoreEvent e, String type) {
        ObjectNode meta = SimJson.object();
        meta.put("type", type);
        meta.put("entity_id", e.entityId());
        meta.put("entity_type", e.entityType());
        return meta;
    }

    private ObjectNode changeMeta(EntityDef def, SimRecord row, StoreEvent e, StoreEvent.Change c) {
        ObjectNode meta = SimJson.object();
        meta.put("type", "attribute_change");
        meta.put("entity_id", e.entityId());
        meta.put("entity_type", e.entityType());
        meta.put("attribute_name", c.field());
        meta.put("field_data_type", c.dataType().fptrName());
        if (c.dataType() == DataType.MULTI_ENTITY) {
            List<?> before = c.oldValue() instanceof List<?> l ? l : List.of();
            List<?> after = c.newValue() instanceof List<?> l ? l : List.of();
            ArrayNode added = meta.putArray("added");
            ArrayNode removed = meta.putArray("removed");
            after.stream().filter(x -> !before.contains(x)).forEach(x -> added.add(value(def, row, c, x)));
            before.stream().filter(x -> !after.contains(x)).forEach(x -> removed.add(value(def, row, c, x)));
        }
        meta.set("old_value", value(def, row, c, c.oldValue()));
        meta.set("new_value", value(def, row, c, c.newValue()));
        return meta;
    }

    private JsonNode value(EntityDef def, SimRecord row, StoreEvent.Change c, Object stored) {
        if (stored == null) {
            return SimJson.NODES.nullNode();
        }
        if (stored instanceof EntityRef ref) {
            return FieldCodecs.entityData(sim.store(), ref);
        }
        FieldDef f = def == null ? null : def.field(c.field());
        if (f == null || row == null) {
            return FieldCodecs.plain(stored);
        }
        return sim.fieldHooks().reader(f.type).read(new FieldHooks.FieldRead(sim, def, f, row, stored,
                new RenderContext("/api/v1.1", sim.baseUrl(), false)));
    }
}
