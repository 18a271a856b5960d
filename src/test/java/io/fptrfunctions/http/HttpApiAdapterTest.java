package io.fptrfunctions.http;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/** The shared adapter, seen through a real handler on the Lambda mock event server. */
@QuarkusTest
class HttpApiAdapterTest {

    @Test
    void malformedJsonBodyIsA400ProblemThatSaysWhere() {
        given().contentType("application/json")
                .body(ApiGatewayEvents.route("POST /v1/token", "/v1/token").body("{\"sudo_as_login\": ").build())
                .when().post()
                .then().statusCode(200)
                .body("statusCode", equalTo(400))
                .body("headers.Content-Type", equalTo("application/problem+json"))
                .body("body", containsString("\"status\":400"))
                .body("body", containsString("not valid JSON"))
                .body("body", not(containsString("at io.")));
    }

    @Test
    void bodyBeyondJacksonsNestingLimitIsA400Problem() {
        given().contentType("application/json")
                .body(ApiGatewayEvents.route("POST /v1/token", "/v1/token").body("[".repeat(5000)).build())
                .when().post()
                .then().statusCode(200)
                .body("statusCode", equalTo(400))
                .body("body", containsString("not valid JSON"))
                .body("body", containsString("nesting depth"))
                .body("body", not(containsString("at io.")));
    }

    @Test
    void nonObjectBodyIsA400Problem() {
        given().contentType("application/json")
                .body(ApiGatewayEvents.route("POST /v1/token", "/v1/token").body("[1,2]").build())
                .when().post()
                .then().statusCode(200)
                .body("statusCode", equalTo(400))
                .body("body", containsString("must be a JSON object"));
    }
}
