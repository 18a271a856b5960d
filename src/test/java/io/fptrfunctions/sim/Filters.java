package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Compiles FPTR filters (array format, hash format, {@code filter[...]} query parameters) into a
 * predicate over stored rows. Compilation resolves every path and coerces every value once, so the
 * per-row test is plain Java comparisons. Text comparisons ignore case, like FPTR.
 */
public final class Filters {

    private static final Map<String, String> NEGATIONS = Map.of(
            "is_not", "is", "not_contains", "contains", "not_in", "in", "type_is_not", "type_is",
            "name_not_contains", "name_contains", "not_between", "between", "not_in_last", "in_last",
            "not_in_next", "in_next");

    private final FptrSimulator sim;
    private final EntityDef root;

    Filters(FptrSimulator sim, EntityDef root) {
        this.sim = sim;
        this.root = root;
    }

    /**
     * {@code [[path, relation, value...], ...]}: an implicit AND and nothing else. A group object in the
     * list (hash-style or the Python API's {@code filter_operator}) is FPTR's 400 (sg-groundtruth 030).
     */
    public Predicate<SimRecord> array(JsonNode filters) {
        if (filters == null || filters.isNull()) {
            return r -> true;
        }
        if (!filters.isArray()) {
            throw SimError.badRequest("Query is not an Array: " + SimJson.rubyInspect(filters));
        }
        List<Predicate<SimRecord>> all = new ArrayList<>();
        for (JsonNode c : filters) {
            if (c.isObject()) {
                throw SimError.badRequest("Invalid filter. Expected array of basic condition arrays but received: "
                        + SimJson.rubyInspect(filters));
            }
            all.add(condition(c));
        }
        return combine("and", all);
    }

    /** {@code {"logical_operator":"and"|"or","conditions":[[...], {...nested...}]}}. */
    public Predicate<SimRecord> hash(JsonNode filters) {
        if (filters == null || filters.isNull()) {
            return r -> true;
        }
        if (!filters.isObject()) {
            throw SimError.badRequest("Query is not an Hash: " + SimJson.rubyInspect(filters));
        }
        JsonNode op = filters.get("logical_operator");
        if (op == null || op.isNull()) {
            throw SimError.badRequest("Missing logical operator: " + SimJson.rubyInspect(filters));
        }
        // only lowercase "and" and "or": "OR", "Or", "xor", "" are FPTR's 400 naming what was sent (sg-groundtruth 030)
        if (!op.isTextual() || !(op.textValue().equals("and") || op.textValue().equals("or"))) {
            throw SimError.badRequest("Invalid logical operator: " + op.asText());
        }
        JsonNode conditions = filters.path("conditions");
        if (!conditions.isArray()) {
            throw SimError.badRequest("Missing conditions parameter: " + SimJson.rubyInspect(filters));
        }
        List<Predicate<SimRecord>> parts = new ArrayList<>();
        for (JsonNode c : conditions) {
            parts.add(c.isObject() ? hash(c) : condition(c));
        }
        return combine(op.asText(), parts);
    }

    /** {@code filter[path]=value} query parameters: each is "is" (a comma list is "in"), all ANDed. */
    public Predicate<SimRecord> query(Map<String, String> params) {
        List<Predicate<SimRecord>> parts = new ArrayList<>();
        for (Map.Entry<String, String> e : params.entrySet()) {
            String v = e.getValue();
            ArrayNode cond = SimJson.array().add(e.getKey());
            if (v.contains(",")) {
                ArrayNode list = SimJson.array();
                for (String s : v.split(",")) {
                    list.add(s);
                }
                cond.add("in").add(list);
            } else {
                cond.add("is").add(v);
            }
            parts.add(condition(cond));
        }
        return combine("and", parts);
    }

