package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Server info, list, read, create, update, delete, revive and their errors. */
class SimRecordsTest extends SimHttpTest {

    @Test
    void serverInfoEchoesTheApiVersionCalledWithoutAuth() {
        SimAdmin anonymous = SimAdmin.of(sim);
        assertEquals("v1", anonymous.get("/api/v1").json().at("/data/api_version").asText());
        assertEquals("v1.1", anonymous.get("/api/v1.1").json().at("/data/api_version").asText());
        SimAdmin.Response v2 = anonymous.get("/api/v2");
        assertEquals(404, v2.status());
        assertEquals(103, v2.json().at("/errors/0/code").asInt());
    }

    @Test
    void typeNamesAndSlugsBothWorkAndLinksUseSlugAndPrefixCalled() {
        for (String segment : List.of("HumanUser", "human_users", "humanuser")) {
            SimAdmin.Response r = c.get("/api/v1/entity/" + segment + "/88?fields=name,login");
            assertEquals(200, r.status(), segment + ": " + r);
            assertEquals("/api/v1/entity/human_users/88", r.json().at("/data/links/self").asText());
            assertEquals("Jane Doe", r.json().at("/data/attributes/name").asText());
        }
        SimAdmin.Response storage = c.get("/api/v1.1/entity/LocalStorage/2?fields=code");
        assertEquals("/api/v1.1/entity/local_storages/2", storage.json().at("/data/links/self").asText());
    }

    @Test
    void aHumanUsersNameIsDerivedFromFirstAndLastNameAndFollowsThem() {
        SimAdmin.Response created = c.postJson("/api/v1.1/entity/human_users",
                "{\"firstname\":\"Mei\",\"lastname\":\"Chen\",\"login\":\"mchen\"}");
        assertEquals(201, created.status(), created.toString());
        assertEquals("Mei Chen", created.json().at("/data/attributes/name").asText(), "the create answer shows the derived name");
        long id = created.json().at("/data/id").asLong();

        // found by name, as note-search's author filter and "find the user" scripts do
        SimAdmin.Response byName = c.searchArray("HumanUser", "{\"filters\":[[\"name\",\"is\",\"Mei Chen\"]],\"fields\":[\"login\"]}");
        assertEquals(id, byName.json().at("/data/0/id").asLong(), byName.toString());
        long note = c.postJson("/api/v1.1/entity/notes", "{\"project\":{\"type\":\"Project\",\"id\":70},\"subject\":\"x\","
                + "\"user\":{\"type\":\"HumanUser\",\"id\":" + id + "}}").json().at("/data/id").asLong();
        assertEquals("Mei Chen", c.get("/api/v1.1/entity/notes/" + note + "?fields=user").json().at("/data/relationships/user/data/name").asText());

        c.put("/api/v1.1/entity/human_users/" + id, "{\"lastname\":\"Chen-Wu\"}");
        assertEquals("Mei Chen-Wu", c.get("/api/v1.1/entity/human_users/" + id + "?fields=name").json().at("/data/attributes/name").asText());
        c.put("/api/v1.1/entity/human_users/" + id, "{\"name\":\"Someone Else\"}");
        assertEquals("Mei Chen-Wu", c.get("/api/v1.1/entity/human_users/" + id + "?fields=name").json().at("/data/attributes/name").asText(),
                "name is not written directly: it follows firstname and lastname");
        assertEquals("Mei", c.postJson("/api/v1.1/entity/human_users", "{\"firstname\":\"Mei\",\"login\":\"mei\"}")
                .json().at("/data/attributes/name").asText(), "first name alone");
    }

