package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.http.ProblemException;

import java.util.Iterator;
import java.util.Set;

/**
 * Checks the shape of a caller's raw FPTR filter before it is sent, so a malformed one is our 400 that
 * points at the bad part instead of FPTR's terse "Missing logical operator". Field names and operators
 * are left to FPTR, which knows the schema; its refusal comes back as a 400 with FPTR's error attached.
 */
final class FilterShape {

    private static final Set<String> GROUP_KEYS = Set.of("logical_operator", "conditions");

    private FilterShape() {
    }

    /**
     * Returns the filter as an api3 hash group. Accepts the hash format {@code {"logical_operator",
     * "conditions"}} and, as the Python API writes them, a plain list of conditions (ANDed).
     */
    static ObjectNode check(String key, JsonNode filter) {
        ObjectNode group;
        if (filter.isArray()) {
            group = JsonNodeFactory.instance.objectNode();
            group.put("logical_operator", "and");
            group.set("conditions", conditions(key, (ArrayNode) filter));
        } else {
            group = group(key, filter);
        }
        if (group.get("conditions").isEmpty()) {
            // An empty group matches every Note: as a criterion it would mean "all notes of the site".
            throw bad(key, "has no condition; leave it out, or give at least one condition");
        }
        return group;
    }

    private static ObjectNode group(String key, JsonNode node) {
        if (!node.isObject()) {
            throw bad(key, "must be an FPTR hash filter {\"logical_operator\": \"and\"|\"or\", \"conditions\": [...]} or a list of conditions");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!GROUP_KEYS.contains(name)) {
                throw bad(key + "." + name, "is not part of a filter group, which has only logical_operator and conditions");
            }
        }
        JsonNode op = node.get("logical_operator");
        if (op == null || !op.isTextual() || !(op.textValue().equals("and") || op.textValue().equals("or"))) {
            throw bad(key + ".logical_operator", "must be \"and\" or \"or\"");
        }
        JsonNode conditions = node.get("conditions");
        if (conditions == null || !conditions.isArray()) {
            throw bad(key + ".conditions", "must be a list of conditions [field, operator, value] or nested groups");
        }
        ObjectNode group = JsonNodeFactory.instance.objectNode();
        group.put("logical_operator", op.textValue());
        group.set("conditions", conditions(key + ".conditions", (ArrayNode) conditions));
        return group;
    }

    private static ArrayNode conditions(String key, ArrayNode list) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < list.size(); i++) {
            String at = key + "[" + i + "]";
            JsonNode c = list.get(i);
            if (c.isObject()) {
                out.add(group(at, c));
            } else if (c.isArray() && c.size() >= 3 && c.get(0).isTextual() && !c.get(0).textValue().isBlank()
                    && c.get(1).isTextual() && !c.get(1).textValue().isBlank()) {
                out.add(c.deepCopy());
            } else {
                throw bad(at, "must be a condition [field, operator, value] (e.g. [\"sg_status_list\", \"is\", \"opn\"]) or a nested group");
            }
        }
        return out;
    }

    private static ProblemException bad(String key, String what) {
        return ProblemException.badRequest(key + " " + what + ".").with("key", key);
    }
}