    private static Predicate<SimRecord> combine(String op, List<Predicate<SimRecord>> parts) {
        if (parts.isEmpty()) {
            return r -> true;
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        Predicate<SimRecord>[] arr = parts.toArray(Predicate[]::new);
        if (op.equals("or")) {
            return r -> {
                for (Predicate<SimRecord> p : arr) {
                    if (p.test(r)) {
                        return true;
                    }
                }
                return false;
            };
        }
        return r -> {
            for (Predicate<SimRecord> p : arr) {
                if (!p.test(r)) {
                    return false;
                }
            }
            return true;
        };
    }

    private Predicate<SimRecord> condition(JsonNode c) {
        if (c.isObject()) {
            throw SimError.badRequest("Missing logical operator: " + SimJson.rubyInspect(c));
        }
        if (!c.isArray() || c.size() < 2 || !c.get(0).isTextual() || !c.get(1).isTextual()) {
            throw SimError.badRequest("Invalid filter: " + SimJson.rubyInspect(c)
                    + ". A condition is [field, relation, value]");
        }
        if (c.size() > 3) {
            // the shape is fixed at three elements; several values are one list (sg-groundtruth 030, measured in
            // the array format; the hash format's conditions are taken to be read alike)
            throw SimError.badRequest("Invalid condition: " + SimJson.rubyInspect(c));
        }
        String path = c.get(0).textValue();
        String relation = c.get(1).textValue();
        ArrayNode values = SimJson.array();
        if (c.size() == 3 && c.get(2).isArray()) {
            values.addAll((ArrayNode) c.get(2));
        } else if (c.size() == 3) {
            values.add(c.get(2));
        } else {
            values.addNull();
        }
        ObjectNode shown = SimJson.object();
        shown.put("path", path);
        shown.put("relation", relation);
        shown.set("values", values);

        FieldPath fp;
        try {
            fp = FieldPath.parse(sim.schema(), root, path);
        } catch (FieldPath.Unresolved u) {
            String key = u.typeName + "." + u.fieldName;
            ObjectNode source = SimJson.object();
            source.put(key, " does not exist. Value: " + SimJson.rubyInspect(shown));
            throw SimError.fptr(400, 103, "API read() " + key + " doesn't exist.", source, null);
        }
        FieldDef f = fp.terminal();
        String key = fp.terminalType().name + "." + f.name;
        List<String> valid = f.type.relations();
        if (valid.isEmpty()) {
            ObjectNode source = SimJson.object();
            source.put(key, " data type cannot be used in a filter. Value: " + SimJson.rubyInspect(shown));
            throw SimError.fptr(400, 103, "API read() " + key + "'s '" + f.type.fptrName()
                    + "' data type cannot be used in a filter.", source, null);
        }
        if (!valid.contains(relation)) {
            ObjectNode source = SimJson.object();
            StringBuilder list = new StringBuilder("[");
            for (int i = 0; i < valid.size(); i++) {
                list.append(i > 0 ? ", " : "").append('"').append(valid.get(i)).append('"');
            }
            source.put(key, " data type doesn't support '" + relation + "' 'relation'. Value: "
                    + SimJson.rubyInspect(shown) + " Valid relations: " + list.append(']'));
            throw SimError.fptr(400, 103, "API read() " + key + "'s '" + f.type.fptrName()
                    + "' data type doesn't support '" + relation + "' 'relation'", source, null);
        }
        boolean negate = NEGATIONS.containsKey(relation);
        String positive = negate ? NEGATIONS.get(relation) : relation;
        Predicate<Object> test = valueTest(fp, f, positive, values);
        SimStore store = sim.store();
        boolean isId = f.name.equals("id") && !fp.dotted();
        return r -> {
            boolean any;
            if (isId) {
                any = test.test(r.id);
            } else {
                List<Object> reached = fp.values(store, r);
                if (reached.isEmpty()) {
                    any = test.test(null);
                } else {
                    any = false;
                    for (Object v : reached) {
                        if (test.test(v)) {
                            any = true;
                            break;
                        }
                    }
                }
            }
            return negate != any;
        };
    }

    /** The test of one stored value against the (already coerced) filter values. */
    private Predicate<Object> valueTest(FieldPath fp, FieldDef f, String relation, ArrayNode values) {
        DataType t = f.type;
        switch (relation) {
            case "is": {
                Object want = coerce(fp, f, values.get(0));
                return v -> same(t, v, want);
            }
            case "in": {
                List<Object> wants = new ArrayList<>();
                for (JsonNode n : values) {
                    wants.add(coerce(fp, f, n));
                }
                return v -> {
                    for (Object w : wants) {
                        if (same(t, v, w)) {
                            return true;
                        }
                    }
                    return false;
                };
            }
            case "contains":
            case "starts_with":
            case "ends_with": {
                String want = lower(values.get(0).asText());
                return v -> v != null && textMatch(relation, lower(v.toString()), want);
            }
            case "less_than":
            case "greater_than": {
                Object want = coerce(fp, f, values.get(0));
                int sign = relation.equals("less_than") ? -1 : 1;
                return v -> v != null && want != null && Integer.signum(compare(v, want)) == sign;
            }
            case "between": {
                if (values.size() < 2) {
                    throw SimError.badRequest("API read() " + fp.terminalType().name + "." + f.name
                            + " 'between' needs two values");
                }
                Object lo = coerce(fp, f, values.get(0));
                Object hi = coerce(fp, f, values.get(1));
                // A null bound matches nothing, like a null less_than/greater_than.
                return v -> v != null && lo != null && hi != null && compare(v, lo) >= 0 && compare(v, hi) <= 0;
            }
            case "type_is": {
                String want = values.get(0).isNull() ? null : values.get(0).asText();
                return v -> v instanceof EntityRef ref ? ref.type().equals(want) : want == null && v == null;
            }
            case "name_contains":
            case "name_is":
            case "name_starts_with":
            case "name_ends_with": {
                String want = lower(values.get(0).asText());
                SimStore store = sim.store();
                String rel = relation.substring(5);
                return v -> {
                    if (!(v instanceof EntityRef ref)) {
                        return false;
                    }
                    String name = store.displayName(ref);
                    return name != null && (rel.equals("is") ? lower(name).equals(want) : textMatch(rel, lower(name), want));
                };
            }
            case "in_last":
            case "in_next": {
                long n = values.get(0).asLong();
                String unit = values.size() > 1 ? values.get(1).asText("DAY") : "DAY";
                return v -> inWindow(v, relation.equals("in_last"), n, unit);
            }
            default:
                throw SimError.badRequest("API read() relation '" + relation + "' is not supported by the simulator");
        }
    }

    private boolean inWindow(Object v, boolean past, long n, String unit) {
        if (v == null) {
            return false;
        }
        Instant now = sim.now();
        ChronoUnit u = switch (unit.toUpperCase(Locale.ROOT)) {
            case "HOUR", "HOURS" -> ChronoUnit.HOURS;
            case "WEEK", "WEEKS" -> ChronoUnit.WEEKS;
            case "MONTH", "MONTHS" -> ChronoUnit.MONTHS;
            case "YEAR", "YEARS" -> ChronoUnit.YEARS;
            default -> ChronoUnit.DAYS;
        };
        Instant t = v instanceof Instant i ? i : LocalDate.parse(v.toString()).atStartOfDay().toInstant(ZoneOffset.UTC);
        java.time.ZonedDateTime z = now.atZone(ZoneOffset.UTC);
        Instant edge = (past ? z.minus(n, u) : z.plus(n, u)).toInstant();
        return past ? !t.isBefore(edge) && !t.isAfter(now) : !t.isAfter(edge) && !t.isBefore(now);
    }

    private static boolean textMatch(String relation, String have, String want) {
        return switch (relation) {
            case "contains" -> have.contains(want);
            case "starts_with" -> have.startsWith(want);
            case "ends_with" -> have.endsWith(want);
            default -> have.equals(want);
        };
    }

    private static boolean same(DataType t, Object stored, Object want) {
        if (stored == null || want == null) {
            return stored == null && want == null;
        }
        if (stored instanceof String s && want instanceof String w) {
            return s.equalsIgnoreCase(w);
        }
        if (stored instanceof Number a && want instanceof Number b) {
            return a.doubleValue() == b.doubleValue();
        }
        if (stored instanceof JsonNode || want instanceof JsonNode) {
            return Objects.equals(stored.toString(), want.toString());
        }
        return Objects.equals(stored, want) || stored.toString().equalsIgnoreCase(want.toString());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static int compare(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return Double.compare(x.doubleValue(), y.doubleValue());
        }
        if (a instanceof String x && b instanceof String y) {
            return x.compareToIgnoreCase(y);
        }
        if (a instanceof Comparable x && a.getClass().isInstance(b)) {
            return x.compareTo(b);
        }
        return a.toString().compareTo(b.toString());
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** Turns a filter value into the stored representation of the field's data type. */
    private Object coerce(FieldPath fp, FieldDef f, JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        try {
            return switch (f.type) {
                case NUMBER, DURATION, PERCENT -> {
                    if (f.type == DataType.NUMBER && n.isFloatingPointNumber()) {
                        // a number field takes whole numbers only (sg-groundtruth 028), a JSON 2.0 included
                        throw SimError.badRequest("API read() " + fp.terminalType().name + "." + f.name
                                + " expected [String, Integer, NilClass] data type(s) but got Float: " + n.asText());
                    }
                    yield n.isNumber() ? (Object) n.longValue() : Long.parseLong(n.asText().trim());
                }
                case FLOAT -> n.isNumber() ? n.doubleValue() : Double.parseDouble(n.asText().trim());
                case CHECKBOX -> n.isBoolean() ? n.booleanValue() : Boolean.parseBoolean(n.asText());
                case DATE_TIME -> SimJson.parseInstant(n.asText());
                case DATE -> LocalDate.parse(n.asText().substring(0, Math.min(10, n.asText().length()))).toString();
                case ENTITY, MULTI_ENTITY -> entityValue(fp, f, n);
                default -> n.isTextual() ? n.textValue() : n.isObject() ? n : n.asText();
            };
        } catch (SimError e) {
            throw e;
        } catch (RuntimeException e) {
            throw SimError.badRequest("API read() " + fp.terminalType().name + "." + f.name + " can't use "
                    + SimJson.rubyInspect(n) + " as a '" + f.type.fptrName() + "' value");
        }
    }

    private EntityRef entityValue(FieldPath fp, FieldDef f, JsonNode n) {
        if (!n.isObject()) {
            throw SimError.badRequest("API read() " + fp.terminalType().name + "." + f.name
                    + " expected [Hash, NilClass] data type(s) but got " + (n.isNumber() ? "Integer" : "String")
                    + ": " + SimJson.rubyInspect(n));
        }
        if (!n.path("type").isTextual() || sim.schema().byName(n.path("type").asText()) == null) {
            throw SimError.badRequest("API read() invalid/missing entity hash string 'type': " + SimJson.rubyInspect(n));
        }
        if (!n.path("id").canConvertToLong() && !n.path("id").asText().matches("\\d+")) {
            throw SimError.badRequest("API read() invalid/missing entity hash string 'id': " + SimJson.rubyInspect(n));
        }
        return new EntityRef(n.path("type").asText(), n.path("id").asLong());
    }
}
