package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POST _search: both filter formats, operators, dotted paths, fields, sort, paging and errors. */
class SimSearchTest extends SimHttpTest {

    private List<Long> noteIds(String hashFilters) {
        SimAdmin.Response r = c.searchHash("Note", "{\"fields\":\"subject\",\"filters\":" + hashFilters + "}");
        assertEquals(200, r.status(), r.toString());
        return ids(r.json().get("data"));
    }

    private static String cond(String... parts) {
        return "{\"logical_operator\":\"and\",\"conditions\":[[" + String.join(",", parts) + "]]}";
    }

    static List<Long> ids(JsonNode data) {
        List<Long> out = new ArrayList<>();
        data.forEach(d -> out.add(d.get("id").asLong()));
        return out;
    }

    @Test
    void contentTypeMustBeAVendorType() {
        SimAdmin.Response r = c.post("/api/v1.1/entity/Note/_search", "application/json", "{\"filters\":[]}");
        assertEquals(415, r.status());
        assertEquals(103, r.json().at("/errors/0/code").asInt());
        assertEquals(200, c.searchArray("Note", "{\"filters\":[[\"id\",\"is\",7001]]}").status());
    }

    @Test
    void wrongShapesAre400() {
        SimAdmin.Response listUnderHash = c.searchHash("Note", "{\"filters\":[[\"id\",\"is\",7001]]}");
        assertEquals(400, listUnderHash.status());
        assertTrue(listUnderHash.json().at("/errors/0/title").asText().startsWith("Query is not an Hash"));
        SimAdmin.Response objects = c.searchHash("Note",
                "{\"filters\":{\"logical_operator\":\"and\",\"conditions\":[{\"path\":\"id\",\"relation\":\"is\",\"values\":[7001]}]}}");
        assertEquals(400, objects.status());
        assertTrue(objects.json().at("/errors/0/title").asText().startsWith("Missing logical operator"), objects.toString());
        assertEquals(400, c.searchHash("Note", "{\"filters\":{\"logical_operator\":\"and\",\"conditions\":\"x\"}}").status());
        SimAdmin.Response unknownField = c.searchHash("Asset",
                "{\"fields\":\"*\",\"filters\":{\"conditions\":[[\"project.Project.id\",\"is\",70],[\"not_existing_field\",\"is\",\"NOPE\"]],\"logical_operator\":\"and\"}}");
        assertEquals(400, unknownField.status());
        assertEquals("API read() Asset.not_existing_field doesn't exist.", unknownField.json().at("/errors/0/title").asText());
        SimAdmin.Response badRelation = c.searchHash("Shot", "{\"filters\":" + cond("\"code\"", "\"definitely_not\"", "\"x\"") + "}");
        assertEquals(400, badRelation.status());
        assertEquals("API read() Shot.code's 'text' data type doesn't support 'definitely_not' 'relation'",
                badRelation.json().at("/errors/0/title").asText());
        SimAdmin.Response entityWithoutType = c.searchArray("Note", "{\"filters\":[[\"project\",\"is\",{\"id\":70}]]}");
        assertEquals(400, entityWithoutType.status());
    }

    @Test
    void logicalOperatorIsLowercaseAndOrAndAnythingElseIsNamedInThe400() {
        for (String op : List.of("OR", "Or", "xor", "", "AND", "not")) {
            SimAdmin.Response r = c.searchHash("Note", "{\"filters\":{\"logical_operator\":\"" + op + "\",\"conditions\":[[\"id\",\"is\",7001]]}}");
            assertEquals(400, r.status(), op);
            assertEquals(103, r.json().at("/errors/0/code").asInt(), op);
            assertEquals("Invalid logical operator: " + op, r.json().at("/errors/0/title").asText());
        }
        SimAdmin.Response nested = c.searchHash("Note", "{\"filters\":{\"logical_operator\":\"and\",\"conditions\":"
                + "[{\"logical_operator\":\"Or\",\"conditions\":[]}]}}");
        assertEquals("Invalid logical operator: Or", nested.json().at("/errors/0/title").asText(), "inside a nested group too");
        SimAdmin.Response missing = c.searchHash("Note", "{\"filters\":{\"conditions\":[[\"id\",\"is\",7001]]}}");
        assertEquals("Missing logical operator: {\"conditions\"=>[[\"id\", \"is\", 7001]]}", missing.json().at("/errors/0/title").asText());
        SimAdmin.Response noConditions = c.searchHash("Note", "{\"filters\":{\"logical_operator\":\"or\"}}");
        assertEquals("Missing conditions parameter: {\"logical_operator\"=>\"or\"}", noConditions.json().at("/errors/0/title").asText());
        assertEquals(200, c.searchHash("Note", "{\"filters\":{\"logical_operator\":\"or\",\"conditions\":[]}}").status(),
                "an empty group is no filter");
    }

