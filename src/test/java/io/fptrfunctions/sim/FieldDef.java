package io.fptrfunctions.sim;

import java.util.List;
import java.util.function.Function;

/**
 * One field of an entity type. {@code createDefault} (may be null) gives the value FPTR sets on create
 * when the caller sends none; such fields are echoed in the create answer, like {@code code} "New Asset 12".
 */
public final class FieldDef {

    public final String name;
    public final DataType type;
    /** For entity/multi_entity: the entity types a link may point to. */
    public final List<String> validTypes;
    /** Server-managed (id, created_at, cached_display_name...): writes are ignored. */
    public final boolean serverManaged;
    final Function<SimRecord, Object> createDefault;
    /** Created through the schema API (dropped by a reset). */
    final boolean custom;
    /** The schema's {@code name} (display name) and {@code description} when set through the schema API; null: the defaults. */
    volatile String displayName;
    volatile String description;

    FieldDef(String name, DataType type, List<String> validTypes, boolean serverManaged,
             Function<SimRecord, Object> createDefault, boolean custom) {
        this.name = name;
        this.type = type;
        this.validTypes = validTypes;
        this.serverManaged = serverManaged;
        this.createDefault = createDefault;
        this.custom = custom;
    }

    public boolean acceptsType(String entityType) {
        return validTypes.isEmpty() || validTypes.contains(entityType);
    }

    @Override
    public String toString() {
        return name + ":" + type.fptrName();
    }
}
