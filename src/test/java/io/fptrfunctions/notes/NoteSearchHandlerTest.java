package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /v1/notes/search} called with API Gateway's events: what a caller really gets. */
@QuarkusTest
class NoteSearchHandlerTest extends NoteFixtureTest {

    @Inject
    FptrClient fptr;

    /** Posts the body as API Gateway would (the tests' default caller, {@code user/pipeline}, may send raw filters). */
    private Answer post(String body) {
        return postAs(ApiGatewayEvents.PIPELINE, body);
    }

    private Answer postAs(String callerArn, String body) {
        return ApiGatewayEvents.route("POST /v1/notes/search", "/v1/notes/search").caller(callerArn)
                .body(body.replace('\'', '"').replace("$T", f.tag)).invoke(NoteSearchHandler.FUNCTION);
    }

    @Test
    void findsNotesAsJson() throws Exception {
        Answer r = post("{'shot': 'shA010_$T', 'sort': '-created_at'}");
        assertEquals(200, r.status());
        assertEquals("application/json", r.contentType());
        JsonNode b = r.body();
        assertEquals(2, b.path("count").asInt());
        assertFalse(b.path("truncated").asBoolean());
        assertEquals(f.n[2], b.path("notes").get(0).path("id").asLong());
        assertEquals(f.n[1], b.path("notes").get(1).path("id").asLong());
        assertEquals("HumanUser", b.path("notes").get(1).path("created_by").path("type").asText());
    }

    @Test
    void badInputIsA400ProblemWhosePointerNamesTheInput() throws Exception {
        Answer r = post("{'shot': 'shA010_$T', 'limit': 0}");
        assertEquals(400, r.status());
        assertEquals("application/problem+json", r.contentType());
        JsonNode b = r.body();
        assertEquals(400, b.path("status").asInt());
        assertEquals("/limit", b.path("pointer").asText());
        assertTrue(b.path("detail").asText().contains("limit"));
    }

    @Test
    void oddTextIsSearchedOrRefusedNeverA5xx() throws Exception {
        for (String text : new String[] {"\\ud800x", "x\\udc00", "\\u0000", "\\ud83c\\udfac \\u05e9\\u05dc\\u05d5\\u05dd", "a\\\\%_\\\"b"}) {
            for (String key : new String[] {"text", "author", "shot", "project", "sequence", "status"}) {
                Answer r = post("{'" + key + "': '" + text + "'}");
                assertTrue(r.status() < 500, key + " " + text + ": " + r.status() + " " + r.body());
            }
            Answer linked = post("{'linked': {'type': 'Shot', 'name': '" + text + "'}}");
            assertTrue(linked.status() < 500, "linked " + text + ": " + linked.status() + " " + linked.body());
        }
    }

    @Test
    void unknownKeyIs400() throws Exception {
        JsonNode b = post("{'shots': 'sh010'}").body();
        assertEquals(400, b.path("status").asInt());
        assertEquals("/shots", b.path("pointer").asText());
    }

    @Test
    void noCriterionIs400() throws Exception {
        assertEquals(400, post("{}").body().path("status").asInt());
    }

    @Test
    void unknownAuthorIs404Problem() throws Exception {
        Answer r = post("{'author': 'ghost.$T'}");
        assertEquals(404, r.status());
        assertEquals("/author", r.body().path("pointer").asText());
    }

    @Test
    void ambiguousAuthorIs409ListingTheMatches() throws Exception {
        Answer r = post("{'author': 'Sam Lee $T'}");
        assertEquals(409, r.status());
        JsonNode b = r.body();
        assertEquals(2, b.path("matches").size());
        assertTrue(b.path("matches").toString().contains("sam.a." + f.tag), b.toString());
    }

    @Test
    void aProjectNameTwoProjectsShareIs409ListingTheirIds() {
        long first = SIM.insert(NoteFixture.rec("Project", "name", "Twin $T".replace("$T", f.tag)));
        long second = SIM.insert(NoteFixture.rec("Project", "name", "Twin $T".replace("$T", f.tag)));
        Answer r = post("{'project': 'Twin $T'}");
        assertEquals(409, r.status(), r.toString());
        assertEquals("/project", r.body().path("pointer").asText());
        assertEquals("[" + first + "," + second + "]", r.body().path("candidates").toString());
    }

    @Test
    void fptrRefusingAFilterIs400WithUpstream() throws Exception {
        Answer r = post("{'filters': [['subject', 'no_such_operator', 'x']]}");
        assertEquals(400, r.status());
        JsonNode b = r.body();
        assertTrue(b.has("upstream"), b.toString());
        assertFalse(b.toString().contains("at io."), "no stack trace");
    }

    @Test
    void rawFiltersFromACallerThePolicyDoesNotAllowAre403AndReachNothing() throws Exception {
        SIM.clearRequests();
        Answer r = postAs("arn:aws:sts::123456789012:assumed-role/Review/jane", "{'shot': 'shA010_$T', 'filters': [['subject', 'contains', 'x']]}");
        assertEquals(403, r.status(), r.toString());
        JsonNode b = r.body();
        assertEquals("/filters", b.path("pointer").asText());
        assertTrue(b.path("detail").asText().contains("may not send raw FPTR filters"), b.toString());
        assertEquals(0, SIM.requests().size(), SIM.requests().toString());

        Answer criteria = postAs("arn:aws:sts::123456789012:assumed-role/Review/jane", "{'shot': 'shA010_$T'}");
        assertEquals(200, criteria.status(), "note-search's own criteria need no grant");
        assertEquals(200, post("{'shot': 'shA010_$T', 'filters': [['subject', 'contains', 'x']]}").status(),
                "the caller the policy allows");
    }

    @Test
    void aSearchFptrKeepsFailingIsA503Problem() throws Exception {
        SIM.fault(Map.of("method", "POST", "path", "/entity/(Note|notes)/_search$", "status", 503, "times", 100));
        try {
            Answer r = post("{'shot': 'shA010_$T'}");
            assertEquals(503, r.status(), "was 502 before the failure model; 503 like every function");
            assertEquals("application/problem+json", r.contentType());
            assertTrue(r.body().path("detail").asText().contains("No partial result"));
        } finally {
            SIM.clearFaults();
            awaitClosedCircuit(fptr);
        }
    }
}
