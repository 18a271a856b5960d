package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13's four reproductions, through the handler as API Gateway calls it: each is a 4xx problem in
 * under 0.5 s with at most one FPTR call. On the old main the sort was answered 200 after two FPTR calls,
 * the 1,500-hop path made two schema reads, the 1,500 unknown names 1,500 (1.6 s on the simulator without
 * latency, 7.5 s against a site's 300 ms per call), and the 20,000-dot operator was sent to FPTR.
 */
@QuarkusTest
class HostileSearchTest extends NoteFixtureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_MILLIS = 500;

    /** What a caller got, how long it took and how many calls FPTR saw meanwhile. */
    private record Outcome(int status, JsonNode problem, long millis, long fptrCalls) {
    }

    @BeforeEach
    void warm() {
        // The token, the credentials and Note's schema are read by an ordinary search first: cold starts are not the point.
        Outcome ok = post(JSON.createObjectNode().put("project", f.project).set("fields", JSON.createArrayNode().add("sg_status_list")));
        assertEquals(200, ok.status(), ok.problem().toString());
    }

    private Outcome post(JsonNode body) {
        long before = SIM.requests().size();
        long started = System.nanoTime();
        Answer a = ApiGatewayEvents.route("POST /v1/notes/search", "/v1/notes/search").body(body.toString())
                .invoke(NoteSearchHandler.FUNCTION);
        long millis = (System.nanoTime() - started) / 1_000_000;
        return new Outcome(a.status(), a.body(), millis, SIM.requests().size() - before);
    }

    private void assertRefusedQuickly(Outcome a, String pointer) {
        assertTrue(a.status() >= 400 && a.status() < 500, a.toString());
        assertEquals(a.status(), a.problem().path("status").asInt(), a.toString());
        assertEquals(pointer, a.problem().path("pointer").asText(), a.toString());
        assertTrue(a.millis() < MAX_MILLIS, "answered in " + a.millis() + " ms");
        assertTrue(a.fptrCalls() <= 1, a.fptrCalls() + " FPTR calls");
        assertTrue(a.problem().toString().length() < 4000, "a short answer: " + a.problem().toString().length());
    }

    private ObjectNode search() {
        return JSON.createObjectNode().put("project", f.project);
    }

    @Test
    void aSortOfTwoThousandNames() {
        Outcome a = post(search().put("sort", String.join(",", java.util.Collections.nCopies(2000, "a"))));
        assertRefusedQuickly(a, "/sort");
        assertEquals(0, a.fptrCalls());
    }

    @Test
    void aSortOfElevenKeys() {
        Outcome a = post(search().put("sort", String.join(",", java.util.Collections.nCopies(11, "id"))));
        assertRefusedQuickly(a, "/sort");
        assertTrue(a.problem().path("detail").asText().contains("at most 10"), a.toString());
    }

    @Test
    void aFieldPathOfFifteenHundredHops() {
        Outcome a = post(search().set("fields", JSON.createArrayNode().add("a" + ".A.a".repeat(1500))));
        assertRefusedQuickly(a, "/fields/0");
        assertEquals(0, a.fptrCalls());
    }

    @Test
    void fifteenHundredUnknownFieldNames() {
        ArrayNode fields = JSON.createArrayNode();
        IntStream.range(0, 1500).forEach(i -> fields.add("sg_unknown_" + i));
        Outcome a = post(search().set("fields", fields));
        assertRefusedQuickly(a, "/fields");
        assertEquals(0, a.fptrCalls());
    }

    @Test
    void aHundredUnknownFieldNamesCostNoSchemaReadOnceNotesFieldsAreKnown() {
        ArrayNode fields = JSON.createArrayNode();
        IntStream.range(0, 100).forEach(i -> fields.add("sg_unknown_" + i + "_" + System.nanoTime()));
        Outcome a = post(search().set("fields", fields));
        assertRefusedQuickly(a, "/fields/0");
        assertEquals("Unknown field", a.problem().path("title").asText());
    }

    @Test
    void anOperatorOfTwentyThousandDots() {
        Outcome a = post(search().set("filters", JSON.createArrayNode()
                .add(JSON.createArrayNode().add("subject").add("x" + ".".repeat(20_000) + "y").add("z"))));
        assertRefusedQuickly(a, "/filters/0/1");
        assertEquals(0, a.fptrCalls());
    }
}
