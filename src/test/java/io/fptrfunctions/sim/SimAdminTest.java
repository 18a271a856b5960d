package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The /_sim admin API: reset, config, faults, request log, bulk records; and concurrent serving. */
class SimAdminTest extends SimHttpTest {

    /** Resets through the admin endpoint itself rather than in-process. */
    @BeforeEach
    @Override
    void reset() {
        assertEquals(200, SimAdmin.of(sim).post("/_sim/reset", null, "").status());
        c = SimAdmin.of(sim).login();
    }

    @Test
    void resetRestoresSeedConfigAndClearsFaultsAndLog() {
        c.put("/api/v1.1/entity/shots/1001", "{\"code\":\"changed\"}");
        c.put("/_sim/config", "{\"max_page_size\":10}");
        c.post("/_sim/faults", "application/json", "{\"path\":\"/nothing\",\"status\":500,\"times\":5}");
        c.post("/_sim/reset", null, "");
        assertEquals("sh010", c.get("/api/v1.1/entity/shots/1001?fields=code").json().at("/data/attributes/code").asText());
        assertEquals(5000, c.get("/_sim/config").json().get("max_page_size").asInt());
        assertEquals(0, c.get("/_sim/faults").json().get("faults").size());
        assertEquals(1, c.get("/_sim/requests").json().get("requests").size(), "only the read after the reset");
    }

    @Test
    void aRewriteFaultChangesTheRoutesJsonAnswerOnceAndIsValidated() {
        c.post("/_sim/faults", "application/json", "{\"method\":\"GET\",\"path\":\"/shots/1001$\","
                + "\"rewrite\":{\"/data/attributes/code\":\"rewritten\",\"/links\":null}}");
        JsonNode changed = c.get("/api/v1.1/entity/shots/1001?fields=code").json();
        assertEquals("rewritten", changed.at("/data/attributes/code").asText());
        assertFalse(changed.has("links"), changed::toString);
        JsonNode next = c.get("/api/v1.1/entity/shots/1001?fields=code").json();
        assertEquals("sh010", next.at("/data/attributes/code").asText(), "once: the next answer is the route's own");
        assertTrue(next.has("links"));
        assertEquals(400, c.post("/_sim/faults", "application/json", "{\"rewrite\":{\"no-slash\":1}}").status());
        assertEquals(400, c.post("/_sim/faults", "application/json", "{\"rewrite\":[1]}").status());
    }

    @Test
    void configIsPartialAndValidated() {
        JsonNode after = c.put("/_sim/config", "{\"latency_ms\":0,\"token_ttl_seconds\":30}").json();
        assertEquals(30, after.get("token_ttl_seconds").asInt());
        assertEquals(5000, after.get("max_page_size").asInt());
        assertTrue(after.has("thumbnail_pending_seconds") && after.has("storage_url_ttl_seconds"));
        SimAdmin.Response bad = c.put("/_sim/config", "{\"nope\":1}");
        assertEquals(400, bad.status());
        assertEquals(400, c.put("/_sim/config", "{\"max_page_size\":\"x\"}").status());
        assertEquals(30, c.get("/_sim/config").json().get("token_ttl_seconds").asInt());
    }

    @Test
    void clockMovesOverTheAdminApiAndResetBringsTheRealOneBack() {
        assertEquals(0, c.clock().get("offset_seconds").asLong());
        c.advanceClock(Duration.ofHours(2));
        JsonNode moved = c.clock();
        assertEquals(7200, moved.get("offset_seconds").asLong());
        assertTrue(Instant.parse(moved.get("now").asText()).isAfter(Instant.now().plusSeconds(7190)));
        c.advanceClock(Duration.ofMinutes(-30));
        assertEquals(5400, c.clock().get("offset_seconds").asLong(), "advances add up, negative ones go back");

        c.setClock(Instant.parse("2030-01-01T00:00:00Z"));
        Instant now = Instant.parse(c.clock().get("now").asText());
        assertTrue(!now.isBefore(Instant.parse("2030-01-01T00:00:00Z")) && now.isBefore(Instant.parse("2030-01-01T00:00:05Z")), now::toString);
        c.login();   // the old token expired years ago
        SimAdmin.Response created = c.postJson("/api/v1.1/entity/shots", "{\"code\":\"in 2030\",\"project\":{\"type\":\"Project\",\"id\":70}}");
        assertTrue(created.json().at("/data/attributes/created_at").asText().startsWith("2030-01-01 00:00"), created::toString);

        assertEquals(400, c.put("/_sim/clock", "{\"advance_seconds\":1.5}").status());
        assertEquals(400, c.put("/_sim/clock", "{\"now\":\"tomorrow\"}").status());
        assertEquals(400, c.put("/_sim/clock", "{\"later\":1}").status());

        c.realClock();
        assertEquals(0, c.clock().get("offset_seconds").asLong());
        c.advanceClock(Duration.ofDays(1));
        c.reset();
        assertEquals(0, c.clock().get("offset_seconds").asLong(), "reset restores the real clock");
    }

