package io.fptrfunctions.token;

import io.fptrfunctions.deadline.Deadline;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.fptr.LogCapture;
import io.fptrfunctions.fptr.TestClock;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /v1/token} through the Lambda mock event server, against the simulator over HTTP. */
@QuarkusTest
@TestProfile(TokenFunctionProfile.class)
class TokenFunctionTest {

    /** The shared FPTR simulator's admin client. */
    private static final SimAdmin SIM = FptrSimTestResource.admin();

    @Inject
    TestClock clock;

    @Inject
    TokenService tokens;

    @Inject
    ObjectMapper mapper;

    @ConfigProperty(name = "fptr.script-key")
    String scriptKey;

    @BeforeEach
    void freshSite() {
        FptrSimTestResource.freshSite(clock);
    }

    /** The function's answer: statusCode, headers, and the body parsed. */
    record Answer(int status, Map<String, String> headers, JsonPath body, String rawBody) {
    }

    static Answer post(String body) {
        var response = given().contentType("application/json")
                .body(ApiGatewayEvents.route("POST /v1/token", "/v1/token").body(body).build())
                .when().post()
                .then().statusCode(200).extract();
        String raw = response.path("body");
        return new Answer(response.path("statusCode"), response.path("headers"), new JsonPath(raw), raw);
    }

    @Test
    void tokenIsMintedOnceThenReused() {
        Answer first = post("{}");
        Answer second = post("{}");
        Answer third = post("");

        assertEquals(200, first.status(), first.rawBody());
        assertEquals("Bearer", first.body().getString("token_type"));
        String token = first.body().getString("access_token");
        assertEquals(token, second.body().getString("access_token"));
        assertEquals(token, third.body().getString("access_token"));
        assertEquals(1, SIM.mints());

        int expiresIn = first.body().getInt("expires_in");
        assertTrue(expiresIn > 500 && expiresIn <= 600, "simulator tokens live 600 s: " + expiresIn);
        Instant expiresAt = Instant.parse(first.body().getString("expires_at"));
        long drift = Math.abs(Duration.between(clock.instant().plusSeconds(expiresIn), expiresAt).toSeconds());
        assertTrue(drift <= 2, "expires_at = now + expires_in");
        assertEquals("no-store", first.headers().get("Cache-Control"));

        // The token really works on FPTR.
        SimAdmin site = FptrSimTestResource.admin();
        site.token(token);
        assertEquals(200, site.get("/api/v1.1/entity/projects").status());
    }

    @Test
    void tokenIsMintedAgainOnceInsideTheSafetyMargin() {
        Answer first = post("{}");
        int expiresIn = first.body().getInt("expires_in");

        clock.advance(Duration.ofSeconds(expiresIn - 62)); // 62 s of life left: outside the 60 s margin
        Answer outside = post("{}");
        assertEquals(first.body().getString("access_token"), outside.body().getString("access_token"));
        assertTrue(outside.body().getInt("expires_in") <= 62, "expires_in counts down: " + outside.rawBody());
        assertEquals(1, SIM.mints());

        clock.advance(Duration.ofSeconds(3)); // 59 s left: inside the margin
        Answer inside = post("{}");
        assertNotEquals(first.body().getString("access_token"), inside.body().getString("access_token"));
        assertEquals(2, SIM.mints());
    }