    @Test
    void otherDisplayNamesScriptsProjectsAndServerMadeCodes() {
        assertEquals("fptr-functions", c.get("/api/v1.1/entity/notes/7008?fields=user").json().at("/data/relationships/user/data/name").asText(),
                "an ApiUser shows as its script name (firstname)");
        long project = c.postJson("/api/v1.1/entity/projects", "{\"name\":\"Second Project\"}").json().at("/data/id").asLong();
        SimAdmin.Response shot = c.postJson("/api/v1.1/entity/shots", "{\"project\":{\"type\":\"Project\",\"id\":" + project + "}}");
        long shotId = shot.json().at("/data/id").asLong();
        assertEquals("New Shot " + shotId, shot.json().at("/data/attributes/code").asText(), "an omitted code is made by the server");
        assertEquals("Second Project", shot.json().at("/data/relationships/project/data/name").asText());
        for (String type : List.of("Sequence", "Version")) {
            SimAdmin.Response r = c.postJson("/api/v1.1/entity/" + type, "{\"project\":{\"type\":\"Project\",\"id\":70}}");
            assertEquals("New " + type + " " + r.json().at("/data/id").asLong(), r.json().at("/data/attributes/code").asText());
            assertEquals(r.json().at("/data/attributes/code").asText(), r.json().at("/data/attributes/cached_display_name").asText());
        }
    }

    @Test
    void entityFieldsAreRelationshipsWithDisplayNames() {
        SimAdmin.Response r = c.get("/api/v1.1/entity/notes/7001?fields=subject,note_links,user,project,created_by");
        JsonNode d = r.json().get("data");
        assertEquals("sh010 lighting: key too hot", d.at("/attributes/subject").asText());
        assertFalse(d.get("attributes").has("note_links"));
        JsonNode links = d.at("/relationships/note_links/data");
        assertEquals(2, links.size());
        assertEquals("sh010", links.get(0).get("name").asText());
        assertEquals("sh010_lgt_v001", links.get(1).get("name").asText());
        assertEquals("/api/v1.1/entity/notes/7001/relationships/note_links", d.at("/relationships/note_links/links/self").asText());
        assertEquals("John Smith", d.at("/relationships/user/data/name").asText());
        assertEquals("/api/v1.1/entity/human_users/89", d.at("/relationships/user/links/related").asText());
        assertEquals("Demo Project", d.at("/relationships/project/data/name").asText());
    }

    @Test
    void dottedFieldsComeBackFlatAndThroughMultiEntityAreDropped() {
        SimAdmin.Response r = c.get("/api/v1.1/entity/shots/1001?fields=code,sg_sequence.Sequence.code,project.Project.name,assets.Asset.code,bogus");
        JsonNode attrs = r.json().at("/data/attributes");
        assertEquals("SEQ01", attrs.get("sg_sequence.Sequence.code").asText());
        assertEquals("Demo Project", attrs.get("project.Project.name").asText());
        assertFalse(attrs.has("assets.Asset.code"));
        assertFalse(attrs.has("bogus"));
    }

    @Test
    void listPagesWithLinksAndEmptyPagesStillHaveNext() {
        SimAdmin.Response r = c.get("/api/v1.1/entity/Shot?fields=code&sort=-code&page[size]=3");
        assertEquals(200, r.status(), r.toString());
        JsonNode data = r.json().get("data");
        assertEquals(List.of("sh040", "sh030", "sh020"), codes(data));
        assertEquals("/api/v1.1/entity/Shot?fields=code&sort=-code&page[size]=3", r.json().at("/links/self").asText());
        assertEquals("/api/v1.1/entity/Shot?fields=code&page%5Bnumber%5D=2&page%5Bsize%5D=3&sort=-code",
                r.json().at("/links/next").asText());
        SimAdmin.Response p2 = c.get("/api/v1.1/entity/Shot?fields=code&sort=-code&page[size]=3&page[number]=2");
        assertEquals(List.of("sh010"), codes(p2.json().get("data")));
        assertTrue(p2.json().at("/links/prev").asText().contains("page%5Bnumber%5D=1"));
        SimAdmin.Response p3 = c.get("/api/v1.1/entity/Shot?fields=code&page[size]=3&page[number]=3");
        assertEquals(0, p3.json().get("data").size());
        assertTrue(p3.json().at("/links/next").asText().contains("page%5Bnumber%5D=4"));
    }