    @Test
    void arrayFiltersAreAFlatListOfConditionsOnly() {
        SimAdmin.Response group = c.searchArray("Note",
                "{\"filters\":[{\"filter_operator\":\"any\",\"filters\":[[\"id\",\"is\",7001],[\"id\",\"is\",7002]]}]}");
        assertEquals(400, group.status());
        assertTrue(group.json().at("/errors/0/title").asText().startsWith("Invalid filter. Expected array of basic condition arrays"),
                group.toString());
    }

    /** sg-groundtruth 030: "the shape is fixed at three elements"; more values go in a list as the third. */
    @Test
    void aConditionOfMoreThanThreeElementsIs400InvalidCondition() {
        SimAdmin.Response array = c.searchArray("Note", "{\"filters\":[[\"id\",\"is\",7001,\"or\"]]}");
        assertEquals(400, array.status(), array.toString());
        assertEquals("Invalid condition: [\"id\", \"is\", 7001, \"or\"]", array.json().at("/errors/0/title").asText());
        SimAdmin.Response hash = c.searchHash("Note", "{\"filters\":" + cond("\"id\"", "\"between\"", "7003", "7004") + "}");
        assertEquals(400, hash.status(), hash.toString());
        assertEquals(List.of(7003L, 7004L), noteIds(cond("\"id\"", "\"between\"", "[7003,7004]")));
    }

    @Test
    void andOrNesting() {
        assertEquals(List.of(), noteIds("{\"logical_operator\":\"and\",\"conditions\":[[\"id\",\"is\",\"7001\"],[\"id\",\"is\",\"7002\"]]}"));
        assertEquals(List.of(7001L, 7002L), noteIds("{\"logical_operator\":\"or\",\"conditions\":[[\"id\",\"is\",\"7001\"],[\"id\",\"is\",\"7002\"]]}"));
        assertEquals(List.of(7003L, 7004L, 7006L), noteIds("{\"logical_operator\":\"and\",\"conditions\":["
                + "[\"created_by.HumanUser.login\",\"is\",\"jdoe\"],"
                + "{\"logical_operator\":\"or\",\"conditions\":[[\"sg_status_list\",\"is\",\"opn\"],[\"client_note\",\"is\",true]]}]}"));
    }

    @Test
    void textOperatorsIgnoreCase() {
        assertEquals(List.of(7001L, 7002L), noteIds(cond("\"subject\"", "\"contains\"", "\"SH010 LIGHTING\"")));
        assertEquals(List.of(7003L), noteIds(cond("\"subject\"", "\"starts_with\"", "\"sh020\"")));
        assertEquals(List.of(7002L), noteIds(cond("\"subject\"", "\"ends_with\"", "\"approved\"")));
        assertEquals(6, noteIds(cond("\"subject\"", "\"not_contains\"", "\"sh010\"")).size());
        assertEquals(List.of(7005L), noteIds(cond("\"subject\"", "\"is\"", "\"sh040 final check\"")));
        assertEquals(7, noteIds(cond("\"subject\"", "\"is_not\"", "\"sh040 final check\"")).size());
        assertEquals(List.of(7002L, 7005L), noteIds(cond("\"sg_status_list\"", "\"in\"", "[\"clsd\",\"nope\"]")));
        assertEquals(6, noteIds(cond("\"sg_status_list\"", "\"not_in\"", "[\"clsd\"]")).size());
    }

