package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.restassured.response.Response;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Test helpers: invoke the local-file function through the Lambda mock event server with API Gateway
 * v2 events, and make test data in the shared FPTR simulator (through {@link SimAdmin}).
 */
final class LocalFileCalls {

    /** The shared FPTR simulator's admin client. */
    private static final SimAdmin SIM = FptrSimTestResource.admin();

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

    // ---- test data in the shared FPTR simulator --------------------------------------------------------

    static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** A new Version in the demo project (id 70). */
    static long newVersion() {
        return SIM.insert(Map.of("type", "Version", "code", "lf-" + unique(), "project", Map.of("type", "Project", "id", 70)));
    }

    /** A new LocalStorage; null roots are left unset. */
    static long newStorage(String code, String mac, String linux, String windows) {
        Map<String, Object> s = new LinkedHashMap<>(Map.of("type", "LocalStorage", "code", code));
        if (mac != null) s.put("mac_path", mac);
        if (linux != null) s.put("linux_path", linux);
        if (windows != null) s.put("windows_path", windows);
        return SIM.insert(s);
    }
}
