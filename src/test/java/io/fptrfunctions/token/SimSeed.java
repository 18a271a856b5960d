package io.fptrfunctions.token;

import io.fptrfunctions.sim.FptrSimTestResource;
import io.restassured.path.json.JsonPath;
import org.eclipse.microprofile.config.ConfigProvider;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;

/** Facts about the simulator's seed that tests need, read from it over its own API. */
final class SimSeed {

    private SimSeed() {
    }

    /** The login of a seeded active HumanUser (one a script may sudo as). */
    static String activeLogin() {
        var config = ConfigProvider.getConfig();
        String token = given().baseUri(FptrSimTestResource.baseUrl())
                .formParam("grant_type", "client_credentials")
                .formParam("client_id", config.getValue("fptr.script-name", String.class))
                .formParam("client_secret", config.getValue("fptr.script-key", String.class))
                .post("/api/v1.1/auth/access_token").then().statusCode(200).extract().path("access_token");
        JsonPath users = given().baseUri(FptrSimTestResource.baseUrl()).header("Authorization", "Bearer " + token)
                .queryParam("fields", "login,sg_status_list")
                .get("/api/v1.1/entity/human_users").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> data = users.getList("data");
        return data.stream()
                .map(u -> (Map<?, ?>) u.get("attributes"))
                .filter(a -> "act".equals(a.get("sg_status_list")) && a.get("login") != null)
                .map(a -> String.valueOf(a.get("login")))
                .findFirst().orElseThrow(() -> new IllegalStateException("the seed has no active HumanUser"));
    }
}
