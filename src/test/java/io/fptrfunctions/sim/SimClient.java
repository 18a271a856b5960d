package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A small HTTP client for the simulator's tests (java.net.http; no redirects followed). */
final class SimClient {

    record Response(int status, HttpResponse<byte[]> raw) {
        JsonNode json() {
            try {
                return SimJson.parse(raw.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text(), e);
            }
        }

        String text() {
            return new String(raw.body(), StandardCharsets.UTF_8);
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        String contentType() {
            return header("Content-Type");
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final String base;
    String token;

    SimClient(String base) {
        this.base = base;
    }

    SimClient(FptrSimulator sim) {
        this(sim.baseUrl());
    }

    /** Mints a token with the demo script credentials and keeps it for later calls. */
    SimClient login() {
        Response r = form("/api/v1.1/auth/access_token", "grant_type=client_credentials&client_id="
                + enc(FptrSimTestResource.SCRIPT_NAME) + "&client_secret=" + enc(FptrSimTestResource.SCRIPT_KEY));
        if (r.status() != 200) {
            throw new AssertionError("login failed: " + r);
        }
        token = r.json().path("access_token").asText();
        return this;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    Response form(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)), false);
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), true);
    }

    Response delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE(), true);
    }

    Response post(String path, String contentType, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b, true);
    }

    Response postJson(String path, String body) {
        return post(path, "application/json", body);
    }

    Response put(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)), true);
    }

    Response searchHash(String type, String body) {
        return post("/api/v1.1/entity/" + type + "/_search", EntityApi.HASH_TYPE, body);
    }

    Response searchArray(String type, String body) {
        return post("/api/v1.1/entity/" + type + "/_search", EntityApi.ARRAY_TYPE, body);
    }

    Response send(HttpRequest.Builder b, boolean withToken) {
        if (withToken && token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<byte[]> r = http.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }
}