    @Test
    void thirtyTwoConcurrentFirstCallsMintExactlyOnce() throws Exception {
        SIM.config(Map.of("latency_ms", 300)); // the mint is slow, so all 32 callers overlap it
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> calls = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                calls.add(pool.submit(() -> {
                    start.await();
                    return tokens.token(new TokenRequest(null), Deadline.none()).accessToken();
                }));
            }
            start.countDown();
            Set<String> distinct = new HashSet<>();
            for (Future<String> call : calls) {
                distinct.add(call.get(20, TimeUnit.SECONDS));
            }
            assertEquals(1, distinct.size());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, SIM.mints());
    }

    @Test
    void sudoTokenIsSeparateFromThePlainOne() {
        String login = activeLogin();
        SIM.clearRequests();

        Answer plain = post("{}");
        Answer sudo = post("{\"sudo_as_login\":\"" + login + "\"}");
        Answer plainAgain = post("{}");
        Answer sudoAgain = post("{\"sudo_as_login\":\"" + login + "\"}");

        assertEquals(200, sudo.status(), sudo.rawBody());
        assertNotEquals(plain.body().getString("access_token"), sudo.body().getString("access_token"));
        assertEquals(plain.body().getString("access_token"), plainAgain.body().getString("access_token"));
        assertEquals(sudo.body().getString("access_token"), sudoAgain.body().getString("access_token"));
        assertEquals(2, SIM.mints());
    }

    @Test
    void sudoRefusedByFptrIsA422NamingTheLoginWithFptrsError() {
        Answer unknown = post("{\"sudo_as_login\":\"no.such.user\"}");

        assertEquals(422, unknown.status(), unknown.rawBody());
        assertEquals("application/problem+json", unknown.headers().get("Content-Type"));
        assertTrue(unknown.body().getString("detail").contains("no.such.user"), unknown.rawBody());
        assertTrue(unknown.body().getString("detail").contains("unknown or retired user"), unknown.rawBody());
        assertEquals(102, unknown.body().getInt("upstream.code"), unknown.rawBody());

        Answer inactive = post("{\"sudo_as_login\":\"otimer\"}"); // the seed's disabled user
        assertEquals(422, inactive.status(), inactive.rawBody());
        assertTrue(inactive.body().getString("detail").contains("inactive user account"), inactive.rawBody());
    }

    @Test
    void badInputIsA400ThatSaysWhatToFixAndCallsNothing() {
        Map<String, String> cases = Map.of(
                "{\"sudo\":\"jdoe\"}", "Unknown key 'sudo'",
                "{\"sudo_as_login\":42}", "must be a string",
                "{\"sudo_as_login\":\"j doe\"}", "is not an FPTR login",
                "{\"sudo_as_login\":\"\"}", "is not an FPTR login",
                "{\"sudo_as_login\":\"jdoe scope:admin\"}", "is not an FPTR login",
                "[]", "must be a JSON object");
        cases.forEach((body, expected) -> {
            Answer answer = post(body);
            assertEquals(400, answer.status(), body + " → " + answer.rawBody());
            assertEquals("application/problem+json", answer.headers().get("Content-Type"));
            assertTrue(answer.body().getString("detail").contains(expected), body + " → " + answer.rawBody());
        });
        assertTrue(SIM.requests().isEmpty(), "bad input never reaches FPTR");
    }

    @Test
    void neitherTheScriptKeyNorATokenEverReachesALogLine() {
        String token;
        try (LogCapture logs = LogCapture.start()) {
            token = post("{}").body().getString("access_token");
            post("{\"sudo_as_login\":\"no.such.user\"}");
            post("{\"sudo\":1}");
            SIM.fault(Map.of("method", "POST", "path", "/api/v1\\.1/auth/access_token", "status", 503, "times", 10));
            clock.advance(Duration.ofDays(1));
            Answer unavailable = post("{}");
            assertEquals(503, unavailable.status(), unavailable.rawBody());

            String all = logs.all();
            assertFalse(logs.lines().isEmpty(), "the capture works");
            assertTrue(all.contains("Minted an FPTR token"), all);
            assertFalse(all.contains(scriptKey), "the script key was logged");
            assertFalse(all.contains(token), "a token was logged");
            assertFalse(unavailable.rawBody().contains(scriptKey));
        }
    }

    /** The login of a seeded active HumanUser (one a script may sudo as), read over the simulator's own API. */
    private static String activeLogin() {
        for (JsonNode u : FptrSimTestResource.admin().login().get("/api/v1.1/entity/human_users?fields=login,sg_status_list")
                .json().path("data")) {
            if ("act".equals(u.at("/attributes/sg_status_list").asText()) && u.at("/attributes/login").isTextual()) {
                return u.at("/attributes/login").asText();
            }
        }
        throw new IllegalStateException("the seed has no active HumanUser");
    }
}
