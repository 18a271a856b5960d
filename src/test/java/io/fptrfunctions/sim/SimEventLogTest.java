package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event log: EventLogEntry rows for every write and for bulk seeding, searchable, read-only, bounded. */
class SimEventLogTest {

    static FptrSimulator sim;
    SimAdmin c;

    @BeforeAll
    static void start() throws Exception {
        sim = FptrSimulator.start(new FptrSimulator.Options().seed(FptrSimulator.demoSeed()));
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.reset();
        c = SimAdmin.of(sim).login();
    }

    private List<JsonNode> entries(String filters) {
        JsonNode data = c.searchArray("EventLogEntry", "{\"filters\":" + filters + ",\"fields\":[\"event_type\",\"attribute_name\","
                + "\"entity\",\"project\",\"meta\",\"created_at\",\"user\"],\"sort\":\"id\",\"page\":{\"size\":500}}").json().path("data");
        List<JsonNode> out = new ArrayList<>();
        data.forEach(out::add);
        return out;
    }

    @Test
    void anUpdateLogsOneChangePerFieldAndACreateItsNewEntryThenItsFields() {
        assertEquals(200, c.put("/api/v1.1/entity/notes/7002", "{\"subject\":\"v2\",\"content\":\"more\"}").status());

        List<JsonNode> changes = entries("[[\"entity\",\"is\",{\"type\":\"Note\",\"id\":7002}]]");
        assertEquals(2, changes.size(), changes.toString());
        JsonNode subject = changes.stream().filter(e -> e.at("/attributes/attribute_name").asText().equals("subject")).findFirst().orElseThrow();
        assertEquals("Shotgun_Note_Change", subject.at("/attributes/event_type").asText());
        assertEquals("attribute_change", subject.at("/attributes/meta/type").asText());
        assertEquals("v2", subject.at("/attributes/meta/new_value").asText());
        assertEquals(70, subject.at("/relationships/project/data/id").asLong());
        assertEquals("ApiUser", subject.at("/relationships/user/data/type").asText());
        assertTrue(subject.at("/attributes/created_at").asText().endsWith("Z"), subject.toString());
        assertEquals(changes.get(0).get("id").asLong() + 1, changes.get(1).get("id").asLong(), "one write, consecutive ids");

        long note = c.postJson("/api/v1.1/entity/notes", "{\"subject\":\"new\",\"project\":{\"type\":\"Project\",\"id\":70}}")
                .json().at("/data/id").asLong();
        List<JsonNode> created = entries("[[\"entity\",\"is\",{\"type\":\"Note\",\"id\":" + note + "}]]");
        assertEquals("Shotgun_Note_New", created.get(0).at("/attributes/event_type").asText(), created.toString());
        assertTrue(created.get(0).at("/attributes/attribute_name").isNull());
        assertEquals("new_entity", created.get(0).at("/attributes/meta/type").asText());
        assertTrue(created.stream().skip(1).allMatch(e -> e.at("/attributes/meta/in_create").asBoolean()
                && e.at("/attributes/event_type").asText().equals("Shotgun_Note_Change")), created.toString());
        assertTrue(created.stream().anyMatch(e -> e.at("/attributes/attribute_name").asText().equals("subject")));
    }

    @Test
    void anImageChangeIsFoundByTypeAttributeAndTimeAndAnotherFieldsChangeIsNot() {
        c.put("/api/v1.1/entity/notes/7004", "{\"subject\":\"retitled\"}");
        SimAdmin.of(sim).putFile("Note", 7005, "image", "n.png", "image/png", () -> new java.io.ByteArrayInputStream("png".getBytes()));

        List<JsonNode> images = entries("[[\"event_type\",\"is\",\"Shotgun_Note_Change\"],[\"attribute_name\",\"is\",\"image\"],"
                + "[\"created_at\",\"greater_than\",\"2000-01-01T00:00:00Z\"]]");
        assertEquals(1, images.size(), images.toString());
        assertEquals(7005, images.get(0).at("/relationships/entity/data/id").asLong());
    }

