package io.fptrfunctions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import io.fptrfunctions.fptr.LogCapture;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared adapter, seen through a real handler called with API Gateway's events. */
@QuarkusTest
class HttpApiAdapterTest {

    @Inject
    HttpApiAdapter adapter;

    @Test
    void anErrorSuchAsAStackOverflowIsALogged500ProblemWithTheRequestId() throws Exception {
        APIGatewayV2HTTPEvent event = ApiGatewayEvents.route("POST /v1/token", "/v1/token").body("{}").event();
        String requestId = event.getRequestContext().getRequestId();
        try (LogCapture log = LogCapture.start()) {
            Answer answer = Answer.of(adapter.handle("token", event, null, request -> {
                throw new StackOverflowError();
            }));
            assertEquals(500, answer.status());
            assertEquals("application/problem+json", answer.contentType());
            assertEquals("Internal Server Error", answer.title());
            assertTrue(answer.detail().contains("request id " + requestId), answer::toString);
            assertFalse(answer.raw().contains("StackOverflowError"), "nothing of the error reaches the caller");
            assertTrue(log.all().contains("StackOverflowError"), "the error is logged with its stack trace");
            assertTrue(log.all().contains("failed unexpectedly"), log.all());
        }
    }

    @Test
    void malformedJsonBodyIsA400ProblemThatSaysWhere() {
        Answer a = token("{\"sudo_as_login\": ");
        assertEquals(400, a.status());
        assertEquals("application/problem+json", a.contentType());
        assertTrue(a.raw().contains("\"status\":400"), a::toString);
        assertTrue(a.raw().contains("not valid JSON"), a::toString);
        assertFalse(a.raw().contains("at io."), a::toString);
    }

    @Test
    void bodyBeyondTheNestingLimitIsA400Problem() {
        Answer a = token("[".repeat(5000));
        assertEquals(400, a.status());
        assertTrue(a.raw().contains("beyond this API's limits"), a::toString);
        assertTrue(a.raw().contains(ApiRequest.MAX_JSON_DEPTH + " levels of nesting"), a::toString);
        assertFalse(a.raw().contains("at io."), a::toString);
    }

    @Test
    void nonObjectBodyIsA400Problem() {
        Answer a = token("[1,2]");
        assertEquals(400, a.status());
        assertTrue(a.raw().contains("must be a JSON object"), a::toString);
    }

    /** README "Failure model": a problem about the body as a whole has {@code pointer} {@code ""}, whatever is wrong with it. */
    @Test
    void everyProblemAboutTheWholeBodyHasTheEmptyPointer() {
        APIGatewayV2HTTPEvent notBase64 = ApiGatewayEvents.route("POST /v1/token", "/v1/token").body("not base64!").event();
        notBase64.setIsBase64Encoded(true);
        Answer flaggedBase64 = Answer.of(adapter.handle("token", notBase64, null, request -> {
            request.body();
            throw new AssertionError("the body was read");
        }));
        for (Answer a : new Answer[] {token("{\"sudo_as_login\": "), token("[1,2]"), token("[".repeat(5000)), flaggedBase64}) {
            assertEquals(400, a.status(), a::toString);
            assertTrue(a.body().has("pointer"), a::toString);
            assertEquals("", a.body().path("pointer").asText("missing"), a::toString);
        }
    }

    private static Answer token(String body) {
        return ApiGatewayEvents.route("POST /v1/token", "/v1/token").body(body).invoke("token");
    }
}
