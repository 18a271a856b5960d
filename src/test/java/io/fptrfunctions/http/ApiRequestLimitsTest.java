package io.fptrfunctions.http;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The limits every JSON body and header is read under (README "Limits"), before any function sees it. */
class ApiRequestLimitsTest {

    private static ApiRequest request(String body) {
        return ApiGatewayEvents.request(ApiGatewayEvents.route("POST /v1/token", "/v1/token").body(body));
    }

    private static ProblemException refused(ApiRequest request) {
        return assertThrows(ProblemException.class, request::body);
    }

    @Test
    void aBodyOverOneMebibyteIsA413BeforeItIsParsed() {
        String big = "{\"a\":\"" + "x".repeat(ApiRequest.MAX_JSON_BODY_BYTES) + "\"}";
        ProblemException e = refused(request(big));
        assertEquals(413, e.status());
        assertEquals("", e.extensions().get("pointer"));
        assertTrue(e.detail().contains(String.valueOf(ApiRequest.MAX_JSON_BODY_BYTES)), e.detail());
    }

    @Test
    void aBase64BodyOverTheLimitIsRefusedBeforeItIsDecoded() {
        ApiGatewayEvents event = ApiGatewayEvents.route("POST /v1/token", "/v1/token")
                .base64Body(new byte[ApiRequest.MAX_JSON_BODY_BYTES + 10]);
        assertEquals(413, assertThrows(ProblemException.class, () -> ApiGatewayEvents.request(event).rawBody(ApiRequest.MAX_JSON_BODY_BYTES)).status());
    }

    @Test
    void nestingDeeperThanTheLimitIsA400() {
        int depth = ApiRequest.MAX_JSON_DEPTH + 1;
        String deep = "{\"a\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
        ProblemException e = refused(request(deep));
        assertEquals(400, e.status());
        assertTrue(e.detail().contains(ApiRequest.MAX_JSON_DEPTH + " levels"), e.detail());
        String fits = "{\"a\":" + "[".repeat(ApiRequest.MAX_JSON_DEPTH - 2) + "]".repeat(ApiRequest.MAX_JSON_DEPTH - 2) + "}";
        assertTrue(request(fits).body().has("a"));
    }

    @Test
    void aNumberOfHundredsOfDigitsIsA400() {
        ProblemException e = refused(request("{\"limit\": " + "9".repeat(400) + "}"));
        assertEquals(400, e.status());
        assertTrue(e.detail().contains("numbers of at most " + ApiRequest.MAX_JSON_NUMBER_LENGTH), e.detail());
    }

    @Test
    void aMalformedBodyQuotesAtMostEightyCharactersOfIt() {
        ProblemException e = refused(request("{\"" + "\u0001".repeat(5000)));
        assertEquals(400, e.status());
        assertTrue(e.detail().length() < 300, e.detail());
    }

    @Test
    void thousandsOfUnknownKeysNameTheFirstFew() {
        StringBuilder body = new StringBuilder("{");
        for (int i = 0; i < 5000; i++) {
            body.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":1");
        }
        ProblemException e = assertThrows(ProblemException.class,
                () -> request(body.append("}").toString()).body().onlyKeys(java.util.List.of("sudo_as_login")));
        assertTrue(e.detail().contains("and 4995 more"), e.detail());
        assertTrue(e.detail().length() < 300, e.detail());
    }

    @Test
    void aHeaderIsReadLikeAnyInputAndNamedByItsName() {
        ApiRequest r = ApiGatewayEvents.request(ApiGatewayEvents.route("POST /v1/token", "/v1/token")
                .header("X-SG-Delivery-Id", "x".repeat(300)).body("{}"));
        Input header = r.headerInput("X-SG-Delivery-Id");
        ProblemException e = assertThrows(ProblemException.class, () -> header.text(128));
        assertEquals("X-SG-Delivery-Id:", e.extensions().get("pointer"));
    }

    @Test
    void quotedCallerTextIsValidUnicodeEvenWhereTheCutSplitsASurrogatePair() {
        String text = "x".repeat(76) + "\uD83C\uDFAC" + "more";
        String quoted = Input.quote(text);
        assertEquals("x".repeat(76) + "?...", quoted);
        assertEquals("a?b", Input.quote("a\uDFACb"));
        assertEquals("a\uD83C\uDFACb", Input.quote("a\uD83C\uDFACb"));
        assertEquals("{\"a\":\"\uFFFD\uD83C\uDFAC\uFFFD\"}", HttpApiAdapter.wellFormed("{\"a\":\"\uDFAC\uD83C\uDFAC\uD83C\"}"));
    }
}
