package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code POST /entity/_text_search}: words across several types, each with its own filter. */
class SimTextSearchTest extends SimHttpTest {

    private SimAdmin.Response search(String body) {
        return c.post("/api/v1.1/entity/_text_search", EntityApi.ARRAY_TYPE, body);
    }

    private static List<String> ids(JsonNode data) {
        List<String> out = new ArrayList<>();
        data.forEach(r -> out.add(r.get("type").asText() + " " + r.get("id").asLong()));
        return out;
    }

    @Test
    void findsWordsInDisplayNamesAcrossTypesWithAFilterPerType() {
        SimAdmin.Response r = search("{\"text\":\"SH010\",\"entity_types\":{\"Version\":[],\"Shot\":[]}}");
        assertEquals(200, r.status(), r.toString());
        assertEquals(List.of("Shot 1001", "Version 6001", "Version 6002"), ids(r.json().get("data")));
        JsonNode shot = r.json().at("/data/0");
        assertEquals("sh010", shot.at("/attributes/name").asText());
        assertEquals("[\"\",\"\"]", shot.at("/attributes/links").toString(), "a Shot links to nothing here");
        assertEquals("/api/v1.1/entity/shots/1001", shot.at("/links/self").asText());
        JsonNode version = r.json().at("/data/1");
        assertEquals("[\"Shot\",\"sh010\"]", version.at("/attributes/links").toString());
        assertEquals("rev", version.at("/attributes/status").asText());

        SimAdmin.Response scoped = search("{\"text\":\"sh010\",\"entity_types\":{\"Version\":[[\"code\",\"ends_with\",\"v002\"]],\"Shot\":[]}}");
        assertEquals(List.of("Shot 1001", "Version 6002"), ids(scoped.json().get("data")));
        SimAdmin.Response hash = c.post("/api/v1.1/entity/_text_search", EntityApi.HASH_TYPE,
                "{\"text\":\"sh010 lgt\",\"entity_types\":{\"Version\":{\"logical_operator\":\"or\",\"conditions\":[[\"id\",\"is\",6001]]}}}");
        assertEquals(List.of("Version 6001"), ids(hash.json().get("data")), "every word must match; the hash format under its type");
        assertEquals(List.of("Version 6001"), ids(search("{\"text\":\"sh010\",\"entity_types\":{\"Version\":[],\"Shot\":[]},"
                + "\"page\":{\"size\":1,\"number\":2}}").json().get("data")));
    }

    @Test
    void errorsNameWhatIsMissing() {
        assertEquals("entity_types is missing", search("{\"text\":\"x\"}").json().at("/errors/0/source/entity_types/0").asText());
        assertEquals("text must be filled", search("{\"text\":\"\",\"entity_types\":{\"Shot\":[]}}").json().at("/errors/0/source/text/0").asText());
        assertEquals("text is missing", search("{\"entity_types\":{\"Shot\":[]}}").json().at("/errors/0/source/text/0").asText());
        assertEquals(415, c.postJson("/api/v1.1/entity/_text_search", "{\"text\":\"x\",\"entity_types\":{\"Shot\":[]}}").status());
        assertEquals(404, search("{\"text\":\"x\",\"entity_types\":{\"Nope\":[]}}").status());
        assertEquals(400, search("{\"text\":\"x\",\"entity_types\":{\"Shot\":[[\"nope\",\"is\",1]]}}").status());
    }
}
