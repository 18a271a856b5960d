package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The in-memory rows of the simulated site, per entity type, in id order. One read/write lock guards
 * everything: searches run under the read lock (concurrently), writes under the write lock. Writes go
 * through the per-data-type {@link FieldHooks} and publish a {@link StoreEvent} after they commit.
 */
public final class SimStore {

    private final FptrSimulator sim;
    private final SimSchema schema;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, TreeMap<Long, SimRecord>> rows = new HashMap<>();
    private final Map<String, Long> nextIds = new HashMap<>();
    /** session token → HumanUser login (seeded). */
    final Map<String, String> sessionTokens = new HashMap<>();
    private final List<Consumer<StoreEvent>> listeners = new CopyOnWriteArrayList<>();
    /** The events of the transaction this thread runs, published only when it commits. */
    private final ThreadLocal<List<StoreEvent>> transactionEvents = new ThreadLocal<>();

    SimStore(FptrSimulator sim, SimSchema schema) {
        this.sim = sim;
        this.schema = schema;
    }

    public SimSchema schema() {
        return schema;
    }

    public <T> T read(Supplier<T> work) {
        lock.readLock().lock();
        try {
            return work.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    public <T> T write(Supplier<T> work) {
        lock.writeLock().lock();
        try {
            return work.get();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Runs several writes all-or-nothing (for {@code _batch}): under the write lock; when {@code work}
     * throws, every row is put back as it was and none of its events is published. Ids handed out are
     * not reused, as a database sequence's are not.
     */
    public <T> T transaction(Supplier<T> work) {
        if (transactionEvents.get() != null) {
            return work.get();
        }
        List<StoreEvent> events = new ArrayList<>();
        T result;
        lock.writeLock().lock();
        try {
            Map<String, Map<Long, RowState>> before = snapshot();
            transactionEvents.set(events);
            try {
                result = work.get();
            } catch (RuntimeException | Error e) {
                restore(before);
                throw e;
            } finally {
                transactionEvents.remove();
            }
        } finally {
            lock.writeLock().unlock();
        }
        publish(events);
        return result;
    }

    private record RowState(Map<String, Object> values, boolean retired) {
    }

    /**
     * Stored values are immutable objects, so a shallow copy of each row is a snapshot. The event log is
     * left out: its entries are written when a write is published, after the transaction.
     */
    private Map<String, Map<Long, RowState>> snapshot() {
        Map<String, Map<Long, RowState>> copy = new HashMap<>();
        rows.forEach((type, byId) -> {
            if (type.equals(EventLog.TYPE)) {
                return;
            }
            Map<Long, RowState> t = new HashMap<>();
            byId.forEach((id, r) -> t.put(id, new RowState(new HashMap<>(r.values), r.retired)));
            copy.put(type, t);
        });
        return copy;
    }

    private void restore(Map<String, Map<Long, RowState>> before) {
        rows.forEach((type, byId) -> {
            if (type.equals(EventLog.TYPE)) {
                return;
            }
            Map<Long, RowState> was = before.getOrDefault(type, Map.of());
            byId.keySet().removeIf(id -> !was.containsKey(id));
            byId.forEach((id, r) -> {
                r.values.clear();
                r.values.putAll(was.get(id).values());
                r.retired = was.get(id).retired();
            });
        });
    }

    /** Listens to committed writes (called on the writing thread, outside the lock). */
    public void addListener(Consumer<StoreEvent> listener) {
        listeners.add(listener);
    }

    void clear() {
        write(() -> {
            rows.clear();
            nextIds.clear();
            sessionTokens.clear();
            return null;
        });
    }

    /** A row, live or retired; null when it never existed. */
    public SimRecord get(String type, long id) {
        TreeMap<Long, SimRecord> t = rows.get(type);
        return t == null ? null : t.get(id);
    }

    /** All rows of a type (live and retired) in id order; hold a lock while iterating. */
    public Collection<SimRecord> all(String type) {
        TreeMap<Long, SimRecord> t = rows.get(type);
        return t == null ? List.of() : t.values();
    }

    public String displayName(EntityRef ref) {
        SimRecord r = get(ref.type(), ref.id());
        if (r == null) {
            return null;
        }
        Object v = r.values.get("cached_display_name");
        return v == null ? null : v.toString();
    }

    /** Finds the live HumanUser with this login. */
    public SimRecord humanUserByLogin(String login) {
        for (SimRecord r : all("HumanUser")) {
            if (login != null && login.equals(r.values.get("login"))) {
                return r;
            }
        }
        return null;
    }

    /** Reserves the next id of a type (or records an explicit one). */
    long allocateId(String type, Long wanted) {
        long next = nextIds.getOrDefault(type, 1L);
        if (wanted != null) {
            nextIds.put(type, Math.max(next, wanted + 1));
            return wanted;
        }
        nextIds.put(type, next + 1);
        return next;
    }

    /** Inserts a row already filled (extensions, e.g. an Attachment minted by a url-field write). Under write lock. */
    public SimRecord insertRow(SimRecord r) {
        rows.computeIfAbsent(r.type, k -> new TreeMap<>()).put(r.id, r);
        return r;
    }

    /** Drops the lowest ids of a type past {@code max} rows (the event log's bound). Under write lock. */
    void dropOldest(String type, int max) {
        TreeMap<Long, SimRecord> t = rows.get(type);
        while (t != null && t.size() > max) {
            t.pollFirstEntry();
        }
    }

    /** A new empty row with a fresh id, not yet inserted. */
    public SimRecord newRow(String type) {
        return new SimRecord(type, allocateId(type, null));
    }

    // ---- writes through the API -------------------------------------------------------------------

    /** Result of a create: the row and the fields the create answer echoes. */
    public record Created(SimRecord record, Set<String> echoed) {
    }

    public Created create(EntityDef def, ObjectNode body, EntityRef actor) {
        List<StoreEvent> events = new ArrayList<>();
        Created created = write(() -> {
            for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (def.field(f) == null) {
                    throw SimError.fptr(400, 103, "API create() " + def.name + "." + f + " doesn't exist.",
                            SimJson.object(), null);
                }
            }
            if (def.projectScoped && !body.hasNonNull("project")) {
                throw SimError.fptr(400, 103, "API create() missing 'project' attribute: " + SimJson.rubyInspect(body),
                        SimJson.object(), null);
            }
            Instant now = sim.now();
            SimRecord r = new SimRecord(def.name, allocateId(def.name, null));
            Set<String> echoed = new LinkedHashSet<>();
            List<StoreEvent.Change> changes = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                FieldDef f = def.field(e.getKey());
                if (f.serverManaged) {
                    continue;   // FPTR accepts and drops writes to server-managed fields
                }
                Object v = convert(def, f, r.id, "create", e.getValue(), null, actor);
                r.put(f.name, v);
                echoed.add(f.name);
                if (v != null) {
                    changes.add(new StoreEvent.Change(f.name, f.type, null, v));
                }
            }
            applyDefaults(def, r, echoed);
            r.put("created_at", now);
            r.put("updated_at", now);
            r.put("created_by", actor);
            r.put("updated_by", actor);
            if (def.name.equals("Note") && r.values.get("user") == null && actor != null) {
                r.put("user", actor);
            }
            refreshDisplayName(def, r);
            if (def.name.equals("HumanUser") && r.values.get("name") != null) {
                echoed.add("name");   // derived from firstname/lastname, echoed like other server-set values
            }
            echoed.add("cached_display_name");
            echoed.add("created_at");
            echoed.add("updated_at");
            insertRow(r);
            events.add(new StoreEvent("create", def.name, r.id, actor, projectOf(r), changes, now));
            return new Created(r, echoed);
        });
        publish(events);
        return created;
    }

    public SimRecord update(EntityDef def, long id, ObjectNode body, EntityRef actor) {
        List<StoreEvent> events = new ArrayList<>();
        SimRecord updated = write(() -> {
            SimRecord r = get(def.name, id);
            if (r == null || r.retired) {
                throw SimError.recordMissing(def.name, id);
            }
            for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (def.field(f) == null) {
                    throw SimError.fptr(400, 103, "API update() " + def.name + "." + f + " doesn't exist.",
                            SimJson.object(), null);
                }
            }
            Map<String, Object> converted = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                FieldDef f = def.field(e.getKey());
                if (f.serverManaged) {
                    continue;
                }
                converted.put(f.name, convert(def, f, r.id, "update", e.getValue(), r.values.get(f.name), actor));
            }
            // all values valid: apply
            List<StoreEvent.Change> changes = new ArrayList<>();
            for (Map.Entry<String, Object> e : converted.entrySet()) {
                Object old = r.values.get(e.getKey());
                if (!Objects.equals(old, e.getValue())) {
                    r.put(e.getKey(), e.getValue());
                    changes.add(new StoreEvent.Change(e.getKey(), def.field(e.getKey()).type, old, e.getValue()));
                }
            }
            if (!changes.isEmpty()) {
                Instant now = sim.now();
                r.put("updated_at", now);
                r.put("updated_by", actor);
                Object oldName = r.values.get("name");
                refreshDisplayName(def, r);
                if (def.name.equals("HumanUser") && !Objects.equals(oldName, r.values.get("name"))) {
                    changes.add(new StoreEvent.Change("name", DataType.TEXT, oldName, r.values.get("name")));
                }
                events.add(new StoreEvent("update", def.name, r.id, actor, projectOf(r), changes, now));
            }
            return r;
        });
        publish(events);
        return updated;
    }

