package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.fptr.FptrFilter;
import io.fptrfunctions.fptr.FptrNames;
import io.fptrfunctions.http.Input;
import io.fptrfunctions.http.ProblemException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks the shape of a caller's raw FPTR filter before it is sent, so a malformed one is our 400 that
 * points at the bad part instead of FPTR's terse "Missing logical operator". Each condition's field must
 * be a field name or dotted path and its operator a word ({@code is}, {@code in}, {@code greater_than}):
 * whether FPTR knows them is left to FPTR, which knows the schema; its refusal comes back as a 400 with
 * FPTR's error attached. The filter is bounded (README "Limits") so that neither we nor FPTR work on a
 * filter of thousands of groups or a value of megabytes: FPTR echoes what it refuses.
 */
final class FilterShape {

    /** Groups inside groups. */
    static final int MAX_DEPTH = 8;
    /** Conditions in the whole filter. */
    static final int MAX_CONDITIONS = 200;
    /** Items in a list value ({@code ["id", "in", [...]]}), or values after the operator. */
    static final int MAX_VALUES = 1000;
    /** A string value. */
    static final int MAX_STRING = 1000;
    /** An operator: FPTR's are short lower-case words. */
    static final int MAX_OPERATOR = 32;
    /** Nesting inside one value: {@code [{"type": "Shot", "id": 1}]} is 2. */
    private static final int MAX_VALUE_DEPTH = 3;

    /** How a group is written: its two keys, and its operators as FPTR's ("and", "or"). */
    private record GroupSyntax(String operatorKey, String listKey, Map<String, String> operators, String quoted) {
    }

    /** api3's hash group. */
    private static final GroupSyntax HASH = new GroupSyntax("logical_operator", "conditions",
            Map.of("and", "and", "or", "or"), "\"and\" or \"or\"");
    /**
     * A group as the Python API writes it inside a list: {@code {"filter_operator": "any"|"all", "filters": [...]}};
     * shotgun_api3 takes "and" and "or" there too ({@code _translate_filters_dict}), so a copied filter may use either.
     */
    private static final GroupSyntax PYTHON = new GroupSyntax("filter_operator", "filters",
            Map.of("all", "and", "and", "and", "any", "or", "or", "or"), "\"any\" or \"all\" (or \"or\", \"and\")");

    private FilterShape() {
    }

    /**
     * Returns the filter as an api3 hash group. Accepts the hash format {@code {"logical_operator",
     * "conditions"}} and, as the Python API writes them, a plain list of conditions (ANDed) whose groups are
     * {@code {"filter_operator": "any"|"all", "filters": [...]}} ("or" and "and" too, as the Python API takes them),
     * sent to FPTR as "or"/"and" groups (REST's list filters take no group at all).
     */
    static ObjectNode check(Input filter) {
        int[] conditions = {0};
        ObjectNode group = filter.node().isArray()
                ? FptrFilter.group("and", conditions(filter, 1, conditions))
                : group(filter, 1, conditions, HASH);
        if (group.get("conditions").isEmpty()) {
            throw noCondition(filter);
        }
        return group;
    }

    private static ObjectNode group(Input node, int depth, int[] count, GroupSyntax syntax) {
        if (!node.node().isObject()) {
            throw node.invalid(node.name() + " must be an FPTR hash filter {\"logical_operator\": \"and\"|\"or\", "
                    + "\"conditions\": [...]} or a list of conditions.");
        }
        if (depth > MAX_DEPTH) {
            throw node.invalid(node.name() + " nests groups deeper than " + MAX_DEPTH + " levels.");
        }
        node.onlyKeys(List.of(syntax.operatorKey(), syntax.listKey()),
                "A filter group has only " + syntax.operatorKey() + " and " + syntax.listKey() + ".");
        Input op = node.member(syntax.operatorKey());
        String operator = op.node().isTextual() ? syntax.operators().get(op.node().textValue()) : null;
        if (operator == null) {
            throw op.invalid(op.name() + " must be " + syntax.quoted() + ".");
        }
        Input conditions = node.member(syntax.listKey());
        if (!conditions.node().isArray()) {
            throw conditions.invalid(conditions.name() + " must be a list of conditions [field, operator, value] or nested groups.");
        }
        List<JsonNode> inner = conditions(conditions, depth, count);
        if (inner.isEmpty()) {
            throw noCondition(node);
        }
        return FptrFilter.group(operator, inner);
    }