    @Test
    void numberAndDateOperators() {
        assertEquals(List.of(7001L, 7002L), noteIds(cond("\"id\"", "\"less_than\"", "7003")));
        assertEquals(List.of(7007L, 7008L), noteIds(cond("\"id\"", "\"greater_than\"", "7006")));
        assertEquals(List.of(7003L, 7004L), noteIds(cond("\"id\"", "\"between\"", "[7003,7004]")));
        assertEquals(6, noteIds(cond("\"id\"", "\"not_between\"", "[7003,7004]")).size());
        assertEquals(List.of(7005L, 7006L, 7007L, 7008L), noteIds(cond("\"created_at\"", "\"greater_than\"", "\"2026-01-21T00:00:00Z\"")));
        assertEquals(List.of(7001L), noteIds(cond("\"created_at\"", "\"between\"", "[\"2026-01-12T00:00:00Z\",\"2026-01-13T00:00:00Z\"]")));
        // A null bound matches nothing, as a null greater_than does (was the simulator's own 500, a NullPointerException).
        assertEquals(List.of(), noteIds(cond("\"created_at\"", "\"between\"", "[\"2026-01-12T00:00:00Z\",null]")));
        assertEquals(List.of(), noteIds(cond("\"id\"", "\"between\"", "[null,7004]")));
        assertEquals(List.of(), noteIds(cond("\"created_at\"", "\"in_last\"", "[1,\"DAY\"]")));
        c.postJson("/api/v1.1/entity/notes", "{\"project\":{\"type\":\"Project\",\"id\":70},\"subject\":\"fresh\"}");
        assertEquals(1, noteIds(cond("\"created_at\"", "\"in_last\"", "[1,\"DAY\"]")).size());
    }

    @Test
    void entityAndMultiEntityOperators() {
        String shot1001 = "{\"type\":\"Shot\",\"id\":1001}";
        assertEquals(List.of(7001L, 7002L, 7007L, 7008L), noteIds(cond("\"note_links\"", "\"is\"", shot1001)));
        assertEquals(4, noteIds(cond("\"note_links\"", "\"is_not\"", shot1001)).size());
        assertEquals(List.of(7001L, 7002L, 7003L, 7007L, 7008L),
                noteIds(cond("\"note_links\"", "\"in\"", "[" + shot1001 + ",{\"type\":\"Shot\",\"id\":1002}]")));
        assertEquals(List.of(7006L), noteIds(cond("\"note_links\"", "\"type_is\"", "\"Asset\"")));
        assertEquals(List.of(7008L), noteIds(cond("\"user\"", "\"type_is\"", "\"ApiUser\"")));
        assertEquals(7, noteIds(cond("\"user\"", "\"type_is_not\"", "\"ApiUser\"")).size());
        assertEquals(List.of(7003L, 7004L, 7006L), noteIds(cond("\"user\"", "\"name_is\"", "\"jane doe\"")));
        assertEquals(List.of(7005L, 7007L), noteIds(cond("\"user\"", "\"name_contains\"", "\"lima\"")));
        assertEquals(6, noteIds(cond("\"user\"", "\"name_not_contains\"", "\"lima\"")).size());
        assertEquals(List.of(7003L), noteIds(cond("\"note_links\"", "\"name_contains\"", "\"sh020\"")).subList(0, 1));
        assertEquals(8, noteIds(cond("\"project\"", "\"is\"", "{\"type\":\"Project\",\"id\":70}")).size());
        assertEquals(List.of(), noteIds(cond("\"addressings_cc\"", "\"is_not\"", "null")));
        assertEquals(8, noteIds(cond("\"addressings_cc\"", "\"is\"", "null")).size());
    }

