package io.fptrfunctions.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.fptr.TestClock;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The log lines as Lambda gets them (JSON, the prod profile's console), written through the token function on
 * the mock event server against the simulator: each line one JSON object carrying its invocation's ids, and
 * each invocation ending with one access line. (One test: the first invocation of this Quarkus start is the
 * cold start it checks.)
 */
@QuarkusTest
@TestProfile(JsonLogProfile.class)
class JsonLogLinesTest {

    private static final SimAdmin SIM = FptrSimTestResource.admin();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    TestClock clock;

    @ConfigProperty(name = "fptr.script-key")
    String scriptKey;

    @Test
    void everyLineIsAJsonObjectWithItsInvocationsIdsAndEachInvocationHasOneAccessLine() throws Exception {
        FptrSimTestResource.freshSite(clock);
        Map<String, Object> minting = ApiGatewayEvents.route("POST /v1/token", "/v1/token").body("{}").build();
        Map<String, Object> cached = ApiGatewayEvents.route("POST /v1/token", "/v1/token").body("{ }").build();
        List<String> lines;
        String mintAnswer;
        try (ConsoleLines console = ConsoleLines.capture()) {
            mintAnswer = invoke(minting);
            invoke(cached);
            lines = console.lines();
        }

        List<JsonNode> parsed = new ArrayList<>();
        for (String line : lines) {
            JsonNode json = JSON.readTree(line);
            assertTrue(json.isObject(), "one JSON object per line: " + line);
            for (String key : List.of("timestamp", "level", "loggerName", "message")) {
                assertTrue(json.hasNonNull(key), key + " in " + line);
            }
            assertFalse(json.has("hostName") || json.has("processId"), "left out (fptr: excluded-keys): " + line);
            parsed.add(json);
        }
        Map<String, List<JsonNode>> byInvocation = new LinkedHashMap<>();
        for (JsonNode line : parsed) {
            String id = line.path("mdc").path(Invocation.AWS_REQUEST_ID).asText(null);
            assertTrue(id != null, "every line written during an invocation names it: " + line);
            byInvocation.computeIfAbsent(id, k -> new ArrayList<>()).add(line);
        }
        assertEquals(2, byInvocation.size(), "two invocations, two Lambda request ids: " + byInvocation.keySet());
        List<List<JsonNode>> invocations = new ArrayList<>(byInvocation.values());

        // The first invocation: the cold start; it mints, and the lines after FPTR's answer carry FPTR's x-request-id.
        List<JsonNode> first = invocations.get(0);
        // the mint FPTR answered: the last one (a first attempt may time out and be retried on a busy machine)
        List<JsonNode> mints = SIM.requests("POST", ".*/auth/access_token");
        String mintRequestId = mints.get(mints.size() - 1).path("request_id").asText();
        for (JsonNode line : first) {
            JsonNode mdc = line.path("mdc");
            assertEquals("token", mdc.path(Invocation.FUNCTION).asText(), line.toString());
            assertEquals(apiRequestId(minting), mdc.path(Invocation.API_REQUEST_ID).asText(), line.toString());
            assertEquals("POST /v1/token", mdc.path(Invocation.ROUTE).asText(), line.toString());
            assertEquals("true", mdc.path(Invocation.COLD_START).asText(), line.toString());
        }
        JsonNode minted = only(first, l -> l.path("message").asText().startsWith("Minted an FPTR token"));
        assertEquals(mintRequestId, minted.path("mdc").path(Invocation.FPTR_REQUEST_ID).asText(), minted.toString());

        JsonNode access = only(first, l -> l.path("loggerName").asText().equals("io.fptrfunctions.access"));
        JsonNode mdc = access.path("mdc");
        assertEquals("200", mdc.path("status").asText(), access.toString());
        assertTrue(mdc.path("duration_ms").asText().matches("\\d+"), access.toString());
        assertEquals("2", mdc.path("bytes_in").asText(), "the body {}: " + access);
        assertEquals(String.valueOf(mintAnswer.getBytes(StandardCharsets.UTF_8).length), mdc.path("bytes_out").asText(), access.toString());
        assertEquals("arn:aws:iam::123456789012:user/pipeline", mdc.path("caller_arn").asText(), access.toString());
        assertEquals(mintRequestId, mdc.path(Invocation.FPTR_REQUEST_ID).asText(), "the invocation's last FPTR answer: " + access);
        assertTrue(access.path("message").asText().startsWith("POST /v1/token 200 in "), access.toString());
        assertEquals(access, first.get(first.size() - 1), "the access line is the invocation's last");

        // The second: warm, served from the cache (no FPTR call, so no FPTR id), its own ids.
        List<JsonNode> second = invocations.get(1);
        for (JsonNode line : second) {
            assertEquals("false", line.path("mdc").path(Invocation.COLD_START).asText(), line.toString());
            assertEquals(apiRequestId(cached), line.path("mdc").path(Invocation.API_REQUEST_ID).asText(), line.toString());
            assertNull(line.path("mdc").get(Invocation.FPTR_REQUEST_ID), line.toString());
        }
        JsonNode warmAccess = only(second, l -> l.path("loggerName").asText().equals("io.fptrfunctions.access"));
        assertEquals("3", warmAccess.path("mdc").path("bytes_in").asText(), warmAccess.toString());
        assertNotEquals(access.path("mdc").path(Invocation.AWS_REQUEST_ID), warmAccess.path("mdc").path(Invocation.AWS_REQUEST_ID));

        String token = JSON.readTree(mintAnswer).path("access_token").asText();
        String all = String.join("\n", lines);
        assertFalse(all.contains(token), "a token reached a log line");
        assertFalse(all.contains(scriptKey), "the script key reached a log line");
    }

    /**
     * The function's answer body, through the mock event server: the Lambda runtime's path, which gives each
     * invocation its Lambda request id.
     */
    private static String invoke(Map<String, Object> event) {
        return Answer.ofRuntimeJson(given().contentType("application/json").body(event).when().post()
                .then().statusCode(200).extract().asString()).raw();
    }

    @SuppressWarnings("unchecked")
    private static String apiRequestId(Map<String, Object> event) {
        return (String) ((Map<String, Object>) event.get("requestContext")).get("requestId");
    }

    private static JsonNode only(List<JsonNode> lines, java.util.function.Predicate<JsonNode> which) {
        List<JsonNode> found = lines.stream().filter(which).toList();
        assertEquals(1, found.size(), "exactly one such line: " + lines);
        return found.get(0);
    }
}
