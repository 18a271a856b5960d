package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Custom fields through {@code /schema/{type}/fields}, and {@code /preferences?prefs=}. */
class SimSchemaTest extends SimHttpTest {

    private static String field(String dataType, String displayName) {
        return "{\"data_type\":\"" + dataType + "\",\"properties\":[{\"property_name\":\"name\",\"value\":\"" + displayName + "\"}]}";
    }

    private boolean listed(String type, String field) {
        return c.get("/api/v1.1/schema/" + type + "/fields").json().get("data").has(field);
    }

    @Test
    void aCreatedFieldIsNamedFromItsDisplayNameAndWorksAtOnce() {
        SimAdmin.Response r = c.postJson("/api/v1.1/schema/Version/fields", field("text", "Probe 019 With (Parens)"));
        assertEquals(201, r.status(), r.toString());
        assertEquals("/api/v1.1/schema/Version/fields/sg_probe_019_with__parens_", r.json().at("/links/self").asText(),
                "the field name is only in links.self");
        assertEquals("Probe 019 With (Parens)", r.json().at("/data/name/value").asText());
        assertEquals("text", r.json().at("/data/data_type/value").asText());
        assertTrue(listed("Version", "sg_probe_019_with__parens_"));

        assertEquals(200, c.put("/api/v1.1/entity/versions/6001", "{\"sg_probe_019_with__parens_\":\"hello\"}").status());
        assertEquals("hello", c.get("/api/v1.1/entity/versions/6001?fields=sg_probe_019_with__parens_").json()
                .at("/data/attributes/sg_probe_019_with__parens_").asText());
        assertEquals(6001, c.searchArray("Version", "{\"filters\":[[\"sg_probe_019_with__parens_\",\"is\",\"hello\"]]}")
                .json().at("/data/0/id").asLong());

        SimAdmin.Response again = c.postJson("/api/v1.1/schema/Version/fields", field("text", "Probe 019 With (Parens)"));
        assertEquals("/api/v1.1/schema/Version/fields/sg_probe_019_with__parens__1", again.json().at("/links/self").asText(),
                "a name in use gets a silent _1");
        assertEquals("/api/v1.1/schema/Version/fields/sg_sg_already", c.postJson("/api/v1.1/schema/Version/fields",
                field("number", "sg_already")).json().at("/links/self").asText(), "an sg_ display name is prefixed again");
    }

    @Test
    void entityAndCheckboxFieldsNeedTheirProperties() {
        SimAdmin.Response two = c.postJson("/api/v1.1/schema/Version/fields", "{\"data_type\":\"entity\",\"properties\":["
                + "{\"property_name\":\"name\",\"value\":\"Source Plate\"},{\"property_name\":\"valid_types\",\"value\":[\"Shot\",\"Asset\"]}]}");
        assertEquals(400, two.status());
        assertEquals("'valid_types' value expected Array with one element", two.json().at("/errors/0/title").asText());
        SimAdmin.Response one = c.postJson("/api/v1.1/schema/Version/fields", "{\"data_type\":\"entity\",\"properties\":["
                + "{\"property_name\":\"name\",\"value\":\"Source Plate\"},{\"property_name\":\"valid_types\",\"value\":[\"Shot\"]}]}");
        assertEquals(201, one.status(), one.toString());
        assertEquals(200, c.put("/api/v1.1/entity/versions/6001", "{\"sg_source_plate\":{\"type\":\"Shot\",\"id\":1001}}").status());
        assertEquals("sh010", c.get("/api/v1.1/entity/versions/6001?fields=sg_source_plate").json()
                .at("/data/relationships/sg_source_plate/data/name").asText());
        assertEquals(400, c.put("/api/v1.1/entity/versions/6001", "{\"sg_source_plate\":{\"type\":\"Asset\",\"id\":1226}}").status(),
                "valid_types binds");

        assertEquals(400, c.postJson("/api/v1.1/schema/Version/fields", field("checkbox", "Approved")).status());
        for (String type : List.of("image", "color", "nope")) {
            SimAdmin.Response bad = c.postJson("/api/v1.1/schema/Version/fields", field(type, "X " + type));
            assertEquals("data_type is not valid", bad.json().at("/errors/0/source/data_type/0").asText(), type);
        }
        assertEquals(400, c.postJson("/api/v1.1/schema/Version/fields", "{\"data_type\":\"text\"}").status(), "no display name");
        assertEquals(415, c.post("/api/v1.1/schema/Version/fields", EntityApi.HASH_TYPE, field("text", "x")).status());
    }