    @Test
    void listFilterParametersAndUnknownFilterField() {
        SimAdmin.Response r = c.get("/api/v1.1/entity/Shot?fields=code&filter[sg_sequence.Sequence.code]=SEQ02");
        assertEquals(List.of("sh030", "sh040"), codes(r.json().get("data")));
        SimAdmin.Response byProject = c.get("/api/v1.1/entity/Note?fields=subject&filter[project.Project.id]=70");
        assertEquals(8, byProject.json().get("data").size());
        SimAdmin.Response bad = c.get("/api/v1/entity/Asset?fields=%2A&filter%5Bnot_existing_field%5D=NOPE");
        assertEquals(400, bad.status());
        JsonNode err = bad.json().at("/errors/0");
        assertEquals("API read() Asset.not_existing_field doesn't exist.", err.get("title").asText());
        assertEquals(" does not exist. Value: {\"path\"=>\"not_existing_field\", \"relation\"=>\"is\", \"values\"=>[\"NOPE\"]}",
                err.at("/source/Asset.not_existing_field").asText());
        assertEquals(103, err.get("code").asInt());
        assertTrue(err.get("detail").isNull() && err.get("meta").isNull());
    }

    @Test
    void pageSizeLimits() {
        assertEquals(200, c.get("/api/v1.1/entity/Shot?page[size]=5000").status());
        SimAdmin.Response big = c.get("/api/v1.1/entity/Shot?page[size]=5001");
        assertEquals(400, big.status());
        assertEquals("size must be less than 5000", big.json().at("/errors/0/source/page/size/0").asText());
        assertEquals("Request Parameters invalid.", big.json().at("/errors/0/title").asText());
        SimAdmin.Response zero = c.get("/api/v1.1/entity/Shot?page[size]=0");
        assertEquals("size must be greater than 0", zero.json().at("/errors/0/source/page/size/0").asText());
        c.config(Map.of("max_page_size", 2));
        assertEquals(400, c.get("/api/v1.1/entity/Shot?page[size]=3").status());
        SimAdmin.Response dflt = c.get("/api/v1.1/entity/Shot?fields=code");
        assertEquals(2, dflt.json().get("data").size(), "default page shrinks to the configured maximum");
    }

    @Test
    void readMissingAndUnknownType() {
        SimAdmin.Response missing = c.get("/api/v1/entity/Asset/400000?fields=%2A");
        assertEquals(404, missing.status());
        JsonNode err = missing.json().at("/errors/0");
        assertEquals("Not Found", err.get("title").asText());
        assertEquals("Asset: 400000 not found", err.get("detail").asText());
        assertEquals(104, err.get("code").asInt());
        assertTrue(err.get("source").isNull());
        SimAdmin.Response type = c.get("/api/v1/entity/Spaceship");
        assertEquals(404, type.status());
        assertEquals("Entity type 'Spaceship' does not exist.", type.json().at("/errors/0/detail").asText());
    }

    @Test
    void createEchoesSentAndServerFieldsWithCreateStyleTimestamps() {
        SimAdmin.Response r = c.postJson("/api/v1/entity/Asset", "{\"description\":\"This is a desc\",\"project\":{\"id\":70,\"type\":\"Project\"}}");
        assertEquals(201, r.status(), r.toString());
        JsonNode d = r.json().get("data");
        assertFalse(r.json().has("links"));
        long id = d.get("id").asLong();
        JsonNode a = d.get("attributes");
        assertEquals("This is a desc", a.get("description").asText());
        assertEquals("New Asset " + id, a.get("code").asText());
        assertEquals("New Asset " + id, a.get("cached_display_name").asText());
        assertEquals("wtg", a.get("sg_status_list").asText());
        assertEquals(0, a.get("open_notes_count").asInt());
        assertTrue(a.get("created_at").asText().matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC"), a.toString());
        assertFalse(a.has("image"), "only sent and server-set fields are echoed");
        assertEquals("Demo Project", d.at("/relationships/project/data/name").asText());
        assertEquals("ApiUser", d.at("/relationships/created_by/data/type").asText());
        assertEquals("fptr-functions", d.at("/relationships/created_by/data/name").asText());
        assertEquals("/api/v1/entity/assets/" + id, d.at("/links/self").asText());
        // reads give ISO timestamps
        String read = c.get("/api/v1/entity/Asset/" + id + "?fields=created_at").json().at("/data/attributes/created_at").asText();
        assertTrue(read.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), read);
    }

