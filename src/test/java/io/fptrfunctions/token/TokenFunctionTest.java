package io.fptrfunctions.token;

import io.fptrfunctions.deadline.Deadline;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.fptr.LogCapture;
import io.fptrfunctions.fptr.TestClock;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.Caller;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.fptrfunctions.telemetry.EmfLines;
import io.quarkus.test.junit.QuarkusTest;
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
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /v1/token} called with API Gateway's events, against the simulator over HTTP. */
@QuarkusTest
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

    static Answer post(String body) {
        return postAs(ApiGatewayEvents.PIPELINE, body);
    }

    /** As {@link #post}, from another IAM caller (null: no IAM identity at all). */
    static Answer postAs(String callerArn, String body) {
        return ApiGatewayEvents.route("POST /v1/token", "/v1/token").caller(callerArn).body(body).invoke(TokenHandler.FUNCTION);
    }

    @Test
    void tokenIsMintedOnceThenReused() {
        Answer first = post("{}");
        Answer second = post("{}");
        Answer third = post("");

        assertEquals(200, first.status(), first.raw());
        assertEquals("Bearer", first.json().getString("token_type"));
        String token = first.json().getString("access_token");
        assertEquals(token, second.json().getString("access_token"));
        assertEquals(token, third.json().getString("access_token"));
        assertEquals(1, SIM.mints());

        int expiresIn = first.json().getInt("expires_in");
        assertTrue(expiresIn > 500 && expiresIn <= 600, "simulator tokens live 600 s: " + expiresIn);
        Instant expiresAt = Instant.parse(first.json().getString("expires_at"));
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
        int expiresIn = first.json().getInt("expires_in");

        clock.advance(Duration.ofSeconds(expiresIn - 62)); // 62 s of life left: outside the 60 s margin
        Answer outside = post("{}");
        assertEquals(first.json().getString("access_token"), outside.json().getString("access_token"));
        assertTrue(outside.json().getInt("expires_in") <= 62, "expires_in counts down: " + outside.raw());
        assertEquals(1, SIM.mints());

        clock.advance(Duration.ofSeconds(3)); // 59 s left: inside the margin
        Answer inside = post("{}");
        assertNotEquals(first.json().getString("access_token"), inside.json().getString("access_token"));
        assertEquals(2, SIM.mints());
    }

    /** As {@link #post}, with {@code Cache-Control: <cacheControl>}. */
    static Answer postWithCacheControl(String cacheControl, String body) {
        return ApiGatewayEvents.route("POST /v1/token", "/v1/token").caller(ApiGatewayEvents.PIPELINE)
                .header("Cache-Control", cacheControl).body(body).invoke(TokenHandler.FUNCTION);
    }

    @Test
    void cacheControlNoCacheGetsATokenMintedAfterTheCachedOneAtMostOncePerFreshTokenInterval() {
        String cached = post("{}").json().getString("access_token");
        clock.advance(Duration.ofSeconds(11));   // past fptr.fresh-token-interval (10 s), long before the token's expiry

        Answer fresh = postWithCacheControl("no-cache", "{}");

        assertEquals(200, fresh.status(), fresh.raw());
        String minted = fresh.json().getString("access_token");
        assertNotEquals(cached, minted, "FPTR may have dropped the cached token: a new one");
        assertEquals(2, SIM.mints());
        assertEquals(minted, post("{}").json().getString("access_token"), "the new token is the cached one now, for every caller");
        // asked again and again within the interval (a tool retrying on FPTR's 401 in a loop): no more mints
        for (String cacheControl : List.of("no-cache", "No-Cache", "max-age=0, no-cache")) {
            assertEquals(minted, postWithCacheControl(cacheControl, "{}").json().getString("access_token"), cacheControl);
        }
        assertEquals(2, SIM.mints(), "at most one mint per fptr.fresh-token-interval");
        clock.advance(Duration.ofSeconds(11));
        assertNotEquals(minted, postWithCacheControl("no-cache", "{}").json().getString("access_token"));
        assertEquals(3, SIM.mints());
        assertEquals(200, postWithCacheControl("no-store", "{}").status(), "another directive: the cached token");
        assertEquals(3, SIM.mints());
    }

    @Test
    void concurrentNoCacheRequestsShareOneMint() throws Exception {
        String cached = post("{}").json().getString("access_token");
        clock.advance(Duration.ofSeconds(11));
        SIM.config(Map.of("latency_ms", 300)); // the mint is slow, so all 16 requests overlap it

        Set<String> distinct = tokensAtOnce(16, () -> postWithCacheControl("no-cache", "{}").json().getString("access_token"));

        assertEquals(1, distinct.size(), distinct.toString());
        assertFalse(distinct.contains(cached));
        assertEquals(2, SIM.mints());
    }

    /** The distinct tokens {@code callers} threads got, each calling {@code call} once, all let go at the same moment. */
    private static Set<String> tokensAtOnce(int callers, Callable<String> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> calls = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                calls.add(pool.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            start.countDown();
            Set<String> distinct = new HashSet<>();
            for (Future<String> c : calls) {
                distinct.add(c.get(20, TimeUnit.SECONDS));
            }
            return distinct;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void thirtyTwoConcurrentFirstCallsMintExactlyOnce() throws Exception {
        SIM.config(Map.of("latency_ms", 300)); // the mint is slow, so all 32 callers overlap it

        Set<String> distinct = tokensAtOnce(32,
                () -> tokens.token(new TokenRequest(null), Caller.of(ApiGatewayEvents.PIPELINE), "-", Deadline.none()).accessToken());

        assertEquals(1, distinct.size());
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

        assertEquals(200, sudo.status(), sudo.raw());
        assertNotEquals(plain.json().getString("access_token"), sudo.json().getString("access_token"));
        assertEquals(plain.json().getString("access_token"), plainAgain.json().getString("access_token"));
        assertEquals(sudo.json().getString("access_token"), sudoAgain.json().getString("access_token"));
        assertEquals(2, SIM.mints());
    }

    @Test
    void sudoRefusedByFptrIsA422NamingTheLoginWithFptrsError() {
        Answer unknown = post("{\"sudo_as_login\":\"no.such.user\"}");

        assertEquals(422, unknown.status(), unknown.raw());
        assertEquals("application/problem+json", unknown.headers().get("Content-Type"));
        assertTrue(unknown.json().getString("detail").contains("no.such.user"), unknown.raw());
        assertTrue(unknown.json().getString("detail").contains("unknown or retired user"), unknown.raw());
        assertEquals(102, unknown.json().getInt("upstream.code"), unknown.raw());

        Answer inactive = post("{\"sudo_as_login\":\"otimer\"}"); // the seed's disabled user
        assertEquals(422, inactive.status(), inactive.raw());
        assertTrue(inactive.json().getString("detail").contains("inactive user account"), inactive.raw());
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
            assertEquals(400, answer.status(), body + " → " + answer.raw());
            assertEquals("application/problem+json", answer.headers().get("Content-Type"));
            assertTrue(answer.json().getString("detail").contains(expected), body + " → " + answer.raw());
        });
        assertTrue(SIM.requests().isEmpty(), "bad input never reaches FPTR");
    }

    @Test
    void neitherTheScriptKeyNorATokenEverReachesALogLine() {
        String token;
        try (LogCapture logs = LogCapture.start()) {
            token = post("{}").json().getString("access_token");
            post("{\"sudo_as_login\":\"no.such.user\"}");
            post("{\"sudo\":1}");
            SIM.fault(Map.of("method", "POST", "path", "/api/v1\\.1/auth/access_token", "status", 503, "times", 10));
            clock.advance(Duration.ofDays(1));
            Answer unavailable = post("{}");
            assertEquals(503, unavailable.status(), unavailable.raw());

            String all = logs.all();
            assertFalse(logs.lines().isEmpty(), "the capture works");
            assertTrue(all.contains("Minted an FPTR token"), all);
            assertFalse(all.contains(scriptKey), "the script key was logged");
            assertFalse(all.contains(token), "a token was logged");
            assertFalse(unavailable.raw().contains(scriptKey));
        }
    }

    @Test
    void eachInvocationWritesOneMetricsLineWithItsMintsCacheHitsFptrCallsAndRetries() {
        JsonNode mint = EmfLines.of(() -> post("{}"));
        assertEquals("token", mint.get("Function").asText());
        assertEquals("fptr-functions", mint.at("/_aws/CloudWatchMetrics/0/Namespace").asText());
        assertEquals("[[\"Function\"]]", mint.at("/_aws/CloudWatchMetrics/0/Dimensions").toString());
        assertEquals(1, EmfLines.value(mint, "TokenMints"), mint.toString());
        assertEquals(1, EmfLines.value(mint, "FptrCallsOk"), "the mint is an FPTR call: " + mint);
        assertEquals(0, EmfLines.value(mint, "FptrRetries"), mint.toString());
        assertFalse(EmfLines.declared(mint).contains("TokenCacheHits"), "only what was counted is declared: " + mint);
        assertTrue(mint.path("AWSRequestId").isTextual(), "the line names its invocation: " + mint);

        JsonNode hit = EmfLines.of(() -> post("{}"));
        assertEquals(1, EmfLines.value(hit, "TokenCacheHits"), hit.toString());
        assertEquals(0, EmfLines.value(hit, "TokenMints"), hit.toString());
        assertEquals(0, EmfLines.value(hit, "FptrCallsOk"), "a cache hit calls nothing: " + hit);
        assertEquals(0, EmfLines.value(hit, "ColdStart"), "only a process's first invocation is a cold start: " + hit);

        SIM.fault(Map.of("method", "POST", "path", "/api/v1\\.1/auth/access_token", "status", 503, "times", 2));
        clock.advance(Duration.ofDays(1));
        JsonNode retried = EmfLines.of(() -> assertEquals(200, post("{}").status()));
        assertEquals(2, EmfLines.value(retried, "FptrRetries"), "two 503s, then the answer: " + retried);
        assertEquals(1, EmfLines.value(retried, "FptrCallsOk"), retried.toString());
        assertEquals(1, EmfLines.value(retried, "TokenMints"), retried.toString());

        SIM.fault(Map.of("method", "POST", "path", "/api/v1\\.1/auth/access_token", "status", 503, "times", 10));
        clock.advance(Duration.ofDays(1));
        JsonNode unavailable = EmfLines.of(() -> assertEquals(503, post("{}").status()));
        assertEquals(1, EmfLines.value(unavailable, "FptrCallsUnavailable"), unavailable.toString());
        assertEquals(2, EmfLines.value(unavailable, "FptrRetries"), "fptr.calls.mint.max-retries: " + unavailable);
        assertEquals(0, EmfLines.value(unavailable, "TokenMints"), unavailable.toString());

        try (EmfLines emf = EmfLines.capture()) {
            assertEquals(400, post("{\"sudo\":1}").status());
            assertEquals(List.of(), emf.lines(), "an invocation that counted nothing writes no metrics line");
        }
    }

    // ---- who may act as whom (fptr.access.policy, the tests': application.properties) ------------------------------

    /** Granted group:Lighting and jsmith by the tests' policy. */
    static final String REVIEW_ROLE = "arn:aws:iam::123456789012:role/Review";
    static final String REVIEW_SESSION = "arn:aws:sts::123456789012:assumed-role/Review/jane-laptop";

    @Test
    void aRoleSessionMayActAsItsGroupsMembersAndItsListedLoginsOnly() {
        Answer member = postAs(REVIEW_SESSION, "{\"sudo_as_login\":\"alima\"}");      // in FPTR Group Lighting
        Answer listed = postAs(REVIEW_SESSION, "{\"sudo_as_login\":\"jsmith\"}");     // named in the policy
        assertEquals(200, member.status(), member.raw());
        assertEquals(200, listed.status(), listed.raw());
        assertEquals(3, SIM.mints(), "the two sudo tokens, and the script's own to read the group");

        for (String login : List.of("otimer", "no.such.user", "admin")) {
            Answer refused = postAs(REVIEW_SESSION, "{\"sudo_as_login\":\"" + login + "\"}");
            assertEquals(403, refused.status(), login + " -> " + refused.raw());
            assertEquals("application/problem+json", refused.headers().get("Content-Type"));
            assertEquals("/sudo_as_login", refused.json().getString("pointer"));
            assertTrue(refused.json().getString("detail").contains("'" + login + "'"), refused.raw());
            for (String secretOfThePolicy : List.of("Lighting", "jsmith", "alima", "jdoe", "pipeline", "group", "policy", "*")) {
                assertFalse(refused.raw().contains(secretOfThePolicy), "the refusal names " + secretOfThePolicy + ": " + refused.raw());
            }
        }
        assertEquals(3, SIM.mints(), "a refused login is never sent to FPTR");
    }

    @Test
    void aCallerThePolicyDoesNotNameGetsItsPlainTokenButNoSudo() {
        String intern = "arn:aws:iam::123456789012:user/intern";
        assertEquals(200, postAs(intern, "{}").status(), "the script's own token is IAM's to authorise");
        Answer sudo = postAs(intern, "{\"sudo_as_login\":\"jdoe\"}");
        assertEquals(403, sudo.status(), sudo.raw());
        Answer anonymous = postAs(null, "{\"sudo_as_login\":\"jdoe\"}");
        assertEquals(403, anonymous.status(), "no IAM identity matches no pattern: " + anonymous.raw());
        assertEquals(1, SIM.mints());
    }

    @Test
    void groupMembersAreReadFromFptrOnceAndKeptForTheGroupCacheTtl() {
        assertEquals(200, postAs(REVIEW_SESSION, "{\"sudo_as_login\":\"alima\"}").status());
        long groupReads = SIM.count("POST", ".*/entity/(Group|groups)/_search");
        assertTrue(groupReads > 0, "the group was read from FPTR");
        for (int i = 0; i < 3; i++) {
            assertEquals(200, postAs(REVIEW_SESSION, "{\"sudo_as_login\":\"alima\"}").status());
            assertEquals(403, postAs(REVIEW_SESSION, "{\"sudo_as_login\":\"otimer\"}").status());
        }
        assertEquals(groupReads, SIM.count("POST", ".*/entity/(Group|groups)/_search"), "then kept: no more reads");

        // a member removed in FPTR loses the grant once the cache (fptr.access.group-cache-ttl, 5 min) ends
        assertEquals(200, FptrSimTestResource.admin().login().put("/api/v1.1/entity/groups/3",
                "{\"users\":[{\"type\":\"HumanUser\",\"id\":88}]}").status());
        assertEquals(200, postAs(REVIEW_SESSION, "{\"sudo_as_login\":\"alima\"}").status(), "still cached");
        clock.advance(Duration.ofMinutes(6));
        assertEquals(403, postAs(REVIEW_SESSION, "{\"sudo_as_login\":\"alima\"}").status(), "read again: alima left the group");
        assertEquals(200, postAs(REVIEW_SESSION, "{\"sudo_as_login\":\"jdoe\"}").status(), "jdoe still in it");
    }

    @Test
    void everyTokenHandedOutAndEveryRefusalIsAnAuditLineWithoutTheToken() {
        try (LogCapture logs = LogCapture.start()) {
            String plain = post("{}").json().getString("access_token");
            String sudo = postAs(REVIEW_SESSION, "{\"sudo_as_login\":\"alima\"}").json().getString("access_token");
            assertEquals(403, postAs(REVIEW_SESSION, "{\"sudo_as_login\":\"otimer\"}").status());

            List<String> audit = logs.lines().stream().filter(l -> l.startsWith("io.fptrfunctions.audit ")).toList();
            assertEquals(3, audit.size(), audit.toString());
            assertTrue(audit.get(0).matches("io\\.fptrfunctions\\.audit token issued: caller=" + ApiGatewayEvents.PIPELINE.replace(".", "\\.")
                    + " principal=\\S+ sudo_as_login=- granted_by=- expires_at=\\S+Z request_id=[0-9a-f-]{36}"), audit.get(0));
            assertTrue(audit.get(1).contains("token issued: caller=" + REVIEW_SESSION + " principal=" + REVIEW_ROLE
                    + " sudo_as_login=alima granted_by=group:Lighting expires_at="), audit.get(1));
            assertTrue(audit.get(2).contains("token refused: caller=" + REVIEW_SESSION + " principal=" + REVIEW_ROLE
                    + " sudo_as_login=otimer status=403"), audit.get(2));
            assertFalse(logs.all().contains(plain) || logs.all().contains(sudo), "a token reached the log");
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
