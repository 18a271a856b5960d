package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /entity/_batch}: creates, updates and deletes in one call, all or nothing. */
class SimBatchTest extends SimHttpTest {

    private static final String PROJECT = "{\"type\":\"Project\",\"id\":70}";

    private SimAdmin.Response batch(String requests) {
        return c.postJson("/api/v1.1/entity/_batch", "{\"requests\":[" + requests + "]}");
    }

    private int shotsCoded(String code) {
        return c.searchArray("Shot", "{\"filters\":[[\"code\",\"is\",\"" + code + "\"]]}").json().get("data").size();
    }

    @Test
    void mixedRequestsRunInOrderAndAnswerOneRowEach() {
        SimAdmin.Response r = batch("{\"request_type\":\"create\",\"entity\":\"Shot\",\"data\":{\"project\":" + PROJECT + ",\"code\":\"b010\"}},"
                + "{\"request_type\":\"update\",\"entity\":\"Shot\",\"record_id\":1001,\"data\":{\"description\":\"batched\"}},"
                + "{\"request_type\":\"delete\",\"entity\":\"Note\",\"record_id\":7005}");
        assertEquals(200, r.status(), r.toString());
        JsonNode rows = r.json().get("data");
        assertEquals(3, rows.size());
        assertEquals("b010", rows.at("/0/data/attributes/code").asText());
        assertTrue(rows.at("/0/data/attributes/created_at").asText().endsWith(" UTC"), "a create row is the create answer");
        assertEquals("batched", rows.at("/1/data/attributes/description").asText());
        assertEquals("successful", rows.at("/1/status").asText(), "an update row is the update answer");
        assertTrue(rows.get(1).has("links"));
        JsonNode deleted = rows.get(2);
        assertEquals("delete", deleted.get("request_type").asText());
        assertEquals("Note", deleted.get("type").asText());
        assertEquals(7005, deleted.get("id").asLong());
        assertTrue(deleted.get("did_delete").asBoolean());
        assertTrue(deleted.get("uuid").asText().matches("[0-9a-f-]{36}"), deleted.toString());

        assertEquals(1, shotsCoded("b010"));
        assertEquals("batched", c.get("/api/v1.1/entity/shots/1001?fields=description").json().at("/data/attributes/description").asText());
        assertEquals(404, c.get("/api/v1.1/entity/notes/7005").status(), "deleted = retired");
        assertEquals(200, c.get("/api/v1.1/entity/notes/7005?options[return_only]=retired").status());
        assertEquals(0, batch("").json().get("data").size(), "an empty batch is an empty answer");
    }

    @Test
    void oneFailingRequestLeavesNothingAppliedAndFiresNoWebhook() throws Exception {
        ConcurrentLinkedQueue<String> delivered = new ConcurrentLinkedQueue<>();
        var receiver = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", ex -> {
            delivered.add(new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        try {
            assertEquals(201, c.postJson("/api/v1.1/webhook/hooks", "{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort()
                    + "/\",\"entity_types\":{\"Shot\":{\"create\":[],\"update\":[]}}}").status());
            String before = c.get("/api/v1.1/entity/shots/1001?fields=description").json().at("/data/attributes/description").asText();

            SimAdmin.Response missing = batch("{\"request_type\":\"create\",\"entity\":\"Shot\",\"data\":{\"project\":" + PROJECT + ",\"code\":\"b011\"}},"
                    + "{\"request_type\":\"update\",\"entity\":\"Shot\",\"record_id\":1001,\"data\":{\"description\":\"never\"}},"
                    + "{\"request_type\":\"update\",\"entity\":\"Shot\",\"record_id\":999999,\"data\":{\"description\":\"x\"}}");
            assertEquals(404, missing.status());
            assertEquals("Entity of type [Shot] with id=999999 does not exist.", missing.json().at("/errors/0/detail").asText());
            SimAdmin.Response badField = batch("{\"request_type\":\"create\",\"entity\":\"Shot\",\"data\":{\"project\":" + PROJECT + ",\"code\":\"b011\"}},"
                    + "{\"request_type\":\"create\",\"entity\":\"Shot\",\"data\":{\"project\":" + PROJECT + ",\"sg_not_a_field\":1}}");
            assertEquals(400, badField.status());
            SimAdmin.Response deleteTwice = batch("{\"request_type\":\"delete\",\"entity\":\"Shot\",\"record_id\":1004},"
                    + "{\"request_type\":\"delete\",\"entity\":\"Shot\",\"record_id\":1004}");
            assertEquals(404, deleteTwice.status(), "deleting a row twice fails the batch");

            assertEquals(0, shotsCoded("b011"));
            assertEquals(before, c.get("/api/v1.1/entity/shots/1001?fields=description").json().at("/data/attributes/description").asText());
            assertEquals(200, c.get("/api/v1.1/entity/shots/1004").status(), "the first delete was rolled back too");

            assertEquals(200, batch("{\"request_type\":\"update\",\"entity\":\"Shot\",\"record_id\":1001,\"data\":{\"description\":\"landed\"}}").status());
            for (int i = 0; i < 100 && delivered.isEmpty(); i++) {
                Thread.sleep(20);
            }
            Thread.sleep(200);   // time for any delivery of the rolled-back batches to show up, too
            assertEquals(1, delivered.size(), "only the committed batch was delivered: " + delivered);
            assertTrue(delivered.peek().contains("landed"));
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void theContractOne400AtATime() {
        SimAdmin.Response vendor = c.post("/api/v1.1/entity/_batch", EntityApi.ARRAY_TYPE, "{\"requests\":[]}");
        assertEquals(415, vendor.status());
        assertEquals("Content-Type must be one of: 'application/json'.", vendor.json().at("/errors/0/source/content_type").asText());
        assertEquals("Invalid JSON body. Expected Hash but received Array.",
                c.postJson("/api/v1.1/entity/_batch", "[]").json().at("/errors/0/title").asText());
        SimAdmin.Response noRequests = c.postJson("/api/v1.1/entity/_batch", "{\"data\":[]}");
        assertEquals(400, noRequests.status());
        assertEquals("requests is missing", noRequests.json().at("/errors/0/source/requests/0").asText());
        assertEquals("entity is missing", batch("{\"request_type\":\"create\",\"data\":{}}").json().at("/errors/0/source/requests/0/entity/0").asText());
        assertEquals("request_type must be one of: create, update, delete",
                batch("{\"request_type\":\"read\",\"entity\":\"Shot\"}").json().at("/errors/0/source/requests/0/request_type/0").asText());
        assertEquals("data hash containing field/value pairs is required for the given request",
                batch("{\"request_type\":\"create\",\"entity\":\"Shot\"}").json().at("/errors/0/source/data/0").asText());
        assertEquals(400, batch("{\"request_type\":\"create\",\"entity\":\"shots\",\"data\":{}}").status(), "the schema name, not the slug");
        SimAdmin.Response noId = batch("{\"request_type\":\"delete\",\"entity\":\"Shot\"}");
        assertEquals(404, noId.status());
        assertEquals("Entity of type [Shot] with id=0 does not exist.", noId.json().at("/errors/0/detail").asText());
        assertEquals(200, c.postJson("/api/v1.1/entity/_batch/", "{\"requests\":[]}").status(), "the nodejs client's trailing slash");
    }
}