    @Test
    void createErrors() {
        SimAdmin.Response unknown = c.postJson("/api/v1/entity/Asset", "{\"not_existing_field\":1234}");
        assertEquals(400, unknown.status());
        assertEquals("{\"errors\":[{\"id\":\"" + unknown.json().at("/errors/0/id").asText()
                + "\",\"status\":400,\"code\":103,\"title\":\"API create() Asset.not_existing_field doesn't exist.\","
                + "\"source\":{},\"detail\":null,\"meta\":null}]}", unknown.text());
        SimAdmin.Response noProject = c.postJson("/api/v1/entity/Shot", "{\"code\":\"sh999\"}");
        assertEquals(400, noProject.status());
        assertTrue(noProject.json().at("/errors/0/title").asText().startsWith("API create() missing 'project' attribute"));
        SimAdmin.Response badType = c.postJson("/api/v1/entity/Shot", "{\"code\":7,\"project\":{\"type\":\"Project\",\"id\":70}}");
        assertEquals(400, badType.status());
        assertTrue(badType.json().at("/errors/0/title").asText().contains("Shot.code expected [String, NilClass]"), badType.toString());
        SimAdmin.Response badLink = c.postJson("/api/v1/entity/Shot", "{\"code\":\"x\",\"project\":{\"type\":\"Project\",\"id\":99999}}");
        assertEquals(400, badLink.status());
        SimAdmin.Response notJson = c.postJson("/api/v1/entity/Shot", "{nope");
        assertEquals(400, notJson.status());
        assertEquals("Invalid JSON body", notJson.json().at("/errors/0/title").asText());
        // nothing was created by the refused calls
        assertEquals(4, c.get("/api/v1/entity/Shot?fields=code").json().get("data").size());
    }

    @Test
    void updateAnswersTheFullRecordWithStatusSuccessful() {
        SimAdmin.Response r = c.put("/api/v1/entity/Asset/1226", "{\"description\":\"new\"}");
        assertEquals(200, r.status(), r.toString());
        JsonNode body = r.json();
        assertEquals("successful", body.get("status").asText());
        assertTrue(body.get("links").isObject() && body.get("links").isEmpty());
        assertEquals("new", body.at("/data/attributes/description").asText());
        assertTrue(body.at("/data/attributes").has("image"), "update answers every field");
        assertTrue(body.at("/data/attributes/updated_at").asText().endsWith("Z"));
        assertEquals("new", c.get("/api/v1/entity/Asset/1226?fields=description").json().at("/data/attributes/description").asText());

        SimAdmin.Response missing = c.put("/api/v1/entity/Asset/400000", "{\"description\":\"NOPE\"}");
        assertEquals(404, missing.status());
        assertEquals("Entity of type [Asset] with id=400000 does not exist.", missing.json().at("/errors/0/detail").asText());
        SimAdmin.Response badField = c.put("/api/v1/entity/Asset/1226", "{\"nope\":1}");
        assertEquals("API update() Asset.nope doesn't exist.", badField.json().at("/errors/0/title").asText());
    }

