package io.fptrfunctions.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

import java.math.BigInteger;
import java.util.List;
import java.util.Random;

/**
 * Arbitrary JSON for the property tests of the request readers: any shape, with a bias towards what
 * breaks readers (the keys they know, values of almost the right type, names of thousands of dots or
 * commas, control characters, lone surrogates, huge numbers, deep nesting within the body's limit) so
 * that the deeper paths of each reader run too, not only its first refusal.
 */
public final class HostileJson {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** Values a reader might take for something: names, paths, dates, ids, words. */
    private static final List<String> PLAUSIBLE = List.of("sg_status_list", "project.Project.name", "note_links.Shot.code",
            "-created_at,id", "id", "2026-01-01", "2026-01-01T09:00:00Z", "2026-01-01T09:00:00", "Shot", "Version", "versions",
            "sh010", "opn", "is", "in", "contains", "greater_than", "and", "or", "jdoe", "Jane Doe", "/mnt/projects/a/b.mov",
            "P:\\demo\\a.mov", "\\\\server\\share\\a.mov", "a/b.mov", "primary", "video/quicktime", "https://x.example/a.mov",
            "original", "thumbnail", "linux", "windows", "mac", "Note", "image", "sha1=" + "0".repeat(40), "7001", "0", "-1");

    private HostileJson() {
    }

    /** A JSON object whose keys are mostly {@code keys}, with arbitrary values. */
    public static Arbitrary<JsonNode> objects(List<String> keys) {
        return Arbitraries.randomValue(random -> object(random, keys, 0, new Budget()));
    }

    /** Any JSON value. */
    public static Arbitrary<JsonNode> values() {
        return Arbitraries.randomValue(random -> value(random, List.of(), 0, new Budget()));
    }

    /** Strings a path, a query parameter or a header might be sent as. */
    public static Arbitrary<String> strings() {
        return Arbitraries.randomValue(HostileJson::string);
    }

    /** What one generated document may still hold: about a body's limit, so a try never needs much memory. */
    private static final class Budget {
        int nodes = 20_000;
        int chars = ApiRequest.MAX_JSON_BODY_BYTES;

        boolean spend(int nodeCount, int charCount) {
            nodes -= nodeCount;
            chars -= charCount;
            return nodes > 0 && chars > 0;
        }
    }

    private static ObjectNode object(Random random, List<String> keys, int depth, Budget budget) {
        ObjectNode o = JSON.objectNode();
        int members = random.nextInt(10) == 0 ? 50 + random.nextInt(200) : random.nextInt(6);
        for (int i = 0; i < members && budget.spend(1, 0); i++) {
            String key = !keys.isEmpty() && random.nextInt(4) > 0 ? keys.get(random.nextInt(keys.size())) : string(random);
            if (!budget.spend(0, key.length())) {
                break;
            }
            o.set(key, value(random, keys, depth + 1, budget));
        }
        return o;
    }

    private static JsonNode value(Random random, List<String> keys, int depth, Budget budget) {
        if (!budget.spend(1, 0)) {
            return JSON.nullNode();
        }
        if (depth > 2 && random.nextInt(20) == 0) {
            return deep(random, ApiRequest.MAX_JSON_DEPTH - depth);
        }
        int kind = depth > 6 ? random.nextInt(6) : random.nextInt(9);
        return switch (kind) {
            case 0 -> JSON.nullNode();
            case 1 -> JSON.booleanNode(random.nextBoolean());
            case 2 -> number(random);
            case 3, 4 -> {
                String text = string(random);
                yield budget.spend(0, text.length()) ? JSON.textNode(text) : JSON.textNode("");
            }
            case 5 -> JSON.textNode(PLAUSIBLE.get(random.nextInt(PLAUSIBLE.size())));
            case 6 -> object(random, keys, depth, budget);
            default -> {
                ArrayNode a = JSON.arrayNode();
                int items = random.nextInt(12) == 0 ? 100 + random.nextInt(2000) : random.nextInt(5);
                for (int i = 0; i < items && budget.spend(1, 0); i++) {
                    a.add(value(random, keys, depth + 1, budget));
                }
                yield a;
            }
        };
    }

    private static JsonNode deep(Random random, int levels) {
        JsonNode inner = JSON.textNode("bottom");
        for (int i = 0; i < Math.max(0, levels); i++) {
            inner = random.nextBoolean() ? JSON.arrayNode().add(inner) : JSON.objectNode().set("conditions", inner);
        }
        return inner;
    }

    private static JsonNode number(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> JSON.numberNode(random.nextInt());
            case 1 -> JSON.numberNode(random.nextLong());
            case 2 -> JSON.numberNode(random.nextDouble() * 1e6);
            case 3 -> JSON.numberNode(new BigInteger("9".repeat(1 + random.nextInt(ApiRequest.MAX_JSON_NUMBER_LENGTH))));
            case 4 -> JSON.numberNode(random.nextInt(10));
            default -> JSON.numberNode(-random.nextInt(100));
        };
    }

    /** A string as a hostile caller writes one. */
    static String string(Random random) {
        int n = random.nextInt(12) == 0 ? 1000 + random.nextInt(30_000) : random.nextInt(20);
        return switch (random.nextInt(10)) {
            case 0 -> "a" + ".A.a".repeat(n / 4 + 1);
            case 1 -> ",a".repeat(n + 1);
            case 2 -> ".".repeat(n + 1);
            case 3 -> "/".repeat(n + 1) + "x";
            case 4 -> "\\\\".repeat(n / 2 + 1) + "x";
            case 5 -> PLAUSIBLE.get(random.nextInt(PLAUSIBLE.size())) + ".".repeat(random.nextInt(3)) + ",".repeat(random.nextInt(3));
            case 6 -> random.ints(n, 0, 0x20).collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
            case 7 -> "\uD800" + "é漢".repeat(n + 1) + "\uDFFF";
            case 8 -> " ".repeat(random.nextInt(3)) + random.ints(n, 'A', 'z' + 1)
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append) + " ".repeat(random.nextInt(3));
            default -> String.valueOf(random.nextLong());
        };
    }
}