    @Test
    void deletionAndRevivalAreLogged() {
        assertEquals(204, c.delete("/api/v1.1/entity/notes/7002").status());
        assertEquals(200, c.post("/api/v1.1/entity/notes/7002?revive=true", "application/json", "").status());
        List<JsonNode> logged = entries("[[\"entity\",\"is\",{\"type\":\"Note\",\"id\":7002}]]");
        assertEquals(List.of("Shotgun_Note_Retirement", "Shotgun_Note_Revival"),
                logged.stream().map(e -> e.at("/attributes/event_type").asText()).toList());
    }

    @Test
    void anEntrysEntityReadsAsNullWhileTheEntityIsRetiredAndAgainOnceRevived() {
        c.put("/api/v1.1/entity/notes/7002", "{\"subject\":\"before the delete\"}");
        long change = entries("[[\"entity\",\"is\",{\"type\":\"Note\",\"id\":7002}]]").get(0).get("id").asLong();
        assertEquals(204, c.delete("/api/v1.1/entity/notes/7002").status());

        JsonNode retired = c.get("/api/v1.1/entity/event_log_entries/" + change + "?fields=entity,meta").json().path("data");
        assertTrue(retired.at("/relationships/entity/data").isNull(), "as read now, not as logged: " + retired);
        assertEquals(7002, retired.at("/attributes/meta/entity_id").asLong(), "meta still names it");

        assertEquals(200, c.post("/api/v1.1/entity/notes/7002?revive=true", "application/json", "").status());
        JsonNode revived = c.get("/api/v1.1/entity/event_log_entries/" + change + "?fields=entity").json().path("data");
        assertEquals(7002, revived.at("/relationships/entity/data/id").asLong(), revived.toString());
    }

    @Test
    void rowsSeededInBulkAreLoggedAsCreatesAtTheirCreatedAt() {
        long id = SimAdmin.of(sim).insert(Map.of("type", "Note", "project", Map.of("type", "Project", "id", 70),
                "subject", "seeded", "image", "seeded.png", "created_at", "2026-02-01T00:00:00Z"));
        List<JsonNode> logged = entries("[[\"entity\",\"is\",{\"type\":\"Note\",\"id\":" + id + "}]]");
        assertEquals("Shotgun_Note_New", logged.get(0).at("/attributes/event_type").asText(), logged.toString());
        assertTrue(logged.stream().allMatch(e -> e.at("/attributes/created_at").asText().equals("2026-02-01T00:00:00Z")));
        assertTrue(logged.stream().anyMatch(e -> e.at("/attributes/attribute_name").asText().equals("image")));
    }

    @Test
    void theLogIsReadOnly() {
        SimAdmin.Response create = c.postJson("/api/v1.1/entity/event_log_entries", "{\"event_type\":\"Mine_Note_Change\"}");
        assertEquals(403, create.status(), create.toString());
        assertEquals(103, create.json().at("/errors/0/code").asInt());
        c.put("/api/v1.1/entity/notes/7002", "{\"subject\":\"v2\"}");
        long entry = entries("[]").get(0).get("id").asLong();
        assertEquals(403, c.put("/api/v1.1/entity/event_log_entries/" + entry, "{\"description\":\"x\"}").status());
        assertEquals(403, c.delete("/api/v1.1/entity/event_log_entries/" + entry).status());
        assertEquals(200, c.get("/api/v1.1/entity/event_log_entries/" + entry).status(), "reads are answered");
    }

    @Test
    void theLogKeepsItsNewestEntriesWithinItsBound() {
        SimStore store = sim.store();
        store.write(() -> {
            for (int i = 0; i < EventLog.MAX_ENTRIES + 10; i++) {
                SimRecord r = store.newRow(EventLog.TYPE);
                store.insertRow(r);
            }
            return null;
        });
        c.put("/api/v1.1/entity/notes/7002", "{\"subject\":\"latest\"}");
        int kept = store.read(() -> store.all(EventLog.TYPE).size());
        assertEquals(EventLog.MAX_ENTRIES, kept);
        assertEquals(1, entries("[[\"entity\",\"is\",{\"type\":\"Note\",\"id\":7002}]]").size(), "the newest is kept");
    }
}
