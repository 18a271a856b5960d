package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * FPTR's api3 hash filters ({@code application/vnd+shotgun.api3_hash+json}), built as JSON:
 * {@code {"logical_operator": "and"|"or", "conditions": [[path, operator, value], {nested group}...]}}
 * and entity values {@code {"type", "id"}}.
 */
public final class FptrFilter {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private FptrFilter() {
    }

    /** {@code [path, operator, value]}, e.g. {@code ["sg_status_list", "is", "opn"]}. */
    public static ArrayNode condition(String path, String operator, JsonNode value) {
        ArrayNode c = JSON.arrayNode();
        c.add(path);
        c.add(operator);
        c.add(value);
        return c;
    }

    public static ArrayNode condition(String path, String operator, String value) {
        return condition(path, operator, JSON.textNode(value));
    }

    /** Every condition holds. */
    public static ObjectNode and(JsonNode... conditions) {
        return group("and", List.of(conditions));
    }

    /** Any condition holds. */
    public static ObjectNode or(JsonNode... conditions) {
        return group("or", List.of(conditions));
    }

    public static ObjectNode group(String operator, List<? extends JsonNode> conditions) {
        ObjectNode g = JSON.objectNode();
        g.put("logical_operator", operator);
        ArrayNode list = g.putArray("conditions");
        conditions.forEach(list::add);
        return g;
    }

    /**
     * {@code filter} (null: every record) narrowed to ids greater than {@code afterId}, for reading in id order
     * page after page ({@link FptrPager#readInIdOrder}); {@code filter} itself for 0.
     */
    public static JsonNode afterId(JsonNode filter, long afterId) {
        JsonNode base = filter == null ? all() : filter;
        return afterId <= 0 ? base : and(base, condition("id", "greater_than", JSON.numberNode(afterId)));
    }

    /** The filter every record matches: an empty {@code and}. */
    public static ObjectNode all() {
        return group("and", List.of());
    }

    /** An entity value {@code {"type": "Project", "id": 70}}. */
    public static ObjectNode entity(String type, long id) {
        ObjectNode e = JSON.objectNode();
        e.put("type", type);
        e.put("id", id);
        return e;
    }

    /** A list value for {@code in}: {@code ["opn", "ip"]}. */
    public static ArrayNode values(List<String> values) {
        ArrayNode a = JSON.arrayNode();
        values.forEach(a::add);
        return a;
    }
}
