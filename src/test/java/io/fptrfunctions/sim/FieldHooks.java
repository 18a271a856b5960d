package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.EnumMap;
import java.util.Map;

/**
 * Per data type write and read hooks. The defaults ({@link FieldCodecs}) convert JSON to stored values
 * and back; extensions replace them for their types (e.g. url fields matched against LocalStorages,
 * image fields served as storage URLs) with {@link #onWrite} / {@link #onRead}.
 */
public final class FieldHooks {

    /** Turns a JSON value written to a field into the stored value (null clears). Throw {@link SimError} to refuse. */
    @FunctionalInterface
    public interface WriteHook {
        Object write(FieldWrite write);
    }

    /** Renders a stored value (never null here) as the JSON FPTR returns for it. */
    @FunctionalInterface
    public interface ReadHook {
        JsonNode read(FieldRead read);
    }

    /** What a write hook gets. {@code operation} is "create" or "update"; {@code previous} the old stored value. */
    public record FieldWrite(FptrSimulator sim, EntityDef entity, FieldDef field, long recordId, String operation,
                             JsonNode value, Object previous, EntityRef user) {
        public SimStore store() {
            return sim.store();
        }

        /** FPTR's error for a bad value of this field. */
        public SimError invalid(String why) {
            return SimError.badRequest("API " + operation + "() " + entity.name + "." + field.name + " " + why);
        }
    }

    /** What a read hook gets: the stored value and how the answer is being rendered. */
    public record FieldRead(FptrSimulator sim, EntityDef entity, FieldDef field, SimRecord record, Object stored,
                            RenderContext context) {
    }

    private final Map<DataType, WriteHook> writers = new EnumMap<>(DataType.class);
    private final Map<DataType, ReadHook> readers = new EnumMap<>(DataType.class);

    FieldHooks() {
        for (DataType t : DataType.values()) {
            writers.put(t, FieldCodecs::write);
            readers.put(t, FieldCodecs::read);
        }
    }

    public synchronized void onWrite(DataType type, WriteHook hook) {
        writers.put(type, hook);
    }

    public synchronized void onRead(DataType type, ReadHook hook) {
        readers.put(type, hook);
    }

    synchronized WriteHook writer(DataType type) {
        return writers.get(type);
    }

    synchronized ReadHook reader(DataType type) {
        return readers.get(type);
    }
}
