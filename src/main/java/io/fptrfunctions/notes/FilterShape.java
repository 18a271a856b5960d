package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.fptr.FptrFilter;
import io.fptrfunctions.http.Input;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks the shape of a caller's raw FPTR filter before it is sent, so a malformed one is our 400 that
 * points at the bad part instead of FPTR's terse "Missing logical operator". Field names and operators
 * are left to FPTR, which knows the schema; its refusal comes back as a 400 with FPTR's error attached.
 */
final class FilterShape {

    private static final List<String> GROUP_KEYS = List.of("logical_operator", "conditions");

    private FilterShape() {
    }

    /**
     * Returns the filter as an api3 hash group. Accepts the hash format {@code {"logical_operator",
     * "conditions"}} and, as the Python API writes them, a plain list of conditions (ANDed).
     */
    static ObjectNode check(Input filter) {
        ObjectNode group = filter.node().isArray() ? FptrFilter.group("and", conditions(filter)) : group(filter);
        if (group.get("conditions").isEmpty()) {
            // An empty group matches every Note: as a criterion it would mean "all notes of the site".
            throw filter.invalid(filter.name() + " has no condition; leave it out, or give at least one condition.");
        }
        return group;
    }

    private static ObjectNode group(Input node) {
        if (!node.node().isObject()) {
            throw node.invalid(node.name() + " must be an FPTR hash filter {\"logical_operator\": \"and\"|\"or\", "
                    + "\"conditions\": [...]} or a list of conditions.");
        }
        node.onlyKeys(GROUP_KEYS, "A filter group has only logical_operator and conditions.");
        Input op = node.member("logical_operator");
        String operator = op.node().isTextual() ? op.node().textValue() : null;
        if (!"and".equals(operator) && !"or".equals(operator)) {
            throw op.invalid(op.name() + " must be \"and\" or \"or\".");
        }
        Input conditions = node.member("conditions");
        if (!conditions.node().isArray()) {
            throw conditions.invalid(conditions.name() + " must be a list of conditions [field, operator, value] or nested groups.");
        }
        return FptrFilter.group(operator, conditions(conditions));
    }

    private static List<JsonNode> conditions(Input list) {
        List<JsonNode> out = new ArrayList<>();
        for (Input item : list.list()) {
            JsonNode c = item.node();
            if (c.isObject()) {
                out.add(group(item));
            } else if (c.isArray() && c.size() >= 3 && c.get(0).isTextual() && !c.get(0).textValue().isBlank()
                    && c.get(1).isTextual() && !c.get(1).textValue().isBlank()) {
                out.add(c.deepCopy());
            } else {
                throw item.invalid(item.name() + " must be a condition [field, operator, value] (e.g. "
                        + "[\"sg_status_list\", \"is\", \"opn\"]) or a nested group.");
            }
        }
        return out;
    }
}
