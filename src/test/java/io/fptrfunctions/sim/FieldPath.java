package io.fptrfunctions.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * A field name or a dotted path through entity links, e.g. {@code note_links.Shot.sg_sequence.Sequence.code}:
 * field {@code note_links} of the root type, then only linked {@code Shot}s, their {@code sg_sequence},
 * then only {@code Sequence}s, their {@code code}.
 */
public final class FieldPath {

    public final String raw;
    /** types.get(i) owns fields.get(i); types.get(0) is the root. */
    final List<EntityDef> types;
    final List<FieldDef> fields;

    private FieldPath(String raw, List<EntityDef> types, List<FieldDef> fields) {
        this.raw = raw;
        this.types = types;
        this.fields = fields;
    }

    public FieldDef terminal() {
        return fields.get(fields.size() - 1);
    }

    public EntityDef terminalType() {
        return types.get(types.size() - 1);
    }

    public boolean dotted() {
        return fields.size() > 1;
    }

    /** True when a hop goes through a multi_entity field (FPTR drops such paths from read answers). */
    public boolean throughMultiEntity() {
        for (int i = 0; i < fields.size() - 1; i++) {
            if (fields.get(i).type == DataType.MULTI_ENTITY) {
                return true;
            }
        }
        return false;
    }

    /** The unresolvable part of a path, as FPTR names it in errors ({@code Asset.not_existing_field}). */
    public static final class Unresolved extends Exception {
        public final String typeName;
        public final String fieldName;

        Unresolved(String typeName, String fieldName) {
            super(typeName + "." + fieldName, null, false, false);
            this.typeName = typeName;
            this.fieldName = fieldName;
        }
    }

    public static FieldPath parse(SimSchema schema, EntityDef root, String raw) throws Unresolved {
        String[] parts = raw.split("\\.", -1);
        List<EntityDef> types = new ArrayList<>();
        List<FieldDef> fields = new ArrayList<>();
        EntityDef current = root;
        for (int i = 0; i < parts.length; i += 2) {
            FieldDef f = current.field(parts[i]);
            if (f == null) {
                throw new Unresolved(current.name, parts[i]);
            }
            types.add(current);
            fields.add(f);
            if (i + 1 < parts.length) {
                if (!f.type.isLink() || i + 2 >= parts.length) {
                    throw new Unresolved(current.name, String.join(".", java.util.Arrays.copyOfRange(parts, i, parts.length)));
                }
                EntityDef next = schema.byName(parts[i + 1]);
                if (next == null) {
                    throw new Unresolved(current.name, String.join(".", java.util.Arrays.copyOfRange(parts, i, parts.length)));
                }
                current = next;
            }
        }
        return new FieldPath(raw, types, fields);
    }

    /**
     * The stored values the path reaches from a row: one value for a plain field; for a dotted path every
     * terminal value over every linked row of the named type. A multi_entity terminal contributes its
     * elements. Empty when nothing is reached.
     */
    public List<Object> values(SimStore store, SimRecord row) {
        List<SimRecord> current = List.of(row);
        for (int i = 0; i < fields.size() - 1; i++) {
            FieldDef hop = fields.get(i);
            String wantType = types.get(i + 1).name;
            List<SimRecord> next = new ArrayList<>();
            for (SimRecord r : current) {
                Object v = r.get(hop.name);
                if (v instanceof EntityRef ref) {
                    addIfType(store, ref, wantType, next);
                } else if (v instanceof List<?> list) {
                    for (Object o : list) {
                        if (o instanceof EntityRef ref) {
                            addIfType(store, ref, wantType, next);
                        }
                    }
                }
            }
            current = next;
        }
        String last = terminal().name;
        List<Object> out = new ArrayList<>(current.size());
        for (SimRecord r : current) {
            Object v = r.get(last);
            if (v instanceof List<?> list) {
                out.addAll(list);
            } else {
                out.add(v);
            }
        }
        return out;
    }

    /** For reads: the single row at the end of the single-entity hops, or null. */
    public SimRecord lastRow(SimStore store, SimRecord row) {
        SimRecord r = row;
        for (int i = 0; i < fields.size() - 1 && r != null; i++) {
            Object v = r.get(fields.get(i).name);
            if (v instanceof EntityRef ref && ref.type().equals(types.get(i + 1).name)) {
                r = store.get(ref.type(), ref.id());
            } else {
                r = null;
            }
        }
        return r;
    }

    private static void addIfType(SimStore store, EntityRef ref, String type, List<SimRecord> into) {
        if (ref.type().equals(type)) {
            SimRecord target = store.get(ref.type(), ref.id());
            if (target != null) {
                into.add(target);
            }
        }
    }
}
