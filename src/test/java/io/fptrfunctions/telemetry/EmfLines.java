package io.fptrfunctions.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The metrics lines the functions print while it is open: stdout is teed (what a Lambda function prints
 * there is what CloudWatch Logs receives), and every line that is an EMF document is parsed and checked
 * against CloudWatch's Embedded Metric Format specification (the root, {@code _aws}, its directives, the
 * members they name) before a test reads its values.
 */
public final class EmfLines implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** CloudWatch namespaces: letters, digits, . - _ / # :, 1 to 255, not AWS's own. */
    private static final Pattern NAMESPACE = Pattern.compile("(?!AWS/)[A-Za-z0-9._#:/-]{1,255}");
    /** CloudWatch's StandardUnit names. */
    private static final Set<String> UNITS = Set.of("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
            "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent",
            "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
            "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None");

    private final PrintStream original = System.out;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private EmfLines() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                synchronized (captured) {
                    captured.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                synchronized (captured) {
                    captured.write(b, off, len);
                }
            }
        };
        System.setOut(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    public static EmfLines capture() {
        return new EmfLines();
    }

    /** The one metrics line {@code invocation} (one call of a function) prints. */
    public static JsonNode of(Runnable invocation) {
        try (EmfLines emf = capture()) {
            invocation.run();
            return emf.only();
        }
    }

    /** Every EMF line printed so far, each checked against the specification. */
    public List<JsonNode> lines() {
        String text;
        synchronized (captured) {
            text = captured.toString(StandardCharsets.UTF_8);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("{\"_aws\"")) {
                JsonNode doc;
                try {
                    doc = JSON.readTree(line);
                } catch (IOException e) {
                    throw new AssertionError("An EMF line is not JSON: " + line, e);
                }
                assertValidEmf(doc, line);
                lines.add(doc);
            }
        }
        return lines;
    }

    /** The one EMF line printed so far (one invocation: at most one line). */
    public JsonNode only() {
        List<JsonNode> lines = lines();
        assertEquals(1, lines.size(), "one metrics line per invocation: " + lines);
        return lines.get(0);
    }

    /** A metric's value in a line: its number, the sum of its values, or 0 when the line does not name it. */
    public static long value(JsonNode line, String metric) {
        JsonNode v = line.get(metric);
        if (v == null) {
            return 0;
        }
        if (v.isArray()) {
            long sum = 0;
            for (JsonNode n : v) {
                sum += n.asLong();
            }
            return sum;
        }
        return v.asLong();
    }

    /** The metric names a line's directive declares. */
    public static Set<String> declared(JsonNode line) {
        Set<String> names = new HashSet<>();
        line.path("_aws").path("CloudWatchMetrics").forEach(d -> d.path("Metrics").forEach(m -> names.add(m.path("Name").asText())));
        return names;
    }

    /** The specification's rules, as CloudWatch Logs applies them before it extracts anything. */
    static void assertValidEmf(JsonNode root, String line) {
        assertTrue(root.isObject(), line);
        assertTrue(line.length() < 256 * 1024, "an EMF event is at most 256 KB");
        JsonNode aws = root.path("_aws");
        assertTrue(aws.isObject(), "_aws is an object: " + line);
        JsonNode timestamp = aws.path("Timestamp");
        assertTrue(timestamp.isIntegralNumber(), "_aws.Timestamp is a number of epoch milliseconds: " + line);
        long skew = Math.abs(System.currentTimeMillis() - timestamp.asLong());
        assertTrue(skew < 120_000, "_aws.Timestamp is now, in milliseconds (off by " + skew + " ms): " + line);
        JsonNode directives = aws.path("CloudWatchMetrics");
        assertTrue(directives.isArray() && !directives.isEmpty(), "_aws.CloudWatchMetrics is a non-empty array: " + line);
        Set<String> names = new HashSet<>();
        for (JsonNode directive : directives) {
            for (Iterator<String> it = directive.fieldNames(); it.hasNext(); ) {
                String member = it.next();
                assertTrue(Set.of("Namespace", "Dimensions", "Metrics").contains(member), "a directive has no member " + member);
            }
            assertTrue(NAMESPACE.matcher(directive.path("Namespace").asText("")).matches(), "Namespace: " + line);
            JsonNode dimensionSets = directive.path("Dimensions");
            assertTrue(dimensionSets.isArray(), "Dimensions is an array of dimension sets: " + line);
            for (JsonNode set : dimensionSets) {
                assertTrue(set.isArray() && set.size() <= 30, "a dimension set is an array of at most 30 names: " + line);
                for (JsonNode dimension : set) {
                    JsonNode value = root.get(dimension.asText());
                    assertTrue(value != null && value.isTextual() && !value.asText().isBlank() && value.asText().length() <= 1024
                                    && value.asText().chars().allMatch(c -> c >= 0x20 && c < 0x7f),
                            "dimension " + dimension + " is a non-empty printable ASCII string at the root: " + line);
                }
            }
            JsonNode metrics = directive.path("Metrics");
            assertTrue(metrics.isArray() && !metrics.isEmpty() && metrics.size() <= 100, "Metrics: 1 to 100 definitions: " + line);
            for (JsonNode metric : metrics) {
                String name = metric.path("Name").asText("");
                assertFalse(name.isBlank() || name.length() > 1024, "a metric has a Name: " + line);
                assertTrue(names.add(name), "metric " + name + " is declared once: " + line);
                assertTrue(UNITS.contains(metric.path("Unit").asText()), "metric " + name + " has a CloudWatch unit: " + line);
                JsonNode value = root.get(name);
                if (value == null) {
                    fail("metric " + name + " has its value at the root: " + line);
                }
                if (value.isArray()) {
                    assertTrue(!value.isEmpty() && value.size() <= 100, "metric " + name + ": 1 to 100 values: " + line);
                    value.forEach(v -> assertTrue(v.isNumber(), "metric " + name + "'s values are numbers: " + line));
                } else {
                    assertTrue(value.isNumber(), "metric " + name + " is a number: " + line);
                }
            }
        }
    }

    @Override
    public void close() {
        System.setOut(original);
    }
}
