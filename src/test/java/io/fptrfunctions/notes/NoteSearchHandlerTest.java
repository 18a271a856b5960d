package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /v1/notes/search} through the Lambda mock event server: what a caller really gets. */
@QuarkusTest
@TestProfile(NoteSearchHandlerTest.NoteSearchFunction.class)
class NoteSearchHandlerTest extends NoteFixtureTest {

    /** note-search, whose tests' default caller ({@code user/pipeline}) may send raw filters. */
    public static class NoteSearchFunction implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.lambda.handler", "note-search",
                    "fptr.access.policy", "{\"" + ApiGatewayEvents.PIPELINE + "\": [\"note-search:filters\"]}");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    @Inject
    FptrClient fptr;

    /** Posts the body as API Gateway would; returns the Lambda response (statusCode, headers, body). */
    private JsonPath post(String body) {
        return postAs(ApiGatewayEvents.PIPELINE, body);
    }

    private JsonPath postAs(String callerArn, String body) {
        return given().contentType("application/json")
                .body(ApiGatewayEvents.route("POST /v1/notes/search", "/v1/notes/search").caller(callerArn)
                        .body(body.replace('\'', '"').replace("$T", f.tag)).build())
                .when().post()
                .then().statusCode(200)
                .extract().jsonPath();
    }

    private static JsonNode body(JsonPath response) throws Exception {
        return JSON.readTree(response.getString("body"));
    }

    @Test
    void findsNotesAsJson() throws Exception {
        JsonPath r = post("{'shot': 'shA010_$T', 'sort': '-created_at'}");
        assertEquals(200, r.getInt("statusCode"));
        assertEquals("application/json", r.getString("headers.Content-Type"));
        JsonNode b = body(r);
        assertEquals(2, b.path("count").asInt());
        assertFalse(b.path("truncated").asBoolean());
        assertEquals(f.n[2], b.path("notes").get(0).path("id").asLong());
        assertEquals(f.n[1], b.path("notes").get(1).path("id").asLong());
        assertEquals("HumanUser", b.path("notes").get(1).path("created_by").path("type").asText());
    }

    @Test
    void badInputIsA400ProblemWhosePointerNamesTheInput() throws Exception {
        JsonPath r = post("{'shot': 'shA010_$T', 'limit': 0}");
        assertEquals(400, r.getInt("statusCode"));
        assertEquals("application/problem+json", r.getString("headers.Content-Type"));
        JsonNode b = body(r);
        assertEquals(400, b.path("status").asInt());
        assertEquals("/limit", b.path("pointer").asText());
        assertTrue(b.path("detail").asText().contains("limit"));
    }

    @Test
    void unknownKeyIs400() throws Exception {
        JsonNode b = body(post("{'shots': 'sh010'}"));
        assertEquals(400, b.path("status").asInt());
        assertEquals("/shots", b.path("pointer").asText());
    }

    @Test
    void noCriterionIs400() throws Exception {
        assertEquals(400, body(post("{}")).path("status").asInt());
    }

    @Test
    void unknownAuthorIs404Problem() throws Exception {
        JsonPath r = post("{'author': 'ghost.$T'}");
        assertEquals(404, r.getInt("statusCode"));
        assertEquals("/author", body(r).path("pointer").asText());
    }

    @Test
    void ambiguousAuthorIs409ListingTheMatches() throws Exception {
        JsonPath r = post("{'author': 'Sam Lee $T'}");
        assertEquals(409, r.getInt("statusCode"));
        JsonNode b = body(r);
        assertEquals(2, b.path("matches").size());
        assertTrue(b.path("matches").toString().contains("sam.a." + f.tag), b.toString());
    }

    @Test
    void fptrRefusingAFilterIs400WithUpstream() throws Exception {
        JsonPath r = post("{'filters': [['subject', 'no_such_operator', 'x']]}");
        assertEquals(400, r.getInt("statusCode"));
        JsonNode b = body(r);
        assertTrue(b.has("upstream"), b.toString());
        assertFalse(b.toString().contains("at io."), "no stack trace");
    }

    @Test
    void rawFiltersFromACallerThePolicyDoesNotAllowAre403AndReachNothing() throws Exception {
        SIM.clearRequests();
        JsonPath r = postAs("arn:aws:sts::123456789012:assumed-role/Review/jane", "{'shot': 'shA010_$T', 'filters': [['subject', 'contains', 'x']]}");
        assertEquals(403, r.getInt("statusCode"), r.prettify());
        JsonNode b = body(r);
        assertEquals("/filters", b.path("pointer").asText());
        assertTrue(b.path("detail").asText().contains("may not send raw FPTR filters"), b.toString());
        assertEquals(0, SIM.requests().size(), SIM.requests().toString());

        JsonPath criteria = postAs("arn:aws:sts::123456789012:assumed-role/Review/jane", "{'shot': 'shA010_$T'}");
        assertEquals(200, criteria.getInt("statusCode"), "note-search's own criteria need no grant");
        assertEquals(200, post("{'shot': 'shA010_$T', 'filters': [['subject', 'contains', 'x']]}").getInt("statusCode"),
                "the caller the policy allows");
    }

    @Test
    void aSearchFptrKeepsFailingIsA503Problem() throws Exception {
        SIM.fault(Map.of("method", "POST", "path", "/entity/(Note|notes)/_search$", "status", 503, "times", 100));
        try {
            JsonPath r = post("{'shot': 'shA010_$T'}");
            assertEquals(503, r.getInt("statusCode"), "was 502 before the failure model; 503 like every function");
            assertEquals("application/problem+json", r.getString("headers.Content-Type"));
            assertTrue(body(r).path("detail").asText().contains("No partial result"));
        } finally {
            SIM.clearFaults();
            awaitClosedCircuit(fptr);
        }
    }
}