    @Test
    void dottedPathsThroughLinks() {
        assertEquals(List.of(7001L, 7002L, 7007L, 7008L), noteIds(cond("\"note_links.Shot.code\"", "\"is\"", "\"sh010\"")));
        assertEquals(List.of(7001L, 7002L, 7003L, 7007L, 7008L),
                noteIds(cond("\"note_links.Shot.sg_sequence.Sequence.code\"", "\"is\"", "\"SEQ01\"")));
        assertEquals(8, noteIds(cond("\"project.Project.id\"", "\"is\"", "70")).size());
        assertEquals(List.of(7001L, 7002L), noteIds(cond("\"created_by.HumanUser.login\"", "\"is\"", "\"jsmith\"")));
        assertEquals(List.of(7008L), noteIds(cond("\"created_by.ApiUser.firstname\"", "\"is\"", "\"fptr-functions\"")));
        // a path whose type segment does not match the link reaches nothing
        assertEquals(List.of(), noteIds(cond("\"note_links.Asset.code\"", "\"is\"", "\"sh010\"")));
        SimAdmin.Response unknown = c.searchHash("Note", "{\"filters\":" + cond("\"note_links.Shot.nope\"", "\"is\"", "1") + "}");
        assertEquals(400, unknown.status());
        assertEquals("API read() Shot.nope doesn't exist.", unknown.json().at("/errors/0/title").asText());
    }

    @Test
    void fieldsAsListCommaStringOrStarAndDottedFlat() {
        JsonNode list = c.searchArray("Note", "{\"filters\":[[\"id\",\"is\",7001]],\"fields\":[\"subject\",\"note_links\",\"user.HumanUser.login\"]}")
                .json().at("/data/0");
        assertEquals("jsmith", list.at("/attributes/user.HumanUser.login").asText());
        assertTrue(list.at("/relationships").has("note_links"));
        JsonNode comma = c.searchArray("Note", "{\"filters\":[[\"id\",\"is\",7001]],\"fields\":\"subject,content\"}").json().at("/data/0/attributes");
        assertEquals(2, comma.size());
        JsonNode star = c.searchArray("Note", "{\"filters\":[[\"id\",\"is\",7001]],\"fields\":\"*\"}").json().at("/data/0");
        assertTrue(star.at("/attributes").has("image"));
        assertTrue(star.at("/relationships").has("addressings_cc"));
    }

    @Test
    void sortAndPagingWithLinks() {
        SimAdmin.Response p1 = c.searchArray("Shot", "{\"fields\":\"code\",\"sort\":\"-code\",\"page\":{\"size\":3,\"number\":1}}");
        assertEquals(List.of("sh040", "sh030", "sh020"), SimRecordsTest.codes(p1.json().get("data")));
        assertEquals("/api/v1.1/entity/Shot/_search", p1.json().at("/links/self").asText());
        assertEquals("/api/v1.1/entity/Shot/_search?page%5Bnumber%5D=2&page%5Bsize%5D=3", p1.json().at("/links/next").asText());
        assertFalse(p1.json().get("links").has("prev"));
        SimAdmin.Response p3 = c.searchArray("Shot", "{\"fields\":\"code\",\"page\":{\"size\":3,\"number\":3}}");
        assertEquals(0, p3.json().get("data").size());
        assertEquals("/api/v1.1/entity/Shot/_search?page%5Bnumber%5D=4&page%5Bsize%5D=3", p3.json().at("/links/next").asText());
        assertEquals("/api/v1.1/entity/Shot/_search?page%5Bnumber%5D=2&page%5Bsize%5D=3", p3.json().at("/links/prev").asText());
        SimAdmin.Response byLink = c.searchArray("Shot", "{\"fields\":\"code\",\"sort\":\"sg_sequence,-code\"}");
        assertEquals(List.of("sh020", "sh010", "sh040", "sh030"), SimRecordsTest.codes(byLink.json().get("data")));
        SimAdmin.Response tooBig = c.searchArray("Shot", "{\"page\":{\"size\":5001}}");
        assertEquals(400, tooBig.status());
        assertEquals("size must be less than 5000", tooBig.json().at("/errors/0/source/page/size/0").asText());
        SimAdmin.Response defaultNext = c.searchArray("Shot", "{}");
        assertTrue(defaultNext.json().at("/links/next").asText().endsWith("page%5Bsize%5D=500"));
    }