    @Test
    void multiEntityUpdateModes() {
        c.put("/api/v1/entity/notes/7003", "{\"note_links\":{\"multi_entity_update_mode\":\"add\",\"value\":[{\"type\":\"Shot\",\"id\":1003}]}}");
        JsonNode links = c.get("/api/v1/entity/notes/7003?fields=note_links").json().at("/data/relationships/note_links/data");
        assertEquals(2, links.size());
        c.put("/api/v1/entity/notes/7003", "{\"note_links\":{\"multi_entity_update_mode\":\"remove\",\"value\":[{\"type\":\"Shot\",\"id\":1002}]}}");
        links = c.get("/api/v1/entity/notes/7003?fields=note_links").json().at("/data/relationships/note_links/data");
        assertEquals(1, links.size());
        assertEquals(1003, links.get(0).get("id").asLong());
        c.put("/api/v1/entity/notes/7003", "{\"note_links\":[]}");
        assertEquals(0, c.get("/api/v1/entity/notes/7003?fields=note_links").json().at("/data/relationships/note_links/data").size());
    }

    @Test
    void deleteRetiresAndReviveBringsBack() {
        assertEquals(204, c.delete("/api/v1/entity/Asset/1227").status());
        SimAdmin.Response again = c.delete("/api/v1/entity/Asset/1227");
        assertEquals(404, again.status());
        assertEquals(404, c.get("/api/v1/entity/Asset/1227?fields=code").status());
        SimAdmin.Response retired = c.get("/api/v1/entity/Asset/1227?fields=code&options[return_only]=retired");
        assertEquals(200, retired.status());
        SimAdmin.Response retiredList = c.get("/api/v1/entity/Asset?fields=code&options[return_only]=retired");
        assertEquals(List.of("propCar"), codes(retiredList.json().get("data")));

        SimAdmin.Response missingParam = c.post("/api/v1/entity/Asset/1227", null, "");
        assertEquals(400, missingParam.status());
        assertEquals("revive is missing", missingParam.json().at("/errors/0/source/revive/0").asText());
        assertEquals("revive must be true", c.post("/api/v1/entity/Asset/1227?revive=false", null, "").json()
                .at("/errors/0/source/revive/0").asText());

        SimAdmin.Response revived = c.post("/api/v1/entity/Asset/1227?revive=true", null, "");
        assertEquals(200, revived.status());
        assertEquals("{\"data\":{\"type\":\"Asset\",\"id\":1227},\"links\":{\"self\":\"/api/v1/entity/Asset/1227\"},"
                + "\"meta\":{\"did_revive\":true}}", revived.text());
        assertTrue(c.post("/api/v1/entity/Asset/1227?revive=yes", null, "").json().at("/meta/did_revive").isBoolean());
        assertFalse(c.post("/api/v1/entity/Asset/1227?revive=1", null, "").json().at("/meta/did_revive").asBoolean());
        assertEquals(404, c.post("/api/v1/entity/Asset/400000?revive=true", null, "").status());
        assertEquals(200, c.get("/api/v1/entity/Asset/1227?fields=code").status());
    }

    @Test
    void defaultFieldsAreTheDisplayField() {
        JsonNode attrs = c.get("/api/v1.1/entity/notes/7001").json().at("/data/attributes");
        assertEquals(1, attrs.size(), attrs.toString());
        assertNotNull(attrs.get("subject"));
    }

    @Test
    void schemaAndPreferences() {
        JsonNode fields = c.get("/api/v1/schema/Asset/fields").json();
        assertEquals("image", fields.at("/data/image/data_type/value").asText());
        assertEquals("Shot", fields.at("/data/shots/properties/valid_types/value/0").asText());
        assertEquals("/api/v1/schema/Asset/fields", fields.at("/links/self").asText());
        assertEquals("Asset", c.get("/api/v1/schema/Asset").json().at("/data/name/value").asText());
        assertEquals(200, c.get("/api/v1/preferences").status());
    }

    static List<String> codes(JsonNode data) {
        List<String> out = new ArrayList<>();
        data.forEach(d -> out.add(d.at("/attributes/code").asText()));
        return out;
    }
}
