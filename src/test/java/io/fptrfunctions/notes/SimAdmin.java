package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.sim.FptrSimTestResource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/** The simulator's admin API over HTTP, for the note-search tests. */
final class SimAdmin {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private SimAdmin() {
    }

    static JsonNode call(String method, String path, Object body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(FptrSimTestResource.baseUrl() + path))
                    .header("Content-Type", "application/json");
            String json = body == null ? "" : body instanceof String s ? s : JSON.writeValueAsString(body);
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Inserts records in seed format; returns their ids in order. */
    static List<Long> insert(List<?> records) {
        JsonNode answer = call("POST", "/_sim/records", java.util.Map.of("records", records));
        List<Long> ids = new ArrayList<>();
        answer.path("ids").forEach(id -> ids.add(id.asLong()));
        return ids;
    }

    static long insert(Object record) {
        return insert(List.of(record)).get(0);
    }

    static void config(String json) {
        call("PUT", "/_sim/config", json);
    }

    static void fault(String json) {
        call("POST", "/_sim/faults", json);
    }

    static void clearFaults() {
        call("DELETE", "/_sim/faults", null);
    }

    static void clearRequests() {
        call("DELETE", "/_sim/requests", null);
    }

    /** The /api calls since the last clear: {@code [{"method","path","query","status"}...]}. */
    static List<JsonNode> requests() {
        List<JsonNode> list = new ArrayList<>();
        call("GET", "/_sim/requests", null).path("requests").forEach(list::add);
        return list;
    }

    /**
     * After a test that made FPTR fail on purpose: the client's circuit breaker may be open. Waits until
     * one plain call goes through again, so the next test starts with a closed circuit.
     */
    static void awaitClosedCircuit(io.fptrfunctions.fptr.FptrClient fptr) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try {
                fptr.searchPage("Project", null, java.util.List.of("name"), "id", 1, 1);
                return;
            } catch (RuntimeException stillOpen) {
                if (System.currentTimeMillis() > deadline) {
                    throw stillOpen;
                }
                Thread.sleep(200);
            }
        }
    }

    static long searches(String entitySegment) {
        return requests().stream().filter(r -> r.path("method").asText().equals("POST")
                && r.path("path").asText().matches("/api/v1(\\.1)?/entity/" + entitySegment + "/_search")).count();
    }
}