    @Test
    void renameChangesTheLabelOnlyAndADataTypeChangeIsIgnored() {
        c.postJson("/api/v1.1/schema/Shot/fields", field("text", "My Field"));
        SimAdmin.Response renamed = c.put("/api/v1.1/schema/Shot/fields/sg_my_field",
                "{\"properties\":[{\"property_name\":\"name\",\"value\":\"Renamed\"},{\"property_name\":\"description\",\"value\":\"why\"}]}");
        assertEquals(200, renamed.status(), renamed.toString());
        JsonNode read = c.get("/api/v1.1/schema/Shot/fields/sg_my_field").json().get("data");
        assertEquals("Renamed", read.at("/name/value").asText());
        assertEquals("why", read.at("/description/value").asText());
        assertEquals(200, c.put("/api/v1.1/schema/Shot/fields/sg_my_field", "{\"data_type\":\"number\"}").status());
        assertEquals("text", c.get("/api/v1.1/schema/Shot/fields/sg_my_field").json().at("/data/data_type/value").asText(),
                "200, and the type is what it was");
        assertEquals(404, c.put("/api/v1.1/schema/Shot/fields/sg_nope", "{\"properties\":[]}").status());
    }

    @Test
    void deleteRetiresTheFieldAndItsNameAndReviveBringsItBackWithItsValues() {
        c.postJson("/api/v1.1/schema/Shot/fields", field("text", "Lens"));
        c.put("/api/v1.1/entity/shots/1001", "{\"sg_lens\":\"35mm\"}");

        SimAdmin.Response deleted = c.delete("/api/v1.1/schema/Shot/fields/sg_lens");
        assertEquals(204, deleted.status(), deleted.toString());
        assertFalse(listed("Shot", "sg_lens"));
        assertEquals(404, c.get("/api/v1.1/schema/Shot/fields/sg_lens").status());
        assertFalse(c.get("/api/v1.1/entity/shots/1001?fields=*").json().at("/data/attributes").has("sg_lens"));
        assertEquals(400, c.searchArray("Shot", "{\"filters\":[[\"sg_lens\",\"is\",\"35mm\"]]}").status());
        SimAdmin.Response burnt = c.postJson("/api/v1.1/schema/Shot/fields", field("number", "Lens"));
        assertEquals(400, burnt.status());
        assertTrue(burnt.json().at("/errors/0/title").asText().startsWith(
                "API schema_field_create() failed, there is a retired field with the same field_name: sg_lens."), burnt.toString());

        SimAdmin.Response empty = c.postJson("/api/v1.1/schema/Shot/fields/sg_lens", "{}");
        assertEquals("revive is missing", empty.json().at("/errors/0/source/revive/0").asText());
        assertEquals(204, c.postJson("/api/v1.1/schema/Shot/fields/sg_lens", "{\"revive\":true}").status());
        assertEquals("35mm", c.get("/api/v1.1/entity/shots/1001?fields=sg_lens").json().at("/data/attributes/sg_lens").asText());
        c.delete("/api/v1.1/schema/Shot/fields/sg_lens");
        assertEquals(204, c.post("/api/v1.1/schema/Shot/fields/sg_lens?revive=true", null, "").status(), "the nodejs client's ?revive=true");
        assertEquals(404, c.postJson("/api/v1.1/schema/Shot/fields/sg_never", "{\"revive\":true}").status());

        assertEquals(400, c.delete("/api/v1.1/schema/Shot/fields/code").status(), "the display field stays");
        assertEquals(400, c.delete("/api/v1.1/schema/Shot/fields/created_at").status(), "system fields stay");
    }

    @Test
    void resetUndoesSchemaChanges() {
        c.postJson("/api/v1.1/schema/Note/fields", field("text", "Temp"));
        c.delete("/api/v1.1/schema/Note/fields/sg_note_type");
        c.put("/api/v1.1/schema/Note/fields/subject", "{\"properties\":[{\"property_name\":\"name\",\"value\":\"Title\"}]}");
        c.reset();
        assertFalse(listed("Note", "sg_temp"));
        assertTrue(listed("Note", "sg_note_type"));
        assertEquals("Subject", c.get("/api/v1.1/schema/Note/fields/subject").json().at("/data/name/value").asText());
    }

    @Test
    void preferencesNarrowToTheNamedOnes() {
        SimAdmin.Response all = c.get("/api/v1.1/preferences");
        assertEquals(8, all.json().get("data").size());
        SimAdmin.Response two = c.get("/api/v1.1/preferences?prefs=format_date_fields,date_component_order");
        List<String> keys = new ArrayList<>();
        two.json().get("data").fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("format_date_fields", "date_component_order"), keys);
        assertEquals("/api/v1.1/preferences?prefs=format_date_fields,date_component_order", two.json().at("/links/self").asText());
        SimAdmin.Response unknown = c.get("/api/v1.1/preferences?prefs=hours_per_day_nope");
        assertEquals(200, unknown.status(), "an unknown name is not an error");
        assertEquals(0, unknown.json().get("data").size());
    }
}