    /** Sort syntax FPTR refuses (sg-groundtruth 026, 028); an unknown but well-formed name stays a silent no-op. */
    @Test
    void sortSyntaxFptrRefusesIsA400NamingTheSort() {
        for (String sort : List.of("id desc", "+id", "code, id", "code,", "-")) {
            SimAdmin.Response r = c.searchArray("Shot", "{\"fields\":\"code\",\"sort\":\"" + sort + "\"}");
            assertEquals(400, r.status(), sort + ": " + r);
            assertEquals("Request Parameters invalid.", r.json().at("/errors/0/title").asText(), sort);
            assertEquals("sort list is not valid", r.json().at("/errors/0/source/sort/0").asText(), sort);
            assertEquals(400, c.get("/api/v1.1/entity/Shot?fields=code&sort=" + SimJson.encode(sort)).status(), sort);
        }
        SimAdmin.Response empty = c.get("/api/v1.1/entity/Shot?fields=code&sort=");
        assertEquals(400, empty.status(), empty.toString());
        assertEquals("sort must be filled", empty.json().at("/errors/0/source/sort/0").asText());
        SimAdmin.Response array = c.searchArray("Shot", "{\"sort\":[{\"field_name\":\"id\",\"direction\":\"desc\"}]}");
        assertEquals(400, array.status(), array.toString());
        assertEquals("sort array is not valid", array.json().at("/errors/0/source/sort/0").asText());
        assertEquals(200, c.searchArray("Shot", "{\"sort\":\"sg_not_a_field_at_all,-project.Project.name,id\"}").status());
    }

    /** A number field takes whole numbers: {@code ["frame_count", "is", 2.5]} is FPTR's 400, not a match on 2 (sg-groundtruth 028). */
    @Test
    void aFractionForANumberFieldIsA400NamingTheType() {
        SimAdmin.Response r = c.searchHash("Version", "{\"filters\":" + cond("\"frame_count\"", "\"is\"", "2.5") + "}");
        assertEquals(400, r.status(), r.toString());
        assertEquals("API read() Version.frame_count expected [String, Integer, NilClass] data type(s) but got Float: 2.5",
                r.json().at("/errors/0/title").asText());
        assertEquals(200, c.searchHash("Version", "{\"filters\":" + cond("\"frame_count\"", "\"is\"", "2") + "}").status());
    }

    private String updatedAt(long noteId) {
        return c.get("/api/v1.1/entity/notes/" + noteId + "?fields=updated_at").json().at("/data/attributes/updated_at").asText();
    }

    private void clockAt(String instant) {
        sim.clock(Clock.fixed(Instant.parse(instant), ZoneOffset.UTC));
    }

    @Test
    void updatedAtMovesOnEveryChangeKeepsWholeSecondsAndFiltersLikeADateTime() {
        clockAt("2026-03-01T10:00:00.700Z");
        assertEquals(200, c.put("/api/v1.1/entity/notes/7002", "{\"subject\":\"changed\"}").status());
        assertEquals("2026-03-01T10:00:00Z", updatedAt(7002), "any field, to the second");
        clockAt("2026-03-01T10:00:05.100Z");
        c.put("/api/v1.1/entity/notes/7002", "{\"subject\":\"changed\"}");
        assertEquals("2026-03-01T10:00:00Z", updatedAt(7002), "a write that changes nothing leaves it");
        c.putFile("Note", 7003, "image", "new.png", "image/png", () -> new ByteArrayInputStream(new byte[] {1, 2, 3}));
        assertEquals("2026-03-01T10:00:05Z", updatedAt(7003), "a new image moves it too");

        assertEquals(List.of(7003L), noteIds(cond("\"updated_at\"", "\"greater_than\"", "\"2026-03-01T10:00:00Z\"")),
                "7002 was updated at 10:00:00.700, which FPTR keeps as 10:00:00: not after 10:00:00");
        assertEquals(List.of(7002L, 7003L), noteIds(cond("\"updated_at\"", "\"greater_than\"", "\"2026-03-01T09:59:59Z\"")));
        assertEquals(List.of(7002L), noteIds(cond("\"updated_at\"", "\"is\"", "\"2026-03-01T10:00:00Z\"")));
        assertEquals(6, noteIds(cond("\"updated_at\"", "\"less_than\"", "\"2026-03-01T10:00:00Z\"")).size());
        assertEquals(List.of(7001L, 7003L, 7006L), noteIds(cond("\"image\"", "\"is_not\"", "null")));
        assertEquals(5, noteIds(cond("\"image\"", "\"is\"", "null")).size());
    }

