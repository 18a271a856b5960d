package io.fptrfunctions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.restassured.path.json.JsonPath;

import java.io.IOException;
import java.util.Map;

/**
 * A function's answer as API Gateway passes it on: its status, headers and body (parsed; missing when it
 * has none). The tests' one reader of a Lambda answer; {@link ApiGatewayEvents#invoke} makes one.
 */
public record Answer(int status, Map<String, String> headers, JsonNode body, String raw) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper RUNTIME = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** Reads a handler's answer; a body that is not JSON fails the test (every answer of ours is JSON). */
    public static Answer of(APIGatewayV2HTTPResponse response) {
        String raw = response.getBody();
        Map<String, String> headers = response.getHeaders() == null ? Map.of() : response.getHeaders();
        try {
            JsonNode body = raw == null || raw.isEmpty() ? MissingNode.getInstance() : JSON.readTree(raw);
            return new Answer(response.getStatusCode(), headers, body, raw);
        } catch (IOException e) {
            throw new AssertionError("the body is not JSON: " + raw, e);
        }
    }

    /** Reads the answer as the Lambda runtime sends it (the mock event server's JSON). */
    public static Answer ofRuntimeJson(String json) {
        try {
            return of(RUNTIME.readValue(json, APIGatewayV2HTTPResponse.class));
        } catch (IOException e) {
            throw new AssertionError("not a Lambda answer: " + json, e);
        }
    }

    /** A header by name, in any case (null when absent). */
    public String header(String name) {
        return headers.entrySet().stream().filter(h -> h.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    public String contentType() {
        return header("Content-Type");
    }

    /** A problem's title (empty when the body has none). */
    public String title() {
        return body.path("title").asText();
    }

    /** A problem's detail (empty when the body has none). */
    public String detail() {
        return body.path("detail").asText();
    }

    /** The body for reading by path ({@code getString("access_token")}). */
    public JsonPath json() {
        return new JsonPath(raw);
    }

    @Override
    public String toString() {
        return status + " " + raw;
    }
}
