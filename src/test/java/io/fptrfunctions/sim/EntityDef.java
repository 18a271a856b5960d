package io.fptrfunctions.sim;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** An entity type of the simulated site: its name, plural slug, display field and fields. */
public final class EntityDef {

    public final String name;
    public final String slug;
    /** The field whose value is the record's display name ({@code cached_display_name}). */
    public final String displayField;
    public final boolean projectScoped;
    private final Map<String, FieldDef> fields = new LinkedHashMap<>();

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

    /** Adds (or replaces) a field; extensions may add their own fields to the schema. */
    public EntityDef add(String name, DataType type, String... validTypes) {
        fields.put(name, new FieldDef(name, type, List.of(validTypes), false, null));
        return this;
    }

    public EntityDef addWithDefault(String name, DataType type, Function<SimRecord, Object> createDefault) {
        fields.put(name, new FieldDef(name, type, List.of(), false, createDefault));
        return this;
    }

    EntityDef addServer(String name, DataType type, String... validTypes) {
        fields.put(name, new FieldDef(name, type, List.of(validTypes), true, null));
        return this;
    }

    @Override
    public String toString() {
        return name;
    }
}
