package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;


/**
 * Test helpers: invoke the local-file function with API Gateway v2 events, and make test data in the shared
 * FPTR simulator (through {@link SimAdmin}).
 */
final class LocalFileCalls {

    /** The shared FPTR simulator's admin client. */
    private static final SimAdmin SIM = FptrSimTestResource.admin();

    static final ObjectMapper JSON = new ObjectMapper();
    static final String FIELD_ROUTE = "/v1/entities/{type}/{id}/local-files/{field}";

    private LocalFileCalls() {
    }

    static Answer invoke(ApiGatewayEvents event) {
        return event.invoke(LocalFileHandler.FUNCTION);
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

    /**
     * Polls until {@code condition} holds, for at most {@code within}: for what the simulator finishes in real
     * time (a write it was told to delay lands after the function stopped waiting). The caller then asserts.
     */
    static void awaitTrue(Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
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
