package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.fptr.TestClock;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The shared test simulator's admin API ({@code /_sim/...}, see {@link AdminApi}) over HTTP, for tests
 * that seed records, set config, inject faults, set files and count calls. What a test sends is a
 * {@code Map} (written as JSON); what it reads back is Jackson's {@link JsonNode}. Every call checks the
 * exact status the admin API answers and fails the test with the answer otherwise.
 */
public final class SimAdmin {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String MINT = "/api/v1(\\.1)?/auth/access_token";

    private SimAdmin() {
    }

    /** Seed data, no faults, empty request log, default config. */
    public static void reset() {
        send("POST", "/_sim/reset", null, 200);
    }

    /**
     * A clean start for a test of the client: simulator reset, circuit breakers closed, every cached token
     * expired (the clock moves a day), empty request log.
     */
    public static void freshSite(TestClock clock) {
        reset();
        CircuitBreakerMaintenance.get().resetAll();
        clock.advance(Duration.ofDays(1));
        clearRequests();
    }

    /** The whole config: {@code latency_ms}, {@code token_ttl_seconds}, {@code max_page_size}... */
    public static JsonNode config() {
        return send("GET", "/_sim/config", null, 200);
    }

    /** Changes the config keys given, e.g. {@code config(Map.of("max_page_size", 5))}. */
    public static void config(Map<String, ?> partial) {
        send("PUT", "/_sim/config", partial, 200);
    }

    /** Adds a fault: {@code method}, {@code path} (regex), optional {@code body}, {@code times}, {@code status}... */
    public static void fault(Map<String, ?> fault) {
        send("POST", "/_sim/faults", fault, 201);
    }

    /** The faults not used up yet. */
    public static List<JsonNode> faults() {
        return list(send("GET", "/_sim/faults", null, 200).path("faults"));
    }

    public static void clearFaults() {
        send("DELETE", "/_sim/faults", null, 204);
    }

    /** Every non-admin call since the last clear, in arrival order: {@code {method, path, query, status, content_type}}. */
    public static List<JsonNode> requests() {
        return list(send("GET", "/_sim/requests", null, 200).path("requests"));
    }

    /** The calls whose method is {@code method} (null: any) and whose whole path matches {@code pathRegex}. */
    public static List<JsonNode> requests(String method, String pathRegex) {
        return requests().stream()
                .filter(r -> (method == null || method.equals(r.path("method").asText()))
                        && r.path("path").asText().matches(pathRegex))
                .toList();
    }

    public static long count(String method, String pathRegex) {
        return requests(method, pathRegex).size();
    }

    /** Tokens minted since the last clear. */
    public static long mints() {
        return count("POST", MINT);
    }

    public static void clearRequests() {
        send("DELETE", "/_sim/requests", null, 204);
    }

    /** Inserts one record in seed format ({@code {"type": "Note", ...}}); returns its id. */
    public static long insert(Map<String, ?> record) {
        return insert(List.of(record)).get(0);
    }

    /** Inserts records in seed format; returns their ids in order. */
    public static List<Long> insert(List<? extends Map<String, ?>> records) {
        List<Long> ids = new ArrayList<>();
        send("POST", "/_sim/records", Map.of("records", records), 201).path("ids").forEach(id -> ids.add(id.asLong()));
        return ids;
    }

    /**
     * Sets a file field directly, streamed from {@code bytes}; an image is ready at once.
     * {@code filename} null: the simulator names it.
     */
    public static void putFile(String type, long id, String field, String filename, String contentType,
                               Supplier<InputStream> bytes) {
        putFile(type, id, field, filename, contentType, 0, bytes);
    }

    /** The same, the image reading as "thumbnail pending" for {@code pendingSeconds}. */
    public static void putFile(String type, long id, String field, String filename, String contentType,
                               long pendingSeconds, Supplier<InputStream> bytes) {
        List<String> query = new ArrayList<>();
        if (filename != null) {
            query.add("filename=" + URLEncoder.encode(filename, StandardCharsets.UTF_8));
        }
        if (pendingSeconds != 0) {
            query.add("pending_seconds=" + pendingSeconds);
        }
        String path = "/_sim/files/" + type + "/" + id + "/" + field + (query.isEmpty() ? "" : "?" + String.join("&", query));
        exchange("PUT", path, contentType, HttpRequest.BodyPublishers.ofInputStream(bytes), 200);
    }

    private static JsonNode send(String method, String path, Map<String, ?> body, int expected) {
        try {
            HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
            byte[] answer = exchange(method, path, "application/json", publisher, expected);
            return answer.length == 0 ? JSON.createObjectNode() : JSON.readTree(new ByteArrayInputStream(answer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] exchange(String method, String path, String contentType, HttpRequest.BodyPublisher body, int expected) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(FptrSimTestResource.baseUrl() + path))
                .header("Content-Type", contentType).method(method, body).build();
        HttpResponse<byte[]> r;
        try {
            r = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (r.statusCode() != expected) {
            throw new AssertionError(method + " " + path + ": expected " + expected + ", got " + r.statusCode() + ": "
                    + new String(r.body(), StandardCharsets.UTF_8));
        }
        return r.body();
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
