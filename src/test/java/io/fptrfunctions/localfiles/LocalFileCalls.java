package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.restassured.response.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Test helpers: invoke the local-file function through the Lambda mock event server with API Gateway
 * v2 events, and drive the shared FPTR simulator's admin API over HTTP.
 */
final class LocalFileCalls {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String FIELD_ROUTE = "/v1/entities/{type}/{id}/local-files/{field}";

    private LocalFileCalls() {
    }

    /** The function's answer: status, headers and the parsed body (null when none). */
    record Answer(int status, Map<String, String> headers, JsonNode body, String raw) {
        String contentType() {
            return headers.getOrDefault("Content-Type", headers.get("content-type"));
        }

        String detail() {
            return body == null ? null : body.path("detail").asText();
        }

        @Override
        public String toString() {
            return status + " " + raw;
        }
    }

    static Answer invoke(ApiGatewayEvents event) {
        Response r = given().contentType("application/json").body(event.build()).when().post();
        assertEquals(200, r.statusCode(), () -> "the Lambda invocation itself failed: " + r.asString());
        Map<String, String> headers = r.jsonPath().getMap("headers");
        String raw = r.jsonPath().getString("body");
        try {
            return new Answer(r.jsonPath().getInt("statusCode"), headers == null ? Map.of() : headers,
                    raw == null ? null : JSON.readTree(raw), raw);
        } catch (Exception e) {
            throw new AssertionError("body is not JSON: " + raw, e);
        }
    }

    static ApiGatewayEvents field(String method, String type, Object id, String field) {
        return ApiGatewayEvents.route(method + " " + FIELD_ROUTE,
                        "/v1/entities/" + type + "/" + id + "/local-files/" + field)
                .pathParameter("type", type).pathParameter("id", String.valueOf(id)).pathParameter("field", field);
    }

    static Answer get(String type, Object id, String field, String platform) {
        ApiGatewayEvents e = field("GET", type, id, field);
        if (platform != null) {
            e.query("platform", platform);
        }
        return invoke(e);
    }

    static Answer put(String type, Object id, String field, String body, String platform) {
        ApiGatewayEvents e = field("PUT", type, id, field).body(body);
        if (platform != null) {
            e.query("platform", platform);
        }
        return invoke(e);
    }

    static Answer putVersion(long version, String body) {
        return put("Version", version, "sg_uploaded_movie", body, null);
    }

    static Answer delete(String type, Object id, String field) {
        return invoke(field("DELETE", type, id, field));
    }

    static Answer postAttachment(String body, String platform) {
        ApiGatewayEvents e = ApiGatewayEvents.route("POST /v1/attachments", "/v1/attachments").body(body);
        if (platform != null) {
            e.query("platform", platform);
        }
        return invoke(e);
    }

    /** JSON text with single quotes for readability; backslashes must already be JSON-escaped. */
    static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    // ---- the simulator, over HTTP --------------------------------------------------------------------

    static String sim() {
        return FptrSimTestResource.baseUrl();
    }

    static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    static List<Long> insert(ObjectNode... records) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("records");
        for (ObjectNode r : records) {
            list.add(r);
        }
        Response r = given().baseUri(sim()).contentType("application/json").body(body.toString()).post("/_sim/records");
        assertEquals(201, r.statusCode(), r::asString);
        List<Long> ids = new ArrayList<>();
        for (Object id : r.jsonPath().getList("ids")) {
            ids.add(((Number) id).longValue());
        }
        return ids;
    }

    /** A new Version in the demo project (id 70). */
    static long newVersion() {
        ObjectNode v = JSON.createObjectNode().put("type", "Version").put("code", "lf-" + unique());
        v.putObject("project").put("type", "Project").put("id", 70);
        return insert(v).get(0);
    }

    /** A new LocalStorage; null roots are left unset. */
    static long newStorage(String code, String mac, String linux, String windows) {
        ObjectNode s = JSON.createObjectNode().put("type", "LocalStorage").put("code", code);
        if (mac != null) s.put("mac_path", mac);
        if (linux != null) s.put("linux_path", linux);
        if (windows != null) s.put("windows_path", windows);
        return insert(s).get(0);
    }

    static void clearRequests() {
        given().baseUri(sim()).delete("/_sim/requests").then().statusCode(204);
    }

    static List<JsonNode> requests(Predicate<JsonNode> which) {
        Response r = given().baseUri(sim()).get("/_sim/requests");
        assertEquals(200, r.statusCode(), r::asString);
        List<JsonNode> out = new ArrayList<>();
        try {
            for (JsonNode n : JSON.readTree(r.asString()).path("requests")) {
                if (which.test(n)) {
                    out.add(n);
                }
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return out;
    }

    static Predicate<JsonNode> request(String method, String pathRegex) {
        return n -> n.path("method").asText().equals(method) && n.path("path").asText().matches(pathRegex);
    }

    static void fault(String spec) {
        Response r = given().baseUri(sim()).contentType("application/json").body(spec).post("/_sim/faults");
        assertEquals(201, r.statusCode(), r::asString);
    }

    static void clearFaults() {
        given().baseUri(sim()).delete("/_sim/faults").then().statusCode(204);
    }
}
