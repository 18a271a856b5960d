package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The tests' one client of one simulator, MockWebServer-style: {@link #startDemo()} gives a test class
 * its own simulator (own port, clock, faults and request log) and {@link #close()} stops it;
 * {@link #of(FptrSimulator)} talks to an in-process simulator someone else owns (the Quarkus tests'
 * shared one: {@code FptrSimTestResource.admin()}); {@link #at(String)} to one running elsewhere
 * ({@code java -jar target/fptr-sim.jar}, the local stack).
 *
 * <p>Two faces:
 * <ul>
 *   <li>the admin API ({@code /_sim/...}, see {@link AdminApi}): reset, clock, config, faults, request
 *       log, records, files. Maps in (written as JSON), Jackson {@link JsonNode} out; every call checks
 *       the exact status the admin API answers and fails the test with the answer otherwise.</li>
 *   <li>the REST API as a studio tool calls it: {@link #login()} mints a bearer with the demo script,
 *       {@link #get}, {@link #post}, {@link #put}, {@link #searchHash}... return the {@link Response}
 *       for the test to check (no redirect is followed); {@link #upload}, {@link #location} and
 *       {@link #download} run the media flows and fail on any unexpected status.</li>
 * </ul>
 */
public final class SimAdmin implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration API_TIMEOUT = Duration.ofSeconds(60);
    private static final String MINT = "/api/v1(\\.1)?/auth/access_token";

    /** An answer of the REST API: status, headers and body as they came. */
    public record Response(int status, HttpResponse<byte[]> raw) {
        public JsonNode json() {
            try {
                return SimJson.parse(raw.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text(), e);
            }
        }

        public String text() {
            return new String(raw.body(), StandardCharsets.UTF_8);
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public String contentType() {
            return header("Content-Type");
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }

    private final String base;
    private final FptrSimulator inProcess;
    private final boolean owned;
    private String scriptName = FptrSimulator.DEMO_SCRIPT_NAME;
    private String scriptKey = FptrSimulator.DEMO_SCRIPT_KEY;
    private volatile String token;

    private SimAdmin(String base, FptrSimulator inProcess, boolean owned) {
        this.base = base;
        this.inProcess = inProcess;
        this.owned = owned;
    }

    /** A simulator of its own on a free port, started with {@code options}; {@link #close()} stops it. */
    public static SimAdmin start(FptrSimulator.Options options) {
        try {
            FptrSimulator sim = FptrSimulator.start(options);
            return new SimAdmin(sim.baseUrl(), sim, true);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start an FPTR simulator", e);
        }
    }

    /** A simulator of its own with the demo site ({@link FptrSimulator.Options#demoSite()}). */
    public static SimAdmin startDemo() {
        try {
            return start(FptrSimulator.Options.demoSite());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client of an in-process simulator that someone else starts and stops. */
    public static SimAdmin of(FptrSimulator sim) {
        return new SimAdmin(sim.baseUrl(), sim, false);
    }

    /** A client of a simulator running elsewhere, e.g. {@code http://127.0.0.1:8090}. */
    public static SimAdmin at(String baseUrl) {
        return new SimAdmin(baseUrl.replaceFirst("/+$", ""), null, false);
    }

    /** Stops the simulator if this client started it. */
    @Override
    public void close() {
        if (owned) {
            inProcess.close();
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String baseUrl() {
        return base;
    }

    /** The simulator object, for tests in this JVM that reach into its store or schema. */
    public FptrSimulator simulator() {
        if (inProcess == null) {
            throw new IllegalStateException("the simulator at " + base + " runs in another process");
        }
        return inProcess;
    }

    // ---- admin API -----------------------------------------------------------------------------------

    /** Seed data, default config, the real clock, no faults, empty request log (tokens stay valid). */
    public void reset() {
        send("POST", "/_sim/reset", null, 200);
    }

    /** {@code {"now": "<instant>", "offset_seconds": N}}: the simulator's time and its distance from the real one. */
    public JsonNode clock() {
        return send("GET", "/_sim/clock", null, 200);
    }

    /** Moves the simulator's clock (token expiry, signed URL expiry, thumbnail pending...) by {@code by}. */
    public void advanceClock(Duration by) {
        send("PUT", "/_sim/clock", Map.of("advance_seconds", by.toSeconds()), 200);
    }

    /** Sets the simulator's clock to {@code now} (it keeps running from there). */
    public void setClock(Instant now) {
        send("PUT", "/_sim/clock", Map.of("now", now.toString()), 200);
    }

    /** Back to the real time. */
    public void realClock() {
        send("DELETE", "/_sim/clock", null, 204);
    }

    /** The whole config: {@code latency_ms}, {@code token_ttl_seconds}, {@code max_page_size}... */
    public JsonNode config() {
        return send("GET", "/_sim/config", null, 200);
    }

    /** Changes the config keys given, e.g. {@code config(Map.of("max_page_size", 5))}. */
    public JsonNode config(Map<String, ?> partial) {
        return send("PUT", "/_sim/config", partial, 200);
    }

    /** Adds a fault: {@code method}, {@code path} (regex), optional {@code body}, {@code times}, {@code status}...; returns its id. */
    public long fault(Map<String, ?> fault) {
        return send("POST", "/_sim/faults", fault, 201).path("id").asLong();
    }

    /** The faults not used up yet. */
    public List<JsonNode> faults() {
        return list(send("GET", "/_sim/faults", null, 200).path("faults"));
    }

    public void clearFaults() {
        send("DELETE", "/_sim/faults", null, 204);
    }

    /** Every non-admin call since the last clear, in arrival order: {@code {method, path, query, status, content_type}}. */
    public List<JsonNode> requests() {
        return list(send("GET", "/_sim/requests", null, 200).path("requests"));
    }

    /** The calls whose method is {@code method} (null: any) and whose whole path matches {@code pathRegex}. */
    public List<JsonNode> requests(String method, String pathRegex) {
        return requests().stream()
                .filter(r -> (method == null || method.equals(r.path("method").asText()))
                        && r.path("path").asText().matches(pathRegex))
                .toList();
    }

    public long count(String method, String pathRegex) {
        return requests(method, pathRegex).size();
    }

    /** Tokens minted since the last clear. */
    public long mints() {
        return count("POST", MINT);
    }

    public void clearRequests() {
        send("DELETE", "/_sim/requests", null, 204);
    }

    /** Inserts one record in seed format ({@code {"type": "Note", ...}}); returns its id. */
    public long insert(Map<String, ?> record) {
        return insert(List.of(record)).get(0);
    }

    /** Inserts records in seed format; returns their ids in order. */
    public List<Long> insert(List<? extends Map<String, ?>> records) {
        List<Long> ids = new ArrayList<>();
        send("POST", "/_sim/records", Map.of("records", records), 201).path("ids").forEach(id -> ids.add(id.asLong()));
        return ids;
    }

    /**
     * Sets a file field directly, streamed from {@code bytes}; an image is ready at once.
     * {@code filename} null: the simulator names it.
     */
    public void putFile(String type, long id, String field, String filename, String contentType,
                        Supplier<InputStream> bytes) {
        putFile(type, id, field, filename, contentType, 0, bytes);
    }

    /** The same, the image reading as "thumbnail pending" for {@code pendingSeconds}. */
    public void putFile(String type, long id, String field, String filename, String contentType,
                        long pendingSeconds, Supplier<InputStream> bytes) {
        List<String> query = new ArrayList<>();
        if (filename != null) {
            query.add("filename=" + enc(filename));
        }
        if (pendingSeconds != 0) {
            query.add("pending_seconds=" + pendingSeconds);
        }
        String path = "/_sim/files/" + type + "/" + id + "/" + field + (query.isEmpty() ? "" : "?" + String.join("&", query));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .PUT(HttpRequest.BodyPublishers.ofInputStream(bytes));
        expect(200, exchange(b.build()), "PUT " + path);
    }

    // ---- the REST API ----------------------------------------------------------------------------------

    /** Uses another script's credentials for {@link #login()} (default: the demo script). */
    public SimAdmin credentials(String scriptName, String scriptKey) {
        this.scriptName = scriptName;
        this.scriptKey = scriptKey;
        return this;
    }

    /** Mints a token with the script credentials (client_credentials) and sends it on later calls. */
    public SimAdmin login() {
        Response r = form("/api/v1.1/auth/access_token", "grant_type=client_credentials&client_id=" + enc(scriptName)
                + "&client_secret=" + enc(scriptKey));
        if (r.status() != 200) {
            throw new AssertionError("login failed: " + r);
        }
        token = r.json().path("access_token").asText();
        return this;
    }

    /** The bearer sent on API calls (null: none). */
    public String token() {
        return token;
    }

    /** Sends this bearer from now on (null: none). */
    public void token(String token) {
        this.token = token;
    }

    /** A form POST without a bearer (the token endpoint). */
    public Response form(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)), false);
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), true);
    }

    public Response delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE(), true);
    }

    /** A POST with this content type (null: none) and body. */
    public Response post(String path, String contentType, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b, true);
    }

    public Response postJson(String path, String body) {
        return post(path, "application/json", body);
    }

    public Response put(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)), true);
    }

    public Response searchHash(String type, String body) {
        return post("/api/v1.1/entity/" + type + "/_search", EntityApi.HASH_TYPE, body);
    }

    public Response searchArray(String type, String body) {
        return post("/api/v1.1/entity/" + type + "/_search", EntityApi.ARRAY_TYPE, body);
    }

    /** Sends a request built by the caller, with the bearer when {@code withToken}. */
    public Response send(HttpRequest.Builder b, boolean withToken) {
        if (withToken && token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<byte[]> r = exchange(b.timeout(API_TIMEOUT).build());
        return new Response(r.statusCode(), r);
    }

    /** The three upload steps of the REST API, as a studio tool runs them (logs in first if needed). */
    public void upload(String typeSlug, long id, String field, String filename, String contentType, byte[] bytes) {
        JsonNode start = expect(200, apiCall("GET", "/api/v1.1/entity/" + typeSlug + "/" + id + "/" + field
                + "/_upload?filename=" + enc(filename), null, null)).json();
        expect(200, exchange(HttpRequest.newBuilder(URI.create(start.at("/links/upload").asText()))
                .header("Content-Type", contentType).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build()), "upload PUT");
        expect(201, apiCall("POST", start.at("/links/complete_upload").asText(), "application/json",
                "{\"upload_info\":" + start.get("data") + ",\"upload_data\":{}}"));
    }

    /** Where {@code <entity>/image?alt=} points now (a fresh signature). */
    public String location(String typeSlug, long id, String alt) {
        Response r = expect(302, apiCall("GET", "/api/v1.1/entity/" + typeSlug + "/" + id + "/image?alt=" + alt, null, null));
        return r.header("Location");
    }

    /** The bytes behind a storage URL (a test-sized file). */
    public byte[] download(String url) {
        HttpResponse<byte[]> r = exchange(HttpRequest.newBuilder(URI.create(url)).GET().build());
        expect(200, r, "GET " + url);
        return r.body();
    }

    /** An API call with a bearer, minting one first when this client has none. */
    private Response apiCall(String method, String path, String contentType, String body) {
        if (token == null) {
            login();
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b, true);
    }

    // ---- plumbing ------------------------------------------------------------------------------------

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private JsonNode send(String method, String path, Map<String, ?> body, int expected) {
        try {
            HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
            HttpResponse<byte[]> r = exchange(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                    .method(method, publisher).build());
            expect(expected, r, method + " " + path);
            return r.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(new ByteArrayInputStream(r.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Response expect(int status, Response r) {
        expect(status, r.raw(), r.raw().request().method() + " " + r.raw().uri());
        return r;
    }

    private static void expect(int status, HttpResponse<byte[]> r, String what) {
        if (r.statusCode() != status) {
            throw new AssertionError(what + ": expected " + status + ", got " + r.statusCode() + ": "
                    + new String(r.body(), StandardCharsets.UTF_8));
        }
    }

    private static HttpResponse<byte[]> exchange(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