    @Test
    void sortByUpdatedAtThenIdPagesInThatOrderAndAKeysetFilterContinuesAfterARow() {
        List<Map<String, Object>> same = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            same.add(Map.of("type", "Note", "project", Map.of("type", "Project", "id", 70), "subject", "same second " + i,
                    "updated_at", "2026-03-02T08:00:00Z"));
        }
        List<Long> ids = c.insert(same);
        String since = cond("\"updated_at\"", "\"greater_than\"", "\"2026-03-01T00:00:00Z\"");
        List<Long> pages = new ArrayList<>();
        for (int page = 1; page <= 3; page++) {
            pages.addAll(ids(c.searchHash("Note", "{\"fields\":[\"updated_at\"],\"sort\":\"updated_at,id\",\"page\":{\"size\":2,\"number\":"
                    + page + "},\"filters\":" + since + "}").json().get("data")));
        }
        assertEquals(ids, pages, "equal updated_at: by id");

        String afterSecond = "{\"logical_operator\":\"or\",\"conditions\":[[\"updated_at\",\"greater_than\",\"2026-03-02T08:00:00Z\"],"
                + "{\"logical_operator\":\"and\",\"conditions\":[[\"updated_at\",\"is\",\"2026-03-02T08:00:00Z\"],[\"id\",\"greater_than\","
                + ids.get(1) + "]]}]}";
        assertEquals(ids.subList(2, 4), ids(c.searchHash("Note", "{\"fields\":[\"updated_at\"],\"sort\":\"updated_at,id\",\"filters\":"
                + afterSecond + "}").json().get("data")));
    }

    @Test
    void retiredOnlyOption() {
        c.delete("/api/v1.1/entity/Note/7005");
        SimAdmin.Response r = c.searchHash("Note", "{\"fields\":\"subject\",\"options\":{\"return_only\":\"retired\"},"
                + "\"filters\":" + cond("\"project.Project.id\"", "\"is\"", "70") + "}");
        assertEquals(List.of(7005L), ids(r.json().get("data")));
        assertFalse(noteIds(cond("\"project.Project.id\"", "\"is\"", "70")).contains(7005L));
    }

    @Test
    void twentyThousandNotesSearchAcrossDottedPath() {
        StringBuilder b = new StringBuilder("{\"records\":[");
        for (int i = 0; i < 20000; i++) {
            b.append(i > 0 ? "," : "").append("{\"type\":\"Note\",\"project\":{\"type\":\"Project\",\"id\":70},\"subject\":\"bulk ")
                    .append(i).append("\",\"note_links\":[{\"type\":\"Shot\",\"id\":").append(1001 + i % 4).append("}]}");
        }
        SimAdmin.Response inserted = c.post("/_sim/records", "application/json", b.append("]}").toString());
        assertEquals(201, inserted.status());
        assertEquals(20000, inserted.json().get("ids").size());
        int total = 0;
        for (int page = 1; ; page++) {
            SimAdmin.Response r = c.searchHash("Note", "{\"fields\":[\"subject\",\"note_links\"],\"page\":{\"size\":5000,\"number\":" + page
                    + "},\"filters\":" + cond("\"note_links.Shot.sg_sequence.Sequence.code\"", "\"is\"", "\"SEQ02\"") + "}");
            int n = r.json().get("data").size();
            if (n == 0) {
                break;
            }
            total += n;
        }
        assertEquals(10000 + 2, total, "half the bulk notes link SEQ02 shots, plus 7004 and 7005");
    }
}