    @Test
    void statusFaultWithRetryAfterHitsNTimesThenStops() {
        SimAdmin.Response created = c.post("/_sim/faults", "application/json",
                "{\"method\":\"GET\",\"path\":\"/entity/shots\",\"times\":2,\"status\":503,\"retry_after\":\"1\"}");
        assertEquals(201, created.status());
        assertNotNull(created.json().get("id"));
        SimAdmin.Response first = c.get("/api/v1.1/entity/shots");
        assertEquals(503, first.status());
        assertEquals("1", first.header("Retry-After"));
        assertEquals(503, first.json().at("/errors/0/status").asInt());
        assertEquals(503, c.get("/api/v1.1/entity/shots").status());
        assertEquals(200, c.get("/api/v1.1/entity/shots").status());
        // other methods and paths never matched
        c.post("/_sim/faults", "application/json", "{\"method\":\"POST\",\"path\":\"_search$\",\"status\":429}");
        assertEquals(200, c.get("/api/v1.1/entity/shots").status());
        assertEquals(429, c.searchArray("Shot", "{}").status());
    }

    @Test
    void latencyFaultAndGlobalLatency() {
        c.post("/_sim/faults", "application/json", "{\"path\":\"/entity/shots\",\"latency_ms\":400}");
        long t0 = System.nanoTime();
        assertEquals(200, c.get("/api/v1.1/entity/shots").status());
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 400);
        c.put("/_sim/config", "{\"latency_ms\":150}");
        t0 = System.nanoTime();
        c.get("/api/v1.1/entity/shots");
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 150);
        c.put("/_sim/config", "{\"latency_ms\":0}");
    }

    @Test
    void cutFaultSendsFullLengthThenDropsTheConnection() throws Exception {
        String full = c.get("/api/v1.1/entity/notes?fields=subject,content").text();
        c.post("/_sim/faults", "application/json", "{\"method\":\"GET\",\"path\":\"/entity/notes$\",\"cut_after_bytes\":100}");
        // a raw socket shows exactly what goes over the wire
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), sim.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET /api/v1.1/entity/notes?fields=subject,content HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + c.token() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] all = s.getInputStream().readAllBytes();   // returns once the server closes the connection
            String response = new String(all, StandardCharsets.UTF_8);
            int split = response.indexOf("\r\n\r\n");
            String head = response.substring(0, split).toLowerCase();
            assertTrue(head.startsWith("http/1.1 200"), head);
            assertTrue(head.contains("content-length: " + full.getBytes(StandardCharsets.UTF_8).length), head);
            assertEquals(full.substring(0, 100), response.substring(split + 4));
        }
        // a real client sees a failed read
        c.post("/_sim/faults", "application/json", "{\"method\":\"GET\",\"path\":\"/entity/notes$\",\"cut_after_bytes\":10}");
        assertThrows(java.io.UncheckedIOException.class, () -> c.get("/api/v1.1/entity/notes?fields=subject,content"));
        // the next call is whole again
        assertEquals(full, c.get("/api/v1.1/entity/notes?fields=subject,content").text());
    }

    @Test
    void chunkedFaultSendsTheSameBodyWithoutAContentLength() throws Exception {
        String full = c.get("/api/v1.1/entity/notes?fields=subject,content").text();
        c.post("/_sim/faults", "application/json", "{\"method\":\"GET\",\"path\":\"/entity/notes$\",\"chunked\":true}");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), sim.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET /api/v1.1/entity/notes?fields=subject,content HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + c.token() + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String head = response.substring(0, response.indexOf("\r\n\r\n")).toLowerCase();
            assertTrue(head.startsWith("http/1.1 200"), head);
            assertTrue(head.contains("transfer-encoding: chunked"), head);
            assertFalse(head.contains("content-length"), head);
        }
        // a real client decodes the chunks into the same body
        c.post("/_sim/faults", "application/json", "{\"method\":\"GET\",\"path\":\"/entity/notes$\",\"chunked\":true}");
        assertEquals(full, c.get("/api/v1.1/entity/notes?fields=subject,content").text());
    }

    @Test
    void expireTokenFaultExpiresTheCallersToken() {
        c.post("/_sim/faults", "application/json", "{\"path\":\"/entity/shots\",\"expire_token\":true}");
        assertEquals(401, c.get("/api/v1.1/entity/shots").status());
        assertEquals(401, c.get("/api/v1.1/entity/assets").status(), "the token stays expired");
        c.login();
        assertEquals(200, c.get("/api/v1.1/entity/shots").status());
    }

    @Test
    void requestLogListsApiCallsInOrder() {
        c.delete("/_sim/requests");
        c.get("/api/v1.1/entity/shots?fields=code");
        c.searchArray("Note", "{}");
        c.get("/api/v1.1/entity/Nope");
        JsonNode log = c.get("/_sim/requests").json().get("requests");
        assertEquals(3, log.size());
        assertEquals("GET", log.get(0).get("method").asText());
        assertEquals("/api/v1.1/entity/shots", log.get(0).get("path").asText());
        assertEquals("fields=code", log.get(0).get("query").asText());
        assertEquals(200, log.get(0).get("status").asInt());
        assertEquals("application/json; charset=utf-8", log.get(0).get("content_type").asText());
        assertEquals("/api/v1.1/entity/Note/_search", log.get(1).get("path").asText());
        assertEquals(404, log.get(2).get("status").asInt());
    }

    @Test
    void bulkRecordsInSeedFormat() {
        SimAdmin.Response r = c.post("/_sim/records", "application/json",
                "{\"records\":[{\"type\":\"Shot\",\"id\":5000,\"code\":\"bulk1\",\"project\":{\"type\":\"Project\",\"id\":70}},"
                        + "{\"type\":\"Note\",\"subject\":\"bulk note\",\"note_links\":[{\"type\":\"Shot\",\"id\":5000}],"
                        + "\"created_by\":{\"type\":\"HumanUser\",\"id\":89},\"created_at\":\"2026-02-01T10:00:00Z\"}]}");
        assertEquals(201, r.status(), r.toString());
        assertEquals(5000, r.json().at("/ids/0").asLong());
        long noteId = r.json().at("/ids/1").asLong();
        JsonNode note = c.get("/api/v1.1/entity/notes/" + noteId + "?fields=subject,note_links,created_at,created_by").json().get("data");
        assertEquals("bulk1", note.at("/relationships/note_links/data/0/name").asText());
        assertEquals("2026-02-01T10:00:00Z", note.at("/attributes/created_at").asText());
        assertEquals("John Smith", note.at("/relationships/created_by/data/name").asText());
        SimAdmin.Response bad = c.post("/_sim/records", "application/json", "{\"records\":[{\"type\":\"Nope\"}]}");
        assertEquals(400, bad.status());
        assertTrue(bad.json().get("error").asText().contains("unknown entity type"));
    }

    @Test
    void servesConcurrentRequests() throws Exception {
        c.put("/_sim/config", "{\"latency_ms\":300}");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(() -> c.get("/api/v1.1/entity/shots").status());
            }
            long t0 = System.nanoTime();
            for (Future<Integer> f : pool.invokeAll(calls)) {
                assertEquals(200, f.get());
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 8 * 300, "8 calls of 300 ms each overlapped (took " + ms + " ms)");
        } finally {
            pool.shutdownNow();
            c.put("/_sim/config", "{\"latency_ms\":0}");
        }
    }
}
