package io.fptrfunctions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.fptr.LogCapture;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared adapter, seen through a real handler on the Lambda mock event server. */
@QuarkusTest
class HttpApiAdapterTest {

    @Inject
    HttpApiAdapter adapter;

    @Inject
    ObjectMapper mapper;

    @Test
    void anErrorSuchAsAStackOverflowIsALogged500ProblemWithTheRequestId() throws Exception {
        APIGatewayV2HTTPEvent event = ApiGatewayEvents.route("POST /v1/token", "/v1/token").body("{}").event();
        String requestId = event.getRequestContext().getRequestId();
        try (LogCapture log = LogCapture.start()) {
            APIGatewayV2HTTPResponse answer = adapter.handle(event, null, request -> {
                throw new StackOverflowError();
            });
            assertEquals(500, answer.getStatusCode());
            assertEquals("application/problem+json", answer.getHeaders().get("Content-Type"));
            JsonNode body = mapper.readTree(answer.getBody());
            assertEquals("Internal Server Error", body.path("title").asText());
            assertTrue(body.path("detail").asText().contains("request id " + requestId), body.toString());
            assertFalse(answer.getBody().contains("StackOverflowError"), "nothing of the error reaches the caller");
            assertTrue(log.all().contains("StackOverflowError"), "the error is logged with its stack trace");
            assertTrue(log.all().contains("failed unexpectedly"), log.all());
        }
    }

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
    void bodyBeyondTheNestingLimitIsA400Problem() {
        given().contentType("application/json")
                .body(ApiGatewayEvents.route("POST /v1/token", "/v1/token").body("[".repeat(5000)).build())
                .when().post()
                .then().statusCode(200)
                .body("statusCode", equalTo(400))
                .body("body", containsString("beyond this API's limits"))
                .body("body", containsString(ApiRequest.MAX_JSON_DEPTH + " levels of nesting"))
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
