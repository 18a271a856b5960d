package io.fptrfunctions.sim;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * An entity type of the simulated site: its name, plural slug, display field and fields. The fields
 * change at run time ({@code /schema/{type}/fields} creates, retires and revives them), so the map is
 * replaced whole on every change and readers iterate a snapshot.
 */
public final class EntityDef {

    public final String name;
    public final String slug;
    /** The field whose value is the record's display name ({@code cached_display_name}). */
    public final String displayField;
    public final boolean projectScoped;
    private volatile Map<String, FieldDef> fields = new LinkedHashMap<>();
    /** Fields retired through the schema API: their names stay taken until revived. */
    private volatile Map<String, FieldDef> retired = new LinkedHashMap<>();

    EntityDef(String name, String displayField, boolean projectScoped) {
        this.name = name;
        this.slug = slugOf(name);
        this.displayField = displayField;
        this.projectScoped = projectScoped;
    }

    /** {@code HumanUser} → {@code human_users}, {@code LocalStorage} → {@code local_storages}. */
    public static String slugOf(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                b.append('_');
            }
            b.append(Character.toLowerCase(c));
        }
        String s = b.toString();
        if (s.endsWith("s") || s.endsWith("x") || s.endsWith("ch")) {
            return s + "es";
        }
        if (s.endsWith("y") && !s.endsWith("ay") && !s.endsWith("ey")) {
            return s.substring(0, s.length() - 1) + "ies";
        }
        return s + "s";
    }

    public FieldDef field(String name) {
        return fields.get(name);
    }

    public Collection<FieldDef> fields() {
        return Collections.unmodifiableCollection(fields.values());
    }

    /** A field retired through the schema API, or null. */
    FieldDef retiredField(String name) {
        return retired.get(name);
    }

    /** Adds (or replaces) a field; extensions may add their own fields to the schema. */
    public EntityDef add(String name, DataType type, String... validTypes) {
        return put(new FieldDef(name, type, List.of(validTypes), false, null, false));
    }

    public EntityDef addWithDefault(String name, DataType type, Function<SimRecord, Object> createDefault) {
        return put(new FieldDef(name, type, List.of(), false, createDefault, false));
    }

    EntityDef addServer(String name, DataType type, String... validTypes) {
        return put(new FieldDef(name, type, List.of(validTypes), true, null, false));
    }

    /** A field created through {@code POST /schema/{type}/fields}. */
    FieldDef addCustom(String name, DataType type, List<String> validTypes) {
        FieldDef f = new FieldDef(name, type, validTypes, false, null, true);
        put(f);
        return f;
    }

    private synchronized EntityDef put(FieldDef f) {
        Map<String, FieldDef> next = new LinkedHashMap<>(fields);
        next.put(f.name, f);
        fields = next;
        return this;
    }

    /** Moves a live field to the retired ones (its values stay on the rows, unread). */
    synchronized void retire(String fieldName) {
        Map<String, FieldDef> next = new LinkedHashMap<>(fields);
        FieldDef f = next.remove(fieldName);
        Map<String, FieldDef> nextRetired = new LinkedHashMap<>(retired);
        nextRetired.put(fieldName, f);
        fields = next;
        retired = nextRetired;
    }

    /** Brings a retired field back (with the values the rows kept); false when it is not retired. */
    synchronized boolean revive(String fieldName) {
        Map<String, FieldDef> nextRetired = new LinkedHashMap<>(retired);
        FieldDef f = nextRetired.remove(fieldName);
        if (f == null) {
            return false;
        }
        retired = nextRetired;
        put(f);
        return true;
    }

    /** Back to the fields the simulator started with: custom ones dropped, retired ones back, labels reset. */
    synchronized void resetSchemaChanges() {
        for (String name : List.copyOf(retired.keySet())) {
            revive(name);
        }
        Map<String, FieldDef> next = new LinkedHashMap<>();
        for (FieldDef f : fields.values()) {
            if (!f.custom) {
                f.displayName = null;
                f.description = null;
                next.put(f.name, f);
            }
        }
        fields = next;
    }

    @Override
    public String toString() {
        return name;
    }
}
