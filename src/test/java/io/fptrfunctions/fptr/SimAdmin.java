package io.fptrfunctions.fptr;

import io.fptrfunctions.sim.FptrSimTestResource;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.lessThan;

/** The simulator's admin API ({@code /_sim/...}) over HTTP, for tests that inject faults and count calls. */
public final class SimAdmin {

    private SimAdmin() {
    }

    private static RequestSpecification sim() {
        return given().baseUri(FptrSimTestResource.baseUrl()).contentType("application/json");
    }

    /** Seed data, no faults, empty request log, default config. */
    public static void reset() {
        sim().post("/_sim/reset").then().statusCode(lessThan(300));
    }

    /**
     * A clean start for a test of the client: simulator reset, circuit breakers closed, every cached token
     * expired (the clock moves a day), empty request log.
     */
    public static void freshSite(TestClock clock) {
        reset();
        CircuitBreakerMaintenance.get().resetAll();
        clock.advance(Duration.ofDays(1));
        clearRequests();
    }

    public static void config(Map<String, Object> partial) {
        sim().body(partial).put("/_sim/config").then().statusCode(lessThan(300));
    }

    public static void fault(Map<String, Object> fault) {
        sim().body(fault).post("/_sim/faults").then().statusCode(lessThan(300));
    }

    public static void clearRequests() {
        sim().delete("/_sim/requests").then().statusCode(lessThan(300));
    }

    /** Every /api call since the last clear: {method, path, query, status, content_type}. */
    public static List<Map<String, Object>> requests() {
        JsonPath json = sim().get("/_sim/requests").then().statusCode(200).extract().jsonPath();
        return json.getList("requests");
    }

    public static long count(String method, String pathRegex) {
        return requests().stream()
                .filter(r -> method.equals(r.get("method")) && String.valueOf(r.get("path")).matches(pathRegex))
                .count();
    }

    public static long mints() {
        return count("POST", "/api/v1(\\.1)?/auth/access_token");
    }
}