    /** Retires a live row; false when there is no live row. */
    public boolean retire(EntityDef def, long id, EntityRef actor) {
        List<StoreEvent> events = new ArrayList<>();
        boolean done = write(() -> {
            SimRecord r = get(def.name, id);
            if (r == null || r.retired) {
                return false;
            }
            r.retired = true;
            events.add(new StoreEvent("delete", def.name, id, actor, projectOf(r), List.of(), sim.now()));
            return true;
        });
        publish(events);
        return done;
    }

    /** Revives a retired row: TRUE revived, FALSE was live, null never existed. */
    public Boolean revive(EntityDef def, long id, EntityRef actor) {
        List<StoreEvent> events = new ArrayList<>();
        Boolean done = write(() -> {
            SimRecord r = get(def.name, id);
            if (r == null) {
                return null;
            }
            if (!r.retired) {
                return Boolean.FALSE;
            }
            r.retired = false;
            events.add(new StoreEvent("revive", def.name, id, actor, projectOf(r), List.of(), sim.now()));
            return Boolean.TRUE;
        });
        publish(events);
        return done;
    }

    /**
     * Sets one stored value outside the API's write path (extensions: an uploaded image, a processed
     * thumbnail), bumping updated_at and publishing an "update" event when the value changed. Returns
     * false when there is no live row.
     */
    public boolean setField(String type, long id, String field, Object value, EntityRef actor) {
        List<StoreEvent> events = new ArrayList<>();
        boolean done = write(() -> {
            SimRecord r = get(type, id);
            EntityDef def = schema.byName(type);
            if (r == null || r.retired || def == null || def.field(field) == null) {
                return false;
            }
            Object old = r.values.get(field);
            if (!Objects.equals(old, value)) {
                r.put(field, value);
                Instant now = sim.now();
                r.put("updated_at", now);
                if (actor != null) {
                    r.put("updated_by", actor);
                }
                refreshDisplayName(def, r);
                events.add(new StoreEvent("update", type, id, actor, projectOf(r),
                        List.of(new StoreEvent.Change(field, def.field(field).type, old, value)), now));
            }
            return true;
        });
        publish(events);
        return done;
    }

