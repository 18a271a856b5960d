package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Webhook hooks CRUD and signed, FPTR-shaped deliveries to a local receiver. */
class SimWebhooksTest {

    record Received(Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        JsonNode json() throws IOException {
            return SimJson.parse(body);
        }
    }

    static FptrSimulator sim;
    static HttpServer receiver;
    static final BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
    /** When set, the receiver acknowledges each delivery with it before answering. */
    static volatile String acknowledgeBeforeAnswering;
    static final BlockingQueue<Integer> acknowledgedEarly = new LinkedBlockingQueue<>();
    SimAdmin c;

    @BeforeAll
    static void start() throws Exception {
        sim = FptrSimulator.start(new FptrSimulator.Options().seed(FptrSimulator.demoSeed()));
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                inbox.add(new Received(Map.copyOf(ex.getRequestHeaders()), in.readAllBytes()));
            }
            String ack = acknowledgeBeforeAnswering;
            if (ack != null) {
                String id = ex.getRequestHeaders().getFirst("x-sg-delivery-id");
                acknowledgedEarly.add(SimAdmin.of(sim).login().put("/api/v1.1/webhook/deliveries/" + id,
                        SimJson.object().put("acknowledgement", ack).toString()).status());
            }
            byte[] ok = "{\"ok\":true}".getBytes();
            ex.sendResponseHeaders(200, ok.length);
            ex.getResponseBody().write(ok);
            ex.close();
        });
        receiver.start();
    }

    @AfterAll
    static void stop() {
        receiver.stop(0);
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.reset();
        inbox.clear();
        c = SimAdmin.of(sim).login();
    }

    private String hookUrl() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    private String createHook(String extra) {
        SimAdmin.Response r = c.postJson("/api/v1.1/webhook/hooks", "{\"url\":\"" + hookUrl() + "\"," + extra + "}");
        assertEquals(201, r.status(), r.toString());
        ours.add(r.json().at("/data/id").asText());
        return r.json().at("/data/id").asText();
    }

    /** Hooks created by this test; deliveries still in flight from an earlier test's hooks are skipped. */
    private final java.util.Set<String> ours = new java.util.HashSet<>();

    private Received next() throws InterruptedException {
        Received r = poll(5000);
        assertNotNull(r, "a delivery arrived");
        return r;
    }

    private Received poll(long ms) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        while (true) {
            Received r = inbox.poll(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            if (r == null) {
                return null;
            }
            if (ours.contains(r.header("x-sg-webhook-id"))) {
                return r;
            }
        }
    }

    @Test
    void hookCrudInFptrShapeNeverReturnsTheToken() {
        SimAdmin.Response created = c.postJson("/api/v1.1/webhook/hooks", "{\"url\":\"" + hookUrl() + "\","
                + "\"entity_types\":{\"Shot\":{\"create\":[],\"update\":[\"sg_status_list\"]}},\"projects\":[70],"
                + "\"name\":\"status watcher\",\"token\":\"s3cret\"}");
        assertEquals(201, created.status(), created.toString());
        JsonNode hook = created.json().get("data");
        String id = hook.get("id").asText();
        assertTrue(hook.get("is_token_set").asBoolean());
        assertFalse(created.text().contains("s3cret"));
        assertEquals("active", hook.get("status").asText());
        assertEquals(70, hook.at("/projects/0").asLong());
        assertFalse(hook.get("batch_deliveries").asBoolean());
        assertEquals("/api/v1.1/webhook/hooks/" + id, created.json().at("/links/self").asText());

        assertEquals(1, c.get("/api/v1.1/webhook/hooks").json().get("data").size());
        SimAdmin.Response disabled = c.put("/api/v1.1/webhook/hooks/" + id, "{\"status\":\"disabled\"}");
        assertEquals("disabled", disabled.json().at("/data/status").asText());
        assertEquals("status watcher", disabled.json().at("/data/name").asText(), "other keys kept");
        assertEquals("status must be one of: active, disabled",
                c.put("/api/v1.1/webhook/hooks/" + id, "{\"status\":\"nope\"}").json().at("/errors/0/source/status/0").asText());
        assertEquals(400, c.put("/api/v1.1/webhook/hooks/" + id, "{}").status());
        assertEquals(204, c.post("/api/v1.1/webhook/hooks/" + id + "/test_connection", "application/json", "{}").status());
        assertEquals(204, c.delete("/api/v1.1/webhook/hooks/" + id).status());
        SimAdmin.Response gone = c.get("/api/v1.1/webhook/hooks/" + id);
        assertEquals(404, gone.status());
        assertEquals(104, gone.json().at("/errors/0/code").asInt());
        assertEquals(103, c.get("/api/v1.1/webhook/hooks/not-a-uuid").json().at("/errors/0/code").asInt());
    }

    @Test
    void createValidation() {
        SimAdmin.Response empty = c.postJson("/api/v1.1/webhook/hooks", "{}");
        assertEquals(400, empty.status());
        assertEquals("url is missing", empty.json().at("/errors/0/source/url/0").asText());
        assertEquals("entity_types either entity types or event type is required",
                empty.json().at("/errors/0/source/entity_types/0").asText());
        assertEquals("entity_types is not valid", c.postJson("/api/v1.1/webhook/hooks", "{\"url\":\"" + hookUrl()
                + "\",\"entity_types\":{\"Shot\":{\"explode\":[]}}}").json().at("/errors/0/source/entity_types/0").asText());
        assertEquals(400, c.postJson("/api/v1.1/webhook/hooks",
                "{\"url\":\"https://example.com/hook\",\"entity_types\":{\"Shot\":{\"create\":[]}}}").status(),
                "only loopback targets");
        assertEquals(415, c.post("/api/v1.1/webhook/hooks", EntityApi.ARRAY_TYPE, "{}").status());
    }

    @Test
    void createDeliveryIsSignedAndShapedLikeFptr() throws Exception {
        String hookId = createHook("\"entity_types\":{\"Shot\":{\"create\":[]}},\"token\":\"s3cret\"");
        SimAdmin.Response shot = c.postJson("/api/v1.1/entity/shots", "{\"code\":\"sh050\",\"project\":{\"type\":\"Project\",\"id\":70}}");
        long shotId = shot.json().at("/data/id").asLong();
        Received r = next();
        assertNotNull(r, "a delivery arrived");
        assertEquals("sha1=" + Webhooks.hmacSha1("s3cret", r.body()), r.header("X-SG-SIGNATURE"));
        assertEquals(hookId, r.header("x-sg-webhook-id"));
        assertEquals(sim.baseUrl() + "/", r.header("x-sg-webhook-site-url"));
        assertEquals("1", r.header("x-sg-event-batch-size"));
        assertEquals("application/json; charset=utf-8", r.header("content-type"));
        JsonNode body = r.json();
        assertTrue(body.has("timestamp"));
        JsonNode d = body.get("data");
        assertEquals("Shotgun_Shot_New", d.get("event_type").asText());
        assertEquals("create", d.get("operation").asText());
        assertEquals(shotId, d.at("/entity/id").asLong());
        assertEquals("Shot", d.at("/entity/type").asText());
        assertEquals(70, d.at("/project/id").asLong());
        assertEquals("ApiUser", d.at("/user/type").asText());
        assertEquals(r.header("x-sg-delivery-id"), d.get("delivery_id").asText());
        for (String key : List.of("id", "event_log_entry_id", "meta", "created_at", "session_uuid")) {
            assertTrue(d.has(key), key);
        }
        // the delivery is recorded, with the receiver's answer once it has come
        JsonNode recorded = answered(d.get("delivery_id").asText());
        assertEquals(200, recorded.get("response_code").asInt());
        assertEquals("delivered", recorded.get("status").asText());
        assertEquals("{\"ok\":true}", recorded.get("body").asText());
    }

    @Test
    void aDeliveryIsMadeFromItsEventLogEntryAndCarriesItsId() throws Exception {
        createHook("\"entity_types\":{\"Note\":{\"update\":[\"image\"]}}");
        SimAdmin.of(sim).putFile("Note", 7004, "image", "n.png", "image/png", () -> new java.io.ByteArrayInputStream("png".getBytes()));
        JsonNode d = next().json().get("data");

        long entryId = d.get("event_log_entry_id").asLong();
        JsonNode entry = c.searchArray("EventLogEntry", "{\"filters\":[[\"id\",\"is\"," + entryId + "]],"
                + "\"fields\":[\"event_type\",\"attribute_name\",\"entity\",\"meta\",\"session_uuid\"]}").json().at("/data/0");
        assertEquals("Shotgun_Note_Change", entry.at("/attributes/event_type").asText(), entry.toString());
        assertEquals("image", entry.at("/attributes/attribute_name").asText());
        assertEquals(7004, entry.at("/relationships/entity/data/id").asLong());
        assertEquals(d.get("meta"), entry.at("/attributes/meta"), "the delivery's meta is its entry's");
        assertEquals(d.get("session_uuid").asText(), entry.at("/attributes/session_uuid").asText());
        assertEquals(d.get("event_log_entry_id").asText(), d.get("id").asText().split("\\.")[0]);
    }

    @Test
    void aDeliveryIsOnRecordFromItsDispatchSoItsReceiverMayAcknowledgeItBeforeAnswering() throws Exception {
        createHook("\"entity_types\":{\"Shot\":{\"update\":[\"description\"]}}");
        acknowledgeBeforeAnswering = "{\"status\":\"copied\"}";
        try {
            c.put("/api/v1.1/entity/shots/1001", "{\"description\":\"acknowledged early\"}");
            String id = next().json().at("/data/delivery_id").asText();

            JsonNode recorded = answered(id);
            assertEquals(200, recorded.get("response_code").asInt());
            assertEquals("{\"status\":\"copied\"}", recorded.get("acknowledgement").asText(),
                    "the receiver's answer arriving later keeps the acknowledgement: " + recorded);
            assertEquals(200, acknowledgedEarly.poll(5, TimeUnit.SECONDS), "acknowledged while the delivery was in flight");
        } finally {
            acknowledgeBeforeAnswering = null;
        }
    }

    @Test
    void anAcknowledgementIsAtMost4096Bytes() throws Exception {
        createHook("\"entity_types\":{\"Shot\":{\"update\":[\"description\"]}}");
        c.put("/api/v1.1/entity/shots/1001", "{\"description\":\"acknowledged\"}");
        String id = next().json().at("/data/delivery_id").asText();
        String path = "/api/v1.1/webhook/deliveries/" + id;

        String most = "é".repeat(2048);   // 4096 bytes in UTF-8
        assertEquals(200, c.put(path, SimJson.object().put("acknowledgement", most).toString()).status());
        assertEquals(most, c.get(path).json().at("/data/acknowledgement").asText());
        SimAdmin.Response tooLong = c.put(path, SimJson.object().put("acknowledgement", most + "x").toString());
        assertEquals(400, tooLong.status(), tooLong.toString());
        assertEquals("acknowledgement must be 4096 bytes long or less", tooLong.json().at("/errors/0/source/acknowledgement/0").asText(),
                tooLong.toString());
        assertEquals(most, c.get(path).json().at("/data/acknowledgement").asText(), "unchanged by the refused one");
        assertEquals(404, c.put("/api/v1.1/webhook/deliveries/" + java.util.UUID.randomUUID(), "{\"acknowledgement\":\"x\"}").status());
    }

    @Test
    void aRecordedDeliveryCanBeSentAgainWithTheSameEventAndDeliveryId() throws Exception {
        createHook("\"entity_types\":{\"Shot\":{\"update\":[\"description\"]}},\"token\":\"s3cret\"");
        c.put("/api/v1.1/entity/shots/1001", "{\"description\":\"sent twice\"}");
        Received first = next();
        String id = first.json().at("/data/delivery_id").asText();
        answered(id);

        SimAdmin.Response r = c.post("/api/v1.1/webhook/deliveries/" + id + "/redeliver", "application/json", "{}");
        assertEquals(200, r.status(), r.toString());
        Received again = next();

        assertEquals(id, again.header("x-sg-delivery-id"));
        assertEquals(first.json().get("data"), again.json().get("data"), "the same event");
        assertEquals("sha1=" + Webhooks.hmacSha1("s3cret", again.body()), again.header("X-SG-SIGNATURE"));
        assertEquals(404, c.post("/api/v1.1/webhook/deliveries/" + java.util.UUID.randomUUID() + "/redeliver",
                "application/json", "{}").status());
    }

    /** The delivery's record once the receiver's answer is in it (it is on record, response_code 0, from its dispatch). */
    private JsonNode answered(String deliveryId) throws InterruptedException {
        JsonNode recorded = null;
        for (int i = 0; i < 100; i++) {
            SimAdmin.Response log = c.get("/api/v1.1/webhook/deliveries/" + deliveryId);
            assertEquals(200, log.status(), "on record from its dispatch: " + log);
            recorded = log.json().get("data");
            if (recorded.get("response_code").asInt() != 0) {
                return recorded;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the receiver's answer was never recorded: " + recorded);
    }

    @Test
    void updatesGiveOneDeliveryPerChangedAttributeWithOldAndNewValues() throws Exception {
        createHook("\"entity_types\":{\"Shot\":{\"update\":[]}}");
        c.put("/api/v1.1/entity/shots/1001", "{\"description\":\"Car enters frame left\",\"sg_status_list\":\"fin\","
                + "\"sg_sequence\":{\"type\":\"Sequence\",\"id\":21}}");
        List<JsonNode> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Received r = next();
            assertNull(r.header("x-sg-signature"), "no token, no signature");
            got.add(r.json().get("data"));
        }
        got.sort((a, b) -> a.get("attribute_name").asText().compareTo(b.get("attribute_name").asText()));
        JsonNode desc = got.get(0);
        assertEquals("Shotgun_Shot_Change", desc.get("event_type").asText());
        assertEquals("update", desc.get("operation").asText());
        assertEquals("description", desc.at("/meta/attribute_name").asText());
        assertEquals("attribute_change", desc.at("/meta/type").asText());
        assertEquals("text", desc.at("/meta/field_data_type").asText());
        assertEquals("Car enters frame", desc.at("/meta/old_value").asText());
        assertEquals("Car enters frame left", desc.at("/meta/new_value").asText());
        JsonNode seq = got.get(1);
        assertEquals("sg_sequence", seq.get("attribute_name").asText());
        assertEquals("SEQ01", seq.at("/meta/old_value/name").asText());
        assertEquals(21, seq.at("/meta/new_value/id").asLong());
        assertEquals("fin", got.get(2).at("/meta/new_value").asText());
        assertNull(poll(100));
    }

    @Test
    void attributeFilterProjectsAndStatusLimitDeliveries() throws Exception {
        String id = createHook("\"entity_types\":{\"Shot\":{\"update\":[\"sg_status_list\"]}}");
        c.put("/api/v1.1/entity/shots/1001", "{\"description\":\"ignored\"}");
        c.put("/api/v1.1/entity/shots/1001", "{\"sg_status_list\":\"fin\"}");
        assertEquals("sg_status_list", next().json().at("/data/attribute_name").asText());
        assertNull(poll(300), "the description change was not subscribed");

        c.put("/api/v1.1/webhook/hooks/" + id, "{\"status\":\"disabled\"}");
        assertEquals("Webhook_Status_Change", next().json().at("/data/event_type").asText());
        c.put("/api/v1.1/entity/shots/1001", "{\"sg_status_list\":\"ip\"}");
        assertNull(poll(300), "a disabled hook gets nothing");

        createHook("\"entity_types\":{\"Note\":{\"create\":[]}},\"projects\":[71]");
        c.postJson("/api/v1.1/entity/notes", "{\"project\":{\"type\":\"Project\",\"id\":70},\"subject\":\"x\"}");
        assertNull(poll(300), "another project's hook gets nothing");
    }

    @Test
    void retirementsAndRevivals() throws Exception {
        createHook("\"entity_types\":{\"Asset\":{\"delete\":[],\"revive\":[]}}");
        c.delete("/api/v1.1/entity/assets/1227");
        JsonNode retired = next().json().get("data");
        assertEquals("Shotgun_Asset_Retirement", retired.get("event_type").asText());
        assertEquals("delete", retired.get("operation").asText());
        c.post("/api/v1.1/entity/assets/1227?revive=true", null, "");
        JsonNode revived = next().json().get("data");
        assertEquals("Shotgun_Asset_Revival", revived.get("event_type").asText());
        assertEquals("revive", revived.get("operation").asText());
        assertEquals(1227, revived.at("/entity/id").asLong());
    }

    @Test
    void batchedDeliveriesComeTogether() throws Exception {
        createHook("\"entity_types\":{\"Note\":{\"create\":[]}},\"batch_deliveries\":true,\"token\":\"k\"");
        // One _batch call: its three events share one 300 ms batching window however busy the machine is
        // (three creates one after another took longer than that under load)
        String creates = String.join(",", java.util.Collections.nCopies(3, "{\"request_type\":\"create\",\"entity\":\"Note\","
                + "\"data\":{\"project\":{\"type\":\"Project\",\"id\":70},\"subject\":\"batched\"}}"));
        assertEquals(200, c.postJson("/api/v1.1/entity/_batch", "{\"requests\":[" + creates + "]}").status());
        Received r = next();
        assertEquals("sha1=" + Webhooks.hmacSha1("k", r.body()), r.header("x-sg-signature"));
        JsonNode body = r.json();
        assertTrue(body.has("timestamp"));
        JsonNode list = body.at("/data/deliveries");
        assertEquals(3, list.size(), body.toString());
        assertEquals("3", r.header("x-sg-event-batch-size"));
        assertEquals("Shotgun_Note_New", list.get(0).get("event_type").asText());
    }
}
