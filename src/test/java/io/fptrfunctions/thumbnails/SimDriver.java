package io.fptrfunctions.thumbnails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.sim.FptrSimTestResource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** The test's own hands on the shared FPTR simulator, over HTTP: admin calls, uploads, downloads. */
final class SimDriver {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base = FptrSimTestResource.baseUrl();
    private String token;

    String base() {
        return base;
    }

    void reset() {
        send("POST", "/_sim/reset", null, null, false);
        token = null;
    }

    void config(String json) {
        send("PUT", "/_sim/config", "application/json", json, false);
    }

    void fault(String json) {
        send("POST", "/_sim/faults", "application/json", json, false);
    }

    void clearRequests() {
        send("DELETE", "/_sim/requests", null, null, false);
    }

    /** Requests the simulator served since the last clear, optionally only those whose path starts with a prefix. */
    List<JsonNode> requests(String pathPrefix) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode r : json(send("GET", "/_sim/requests", null, null, false)).get("requests")) {
            if (r.get("path").asText().startsWith(pathPrefix)) {
                out.add(r);
            }
        }
        return out;
    }

    /** The storage downloads (GETs of presigned file URLs) since the last clear. */
    List<JsonNode> downloads() {
        return requests("/_storage/").stream().filter(r -> "GET".equals(r.get("method").asText())).toList();
    }

    /** Sets an image directly (ready at once), streamed from {@code bytes}. */
    void putFile(String type, long id, String field, String filename, String contentType, Supplier<InputStream> bytes) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/_sim/files/" + type + "/" + id + "/" + field
                        + "?filename=" + URLEncoder.encode(filename, StandardCharsets.UTF_8)))
                .header("Content-Type", contentType).PUT(HttpRequest.BodyPublishers.ofInputStream(bytes)).build();
        expect(200, exchange(request));
    }

    /** The three upload steps of the REST API, as a studio tool would run them. */
    void upload(String typeSlug, long id, String field, String filename, String contentType, byte[] bytes) {
        JsonNode start = json(send("GET", "/api/v1.1/entity/" + typeSlug + "/" + id + "/" + field + "/_upload?filename="
                + URLEncoder.encode(filename, StandardCharsets.UTF_8), null, null, true));
        expect(200, exchange(HttpRequest.newBuilder(URI.create(start.at("/links/upload").asText()))
                .header("Content-Type", contentType).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build()));
        HttpResponse<byte[]> done = send("POST", start.at("/links/complete_upload").asText(), "application/json",
                "{\"upload_info\":" + start.get("data") + ",\"upload_data\":{}}", true);
        expect(201, done);
    }

    /** Where {@code ?alt=} points now (a fresh signature). */
    String location(String typeSlug, long id, String alt) {
        HttpResponse<byte[]> r = send("GET", "/api/v1.1/entity/" + typeSlug + "/" + id + "/image?alt=" + alt, null, null, true);
        expect(302, r);
        return r.headers().firstValue("Location").orElseThrow();
    }

    /** The bytes behind a storage URL (a test-sized file). */
    byte[] download(String url) {
        HttpResponse<byte[]> r = exchange(HttpRequest.newBuilder(URI.create(url)).GET().build());
        expect(200, r);
        return r.body();
    }

    private HttpResponse<byte[]> send(String method, String path, String contentType, String body, boolean api) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (api) {
            b.header("Authorization", "Bearer " + token());
        }
        HttpResponse<byte[]> r = exchange(b.build());
        if (r.statusCode() >= 400) {
            throw new AssertionError(method + " " + path + " answered " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
        }
        return r;
    }

    private String token() {
        if (token == null) {
            String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(FptrSimTestResource.SCRIPT_NAME, StandardCharsets.UTF_8)
                    + "&client_secret=" + URLEncoder.encode(FptrSimTestResource.SCRIPT_KEY, StandardCharsets.UTF_8);
            HttpResponse<byte[]> r = exchange(HttpRequest.newBuilder(URI.create(base + "/api/v1.1/auth/access_token"))
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build());
            expect(200, r);
            token = json(r).get("access_token").asText();
        }
        return token;
    }

    private HttpResponse<byte[]> exchange(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void expect(int status, HttpResponse<byte[]> r) {
        if (r.statusCode() != status) {
            throw new AssertionError("expected " + status + " from " + r.uri() + ", got " + r.statusCode() + ": "
                    + new String(r.body(), StandardCharsets.UTF_8));
        }
    }

    private static JsonNode json(HttpResponse<byte[]> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
