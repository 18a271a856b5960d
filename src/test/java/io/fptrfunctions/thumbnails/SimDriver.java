package io.fptrfunctions.thumbnails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.sim.FptrSimTestResource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * A studio tool's hands on the shared FPTR simulator, over its REST API: uploads, {@code ?alt=} redirects
 * and downloads. (The simulator's admin API is {@link io.fptrfunctions.sim.SimAdmin}.)
 */
public final class SimDriver {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base = FptrSimTestResource.baseUrl();
    private String token;

    /** The three upload steps of the REST API, as a studio tool would run them. */
    public void upload(String typeSlug, long id, String field, String filename, String contentType, byte[] bytes) {
        JsonNode start = json(send("GET", "/api/v1.1/entity/" + typeSlug + "/" + id + "/" + field + "/_upload?filename="
                + URLEncoder.encode(filename, StandardCharsets.UTF_8), null, null));
        expect(200, exchange(HttpRequest.newBuilder(URI.create(start.at("/links/upload").asText()))
                .header("Content-Type", contentType).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build()));
        HttpResponse<byte[]> done = send("POST", start.at("/links/complete_upload").asText(), "application/json",
                "{\"upload_info\":" + start.get("data") + ",\"upload_data\":{}}");
        expect(201, done);
    }

    /** A GET of the REST API (e.g. a hook's deliveries); its JSON answer. */
    public JsonNode get(String path) {
        return json(send("GET", path, null, null));
    }

    /** A JSON POST to the REST API (e.g. {@code /api/v1.1/webhook/hooks}); its answer, which must be 201. */
    public JsonNode postJson(String path, String json) {
        HttpResponse<byte[]> r = send("POST", path, "application/json", json);
        expect(201, r);
        return json(r);
    }

    /** Where {@code ?alt=} points now (a fresh signature). */
    String location(String typeSlug, long id, String alt) {
        HttpResponse<byte[]> r = send("GET", "/api/v1.1/entity/" + typeSlug + "/" + id + "/image?alt=" + alt, null, null);
        expect(302, r);
        return r.headers().firstValue("Location").orElseThrow();
    }

    /** The bytes behind a storage URL (a test-sized file). */
    byte[] download(String url) {
        HttpResponse<byte[]> r = exchange(HttpRequest.newBuilder(URI.create(url)).GET().build());
        expect(200, r);
        return r.body();
    }

    /** An API call with this driver's bearer token. */
    private HttpResponse<byte[]> send(String method, String path, String contentType, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.header("Authorization", "Bearer " + token());
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