    /** An empty group matches every Note: as a criterion, or inside an "or", it would mean "all notes of the site". */
    private static ProblemException noCondition(Input group) {
        return group.invalid(group.name() + " has no condition; leave it out, or give at least one condition.");
    }

    private static List<JsonNode> conditions(Input list, int depth, int[] count) {
        List<JsonNode> out = new ArrayList<>();
        for (Input item : list.list()) {
            if (++count[0] > MAX_CONDITIONS) {
                throw item.invalid("The filter has more than " + MAX_CONDITIONS + " conditions and groups.");
            }
            JsonNode c = item.node();
            if (c.isObject()) {
                out.add(group(item, depth + 1, count, c.has(PYTHON.operatorKey()) ? PYTHON : HASH));
            } else if (c.isArray() && c.size() >= 3) {
                out.add(condition(item));
            } else {
                throw item.invalid(item.name() + " must be a condition [field, operator, value] (e.g. "
                        + "[\"sg_status_list\", \"is\", \"opn\"]) or a nested group.");
            }
        }
        return out;
    }

    /**
     * {@code [field, operator, value...]}: a field path, a word, then bounded values. Several values after the operator
     * ({@code ["id", "between", 1, 9]}, as the Python API takes them) are sent as one list, as shotgun_api3 sends them
     * ({@code _translate_filters_simple}): FPTR's REST refuses a condition of more than three elements (sg-groundtruth 030).
     */
    private static JsonNode condition(Input condition) {
        List<Input> parts = condition.list(2 + MAX_VALUES);
        Input field = parts.get(0);
        if (!field.node().isTextual() || !FptrNames.isFieldPath(field.node().textValue())) {
            throw field.invalid(field.name() + " must be a field name or a dotted path of at most " + FptrNames.MAX_PATH_HOPS
                    + " links (e.g. \"sg_status_list\", \"project.Project.name\"), not " + Input.describe(field.node()) + ".");
        }
        Input operator = parts.get(1);
        if (!operator.node().isTextual() || !isOperator(operator.node().textValue())) {
            throw operator.invalid(operator.name() + " must be an FPTR operator such as \"is\", \"in\", \"contains\" or "
                    + "\"greater_than\" (lower-case letters and '_', at most " + MAX_OPERATOR + "), not "
                    + Input.describe(operator.node()) + ".");
        }
        for (int i = 2; i < parts.size(); i++) {
            value(parts.get(i), 1);
        }
        if (parts.size() == 3) {
            return condition.node().deepCopy();
        }
        ArrayNode values = JsonNodeFactory.instance.arrayNode();
        parts.subList(2, parts.size()).forEach(v -> values.add(v.node().deepCopy()));
        return FptrFilter.condition(field.node().textValue(), operator.node().textValue(), values);
    }

    private static void value(Input value, int depth) {
        JsonNode v = value.node();
        if (v.isTextual() && v.textValue().length() > MAX_STRING) {
            throw value.invalid(value.name() + " is longer than " + MAX_STRING + " characters.");
        }
        if (v.isContainerNode()) {
            if (depth > MAX_VALUE_DEPTH) {
                throw value.invalid(value.name() + " nests deeper than a filter value may (" + MAX_VALUE_DEPTH + " levels).");
            }
            if (v.size() > MAX_VALUES) {
                throw value.invalid(value.name() + " has " + v.size() + " items; at most " + MAX_VALUES + " are allowed.");
            }
            if (v.isArray()) {
                value.list().forEach(item -> value(item, depth + 1));
            } else {
                v.fieldNames().forEachRemaining(key -> {
                    if (key.length() > FptrNames.MAX_NAME_LENGTH) {
                        throw value.invalid(value.name() + " has a key longer than " + FptrNames.MAX_NAME_LENGTH + " characters.");
                    }
                    value(value.member(key), depth + 1);
                });
            }
        }
    }

    private static boolean isOperator(String word) {
        if (word.isEmpty() || word.length() > MAX_OPERATOR) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (!(c >= 'a' && c <= 'z') && c != '_') {
                return false;
            }
        }
        return true;
    }
}
