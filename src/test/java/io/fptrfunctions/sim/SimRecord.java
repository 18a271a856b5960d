package io.fptrfunctions.sim;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;

/**
 * One stored row. Values are plain Java objects by data type (String, Long, Double, Boolean, Instant,
 * EntityRef, List&lt;EntityRef&gt;, JsonNode for url/serializable, anything an extension stores for image),
 * so filters never re-parse JSON. Read and written only under the store's lock.
 */
public final class SimRecord {

    public final String type;
    public final long id;
    final Map<String, Object> values = new HashMap<>();
    /** Seed-only secrets (script key, password, session token), never rendered. */
    final Map<String, String> secrets = new HashMap<>(2);
    boolean retired;

    SimRecord(String type, long id) {
        this.type = type;
        this.id = id;
    }

    public Object get(String field) {
        if ("id".equals(field)) {
            return id;
        }
        return values.get(field);
    }

    public boolean retired() {
        return retired;
    }

    public EntityRef ref() {
        return new EntityRef(type, id);
    }

    public String secret(String name) {
        return secrets.get(name);
    }

    /**
     * Sets a stored value directly (extensions; no hooks, no events). Call under the store's write lock.
     * A date_time keeps whole seconds, as FPTR stores them: {@code updated_at} has a 1 s resolution, so
     * two updates in the same second look alike to a filter, as on a real site.
     */
    public void put(String field, Object value) {
        if (value == null) {
            values.remove(field);
        } else {
            values.put(field, value instanceof Instant t ? t.truncatedTo(ChronoUnit.SECONDS) : value);
        }
    }
}