    // ---- seed format ------------------------------------------------------------------------------

    /**
     * Inserts a row in seed format: {@code {"type":"Note","id"?:1, <field>: value, "_password": ...}}.
     * Entity links are {@code {"type","id"}} and are not checked (seeds may refer forward); server fields
     * (created_at, created_by...) may be given; keys starting with "_" are secrets. Call under write lock.
     */
    SimRecord insertSeed(ObjectNode rec, Instant now) {
        String typeName = rec.path("type").asText(null);
        EntityDef def = schema.resolve(typeName);
        if (def == null) {
            throw new IllegalArgumentException("unknown entity type in seed record: " + rec);
        }
        JsonNode idNode = rec.get("id");
        if (idNode != null && !idNode.isIntegralNumber()) {
            throw new IllegalArgumentException("seed id must be an integer: " + rec);
        }
        Long wanted = idNode == null ? null : idNode.longValue();
        if (wanted != null && get(def.name, wanted) != null) {
            throw new IllegalArgumentException(def.name + " " + wanted + " already exists");
        }
        SimRecord r = new SimRecord(def.name, allocateId(def.name, wanted));
        for (Iterator<Map.Entry<String, JsonNode>> it = rec.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (key.equals("type") || key.equals("id")) {
                continue;
            }
            if (key.equals("_retired")) {
                r.retired = e.getValue().asBoolean();
                continue;
            }
            if (key.startsWith("_")) {
                r.secrets.put(key.substring(1), e.getValue().asText());
                continue;
            }
            FieldDef f = def.field(key);
            if (f == null) {
                throw new IllegalArgumentException(def.name + "." + key + " is not a field of the schema");
            }
            try {
                r.put(key, convert(def, f, r.id, "seed", e.getValue(), null, null));
            } catch (SimError err) {
                throw new IllegalArgumentException("bad value for " + def.name + "." + key + ": "
                        + err.body().path("errors").path(0).path("title").asText(), err);
            }
        }
        applyDefaults(def, r, new LinkedHashSet<>());
        if (r.values.get("created_at") == null) {
            r.put("created_at", now);
        }
        r.values.putIfAbsent("updated_at", r.values.get("created_at"));
        insertRow(r);
        return r;
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private Object convert(EntityDef def, FieldDef f, long id, String op, JsonNode value, Object previous,
                           EntityRef actor) {
        return sim.fieldHooks().writer(f.type)
                .write(new FieldHooks.FieldWrite(sim, def, f, id, op, value, previous, actor));
    }

    private static void applyDefaults(EntityDef def, SimRecord r, Set<String> echoed) {
        for (FieldDef f : def.fields()) {
            if (f.createDefault != null && r.values.get(f.name) == null) {
                r.put(f.name, f.createDefault.apply(r));
                echoed.add(f.name);
            }
        }
        refreshDisplayName(def, r);
    }

    /**
     * Recomputes the derived names: a HumanUser's {@code name} from its firstname and lastname (when it
     * has either; a seed may give a name alone), then cached_display_name the way FPTR shows the row
     * (code, name, subject, content...).
     */
    public static void refreshDisplayName(EntityDef def, SimRecord r) {
        if (def.name.equals("HumanUser") && (r.values.get("firstname") != null || r.values.get("lastname") != null)) {
            String name = (Objects.toString(r.values.get("firstname"), "") + " "
                    + Objects.toString(r.values.get("lastname"), "")).trim();
            r.put("name", name.isEmpty() ? null : name);
        }
        Object display = r.values.get(def.displayField);
        if (display instanceof JsonNode link) {
            display = link.hasNonNull("name") ? link.get("name").asText() : r.values.get("filename");
        }
        r.put("cached_display_name", display == null ? null : display.toString());
    }

    private static EntityRef projectOf(SimRecord r) {
        Object p = r.values.get("project");
        if (p instanceof EntityRef ref) {
            return ref;
        }
        return r.type.equals("Project") ? r.ref() : null;
    }

    private void publish(List<StoreEvent> events) {
        List<StoreEvent> inTransaction = transactionEvents.get();
        if (inTransaction != null) {
            inTransaction.addAll(events);
            return;
        }
        for (StoreEvent committed : events) {
            StoreEvent e = sim.eventLog().log(committed);
            for (Consumer<StoreEvent> l : listeners) {
                try {
                    l.accept(e);
                } catch (RuntimeException ex) {
                    System.err.println("[fptr-sim] store listener failed: " + ex);
                }
            }
        }
    }
}
