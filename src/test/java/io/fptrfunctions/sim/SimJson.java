package io.fptrfunctions.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.Map;

/** JSON and formatting helpers shared by the simulator. */
public final class SimJson {

    public static final ObjectMapper MAPPER = new ObjectMapper();
    public static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Read responses: {@code 2021-06-16T08:55:23Z}. */
    private static final DateTimeFormatter READ_STYLE =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    /** Create responses: {@code 2021-06-16 08:55:04 UTC} (FPTR really answers creates this way). */
    private static final DateTimeFormatter CREATE_STYLE =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private SimJson() {
    }

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    public static ArrayNode array() {
        return NODES.arrayNode();
    }

    public static JsonNode parse(byte[] body) throws IOException {
        return MAPPER.readTree(body);
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String readStyle(Instant t) {
        return READ_STYLE.format(t.truncatedTo(ChronoUnit.SECONDS));
    }

    public static String createStyle(Instant t) {
        return CREATE_STYLE.format(t.truncatedTo(ChronoUnit.SECONDS));
    }

    /** Parses the timestamp spellings FPTR accepts and emits (ISO, create style, date only). */
    public static Instant parseInstant(String s) {
        String v = s.trim();
        if (v.endsWith(" UTC")) {
            v = v.substring(0, v.length() - 4).replace(' ', 'T') + "Z";
        }
        if (v.length() == 10) {
            v = v + "T00:00:00Z";
        }
        try {
            return Instant.parse(v);
        } catch (RuntimeException e) {
            return java.time.OffsetDateTime.parse(v).toInstant();
        }
    }

    /** Form-style encoding as FPTR's links use it ({@code *} → {@code %2A}, brackets encoded). */
    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("*", "%2A");
    }

    /** The Ruby class name FPTR's validation errors name for a JSON value. */
    static String rubyClass(JsonNode n) {
        if (n.isIntegralNumber()) {
            return "Integer";
        }
        if (n.isNumber()) {
            return "Float";
        }
        if (n.isTextual()) {
            return "String";
        }
        if (n.isBoolean()) {
            return n.booleanValue() ? "TrueClass" : "FalseClass";
        }
        if (n.isArray()) {
            return "Array";
        }
        return "Hash";
    }


    /**
     * Ruby's {@code Hash#inspect} spelling of a JSON value, which FPTR echoes in its filter errors
     * (e.g. {@code {"path"=>"code", "relation"=>"is", "values"=>["NOPE"]}}).
     */
    public static String rubyInspect(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return "nil";
        }
        if (n.isTextual()) {
            return n.toString();
        }
        if (n.isArray()) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < n.size(); i++) {
                if (i > 0) {
                    b.append(", ");
                }
                b.append(rubyInspect(n.get(i)));
            }
            return b.append(']').toString();
        }
        if (n.isObject()) {
            StringBuilder b = new StringBuilder("{");
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            boolean first = true;
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!first) {
                    b.append(", ");
                }
                first = false;
                b.append(NODES.textNode(e.getKey()).toString()).append("=>").append(rubyInspect(e.getValue()));
            }
            return b.append('}').toString();
        }
        return n.asText();
    }
}
