package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /auth/access_token grants and refusals, and bearer checks on data calls. */
class SimAuthTest extends SimHttpTest {

    /** Each test starts without a token. */
    @BeforeEach
    @Override
    void reset() {
        c = SimAdmin.of(sim);
        c.reset();
    }

    private static JsonNode claims(String jwt) throws Exception {
        String[] parts = jwt.split("\\.");
        assertEquals(3, parts.length, "JWT has three segments");
        assertEquals("{\"alg\":\"HS256\"}", new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
        return SimJson.parse(Base64.getUrlDecoder().decode(parts[1]));
    }

    @Test
    void clientCredentialsInFormBodyGiveAJwtWithFptrClaims() throws Exception {
        SimAdmin.Response r = c.form("/api/v1/auth/access_token",
                "grant_type=client_credentials&client_id=fptr-functions&client_secret=demo-script-key-0000");
        assertEquals(200, r.status(), r.toString());
        assertEquals("application/json; charset=utf-8", r.contentType());
        JsonNode body = r.json();
        assertEquals("Bearer", body.get("token_type").asText());
        assertEquals(600, body.get("expires_in").asInt());
        assertTrue(body.hasNonNull("refresh_token"));
        JsonNode claims = claims(body.get("access_token").asText());
        assertEquals("ApiUser", claims.path("user").path("type").asText());
        assertEquals(5, claims.path("user").path("id").asLong());
        assertTrue(claims.path("sudo_as_login").isNull());
        long iat = claims.path("iat").asLong();
        assertEquals(iat + 600, claims.path("exp").asLong());
        assertFalse(claims.path("jti").asText().isEmpty());
    }

    @Test
    void grantInQueryStringWithEmptyBodyWorks() {
        SimAdmin.Response r = c.send(HttpRequest.newBuilder(java.net.URI.create(sim.baseUrl()
                + "/api/v1/auth/access_token?client_id=fptr-functions&client_secret=demo-script-key-0000&grant_type=client_credentials"))
                .POST(HttpRequest.BodyPublishers.noBody()), false);
        assertEquals(200, r.status(), r.toString());
    }

    @Test
    void passwordGrantAndBadPassword() throws Exception {
        SimAdmin.Response ok = c.form("/api/v1.1/auth/access_token", "grant_type=password&username=jdoe&password=demo-password");
        assertEquals(200, ok.status(), ok.toString());
        assertEquals("HumanUser", claims(ok.json().get("access_token").asText()).path("user").path("type").asText());

        SimAdmin.Response bad = c.form("/api/v1.1/auth/access_token", "grant_type=password&username=jdoe&password=nope");
        assertEquals(400, bad.status());
        assertEquals("Can't authenticate user 'jdoe'.", bad.json().at("/errors/0/title").asText());
        // an inactive account cannot log in either
        SimAdmin.Response inactive = c.form("/api/v1.1/auth/access_token", "grant_type=password&username=otimer&password=x");
        assertEquals(400, inactive.status());
    }

    @Test
    void badScriptKeyAndMissingArgumentsAndUnknownGrant() {
        SimAdmin.Response bad = c.form("/api/v1.1/auth/access_token",
                "grant_type=client_credentials&client_id=fptr-functions&client_secret=wrong");
        assertEquals(400, bad.status());
        JsonNode err = bad.json().at("/errors/0");
        assertEquals("Can't authenticate script 'fptr-functions'", err.get("title").asText());
        assertEquals(400, err.get("status").asInt());
        assertTrue(err.has("id") && err.has("source") && err.has("detail") && err.has("meta"));

        SimAdmin.Response missing = c.form("/api/v1.1/auth/access_token", "grant_type=client_credentials&client_id=fptr-functions");
        assertEquals(400, missing.status());
        assertEquals("Missing or invalid authentication arguments", missing.json().at("/errors/0/title").asText());

        SimAdmin.Response grant = c.form("/api/v1.1/auth/access_token", "grant_type=authorization_code");
        assertEquals(400, grant.status());
        assertEquals("Unsupported grant_type", grant.json().at("/errors/0/title").asText());
        assertEquals(103, grant.json().at("/errors/0/code").asInt());
    }

    @Test
    void contentTypesAreCheckedLikeFptr() {
        SimAdmin.Response text = c.post("/api/v1.1/auth/access_token", "text/plain", "grant_type=client_credentials");
        assertEquals(415, text.status());
        assertEquals("{\"errors\":[{\"status\":415,\"code\":103,\"title\":\"Unsupported Content-Type 'text/plain'\","
                + "\"source\":{\"content_type\":\"Content-Type must be one of: 'application/x-www-form-urlencoded'.\"}}]}",
                text.text());

        SimAdmin.Response jsonType = c.post("/api/v1.1/auth/access_token", "application/json", "{\"grant_type\":\"client_credentials\"}");
        assertEquals(415, jsonType.status());
        assertEquals("Unsupported Content-Type 'application/json'", jsonType.json().at("/errors/0/title").asText());

        SimAdmin.Response formAsJson = c.post("/api/v1.1/auth/access_token", "application/json", "grant_type=client_credentials");
        assertEquals(400, formAsJson.status());
        assertEquals("Invalid JSON body", formAsJson.json().at("/errors/0/title").asText());

        SimAdmin.Response charset = c.post("/api/v1.1/auth/access_token", "application/x-www-form-urlencoded; charset=bogus",
                "grant_type=client_credentials&client_id=fptr-functions&client_secret=demo-script-key-0000");
        assertEquals(200, charset.status(), charset.toString());
    }

    @Test
    void refreshTokenWorksOnceAndAFakeOneIs401() {
        SimAdmin.Response first = c.form("/api/v1.1/auth/access_token",
                "grant_type=client_credentials&client_id=fptr-functions&client_secret=demo-script-key-0000");
        String refresh = first.json().get("refresh_token").asText();
        SimAdmin.Response again = c.form("/api/v1.1/auth/access_token", "grant_type=refresh_token&refresh_token=" + refresh);
        assertEquals(200, again.status(), again.toString());
        assertNotEquals(first.json().get("access_token").asText(), again.json().get("access_token").asText());
        SimAdmin.Response reused = c.form("/api/v1.1/auth/access_token", "grant_type=refresh_token&refresh_token=" + refresh);
        assertEquals(401, reused.status());
        assertEquals("Unauthorized", reused.json().at("/errors/0/title").asText());
        SimAdmin.Response fake = c.form("/api/v1.1/auth/access_token", "grant_type=refresh_token&refresh_token=abc.def.ghi");
        assertEquals(401, fake.status());
    }

    @Test
    void sessionTokenGrant() {
        SimAdmin.Response ok = c.form("/api/v1.1/auth/access_token", "grant_type=session_token&session_token=demo-session-token-jdoe-0001");
        assertEquals(200, ok.status(), ok.toString());
        SimAdmin.Response bad = c.form("/api/v1.1/auth/access_token", "grant_type=session_token&session_token=nope-1234");
        assertEquals(400, bad.status());
        assertEquals("Can't authenticate session token ending with '1234'", bad.json().at("/errors/0/title").asText());
    }

    @Test
    void sudoScopeRecordsTheUserOnWritesAndRefusesUnknownOrInactiveUsers() throws Exception {
        SimAdmin.Response r = c.form("/api/v1.1/auth/access_token",
                "grant_type=client_credentials&client_id=fptr-functions&client_secret=demo-script-key-0000&scope=sudo_as_login:alima");
        assertEquals(200, r.status(), r.toString());
        assertEquals("alima", claims(r.json().get("access_token").asText()).get("sudo_as_login").asText());
        c.token(r.json().get("access_token").asText());
        SimAdmin.Response created = c.postJson("/api/v1.1/entity/notes",
                "{\"project\":{\"type\":\"Project\",\"id\":70},\"subject\":\"from sudo\"}");
        assertEquals(201, created.status(), created.toString());
        JsonNode rel = created.json().at("/data/relationships");
        assertEquals(90, rel.at("/created_by/data/id").asLong());
        assertEquals("HumanUser", rel.at("/created_by/data/type").asText());
        assertEquals("Ana Lima", rel.at("/created_by/data/name").asText());
        assertEquals(90, rel.at("/updated_by/data/id").asLong());
        assertEquals(90, rel.at("/user/data/id").asLong(), "a Note's author defaults to the acting user");

        SimAdmin.Response unknown = c.form("/api/v1.1/auth/access_token",
                "grant_type=client_credentials&client_id=fptr-functions&client_secret=demo-script-key-0000&scope=sudo_as_login:nobody");
        assertEquals(400, unknown.status());
        assertEquals("Cannot 'sudo' - unknown or retired user: 'nobody'", unknown.json().at("/errors/0/title").asText());
        assertEquals(102, unknown.json().at("/errors/0/code").asInt());
        SimAdmin.Response inactive = c.form("/api/v1.1/auth/access_token",
                "grant_type=client_credentials&client_id=fptr-functions&client_secret=demo-script-key-0000&scope=sudo_as_login:otimer");
        assertEquals("Cannot 'sudo' - inactive user account: 'otimer'", inactive.json().at("/errors/0/title").asText());
    }

    @Test
    void dataCallsNeedAValidUnexpiredBearer() throws Exception {
        SimAdmin.Response none = c.get("/api/v1.1/entity/projects");
        assertEquals(401, none.status());
        assertEquals(401, none.json().at("/errors/0/status").asInt());
        c.token("abc.def.ghi");
        assertEquals(401, c.get("/api/v1.1/entity/projects").status());

        c.config(Map.of("token_ttl_seconds", 2));
        c.token(null);
        c.login();
        assertEquals(200, c.get("/api/v1.1/entity/projects").status());
        c.advanceClock(Duration.ofSeconds(3));
        SimAdmin.Response expired = c.get("/api/v1.1/entity/projects");
        assertEquals(401, expired.status(), "a token past its exp is refused");
        c.realClock();
        assertEquals(200, c.get("/api/v1.1/entity/projects").status(), "the same token, back before its exp");
    }

    @Test
    void tokenTtlFollowsConfig() {
        c.config(Map.of("token_ttl_seconds", 42));
        SimAdmin.Response r = c.form("/api/v1.1/auth/access_token",
                "grant_type=client_credentials&client_id=fptr-functions&client_secret=demo-script-key-0000");
        assertEquals(42, r.json().get("expires_in").asInt());
    }
}
