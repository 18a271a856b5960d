package io.fptrfunctions.token;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.LogCapture;
import io.fptrfunctions.fptr.TestClock;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.fptrfunctions.telemetry.EmfLines;
import io.fptrfunctions.telemetry.Invocations;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.fptrfunctions.token.TokenFunctionTest.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Credentials from a Secrets Manager secret in moto (over HTTP), as deployed: read once, reused for the
 * secret TTL, read again after FPTR refuses them; bad ones give a clear 403 that never shows the key.
 */
@QuarkusTest
@TestProfile(SecretCredentialsProfile.class)
class TokenFromSecretsManagerTest {

    /** The shared FPTR simulator's admin client. */
    private static final SimAdmin SIM = FptrSimTestResource.admin();

    @Inject
    SecretsManagerClient secrets;

    @Inject
    TestClock clock;

    @Inject
    FptrClient fptr;

    @Inject
    Invocations invocations;

    @ConfigProperty(name = "fptr.script-name")
    String scriptName;

    @ConfigProperty(name = "fptr.script-key")
    String scriptKey;

    @BeforeEach
    void goodSecret() {
        FptrSimTestResource.freshSite(clock); // cached tokens and credentials are stale
        putSecret(secretJson(scriptKey));
    }

    private String secretJson(String key) {
        return "{\"site_url\":\"" + FptrSimTestResource.baseUrl() + "\",\"script_name\":\"" + scriptName
                + "\",\"script_key\":\"" + key + "\"}";
    }

    private void putSecret(String value) {
        try {
            secrets.putSecretValue(b -> b.secretId(SecretCredentialsProfile.SECRET_ID).secretString(value));
        } catch (ResourceNotFoundException missing) {
            secrets.createSecret(b -> b.name(SecretCredentialsProfile.SECRET_ID).secretString(value));
        }
    }

    @Test
    void credentialsComeFromTheSecret() {
        Answer[] answer = new Answer[1];
        long retries = retriesOf(() -> answer[0] = post("{}"));

        assertEquals(200, answer[0].status(), answer[0].raw());
        assertCalls(1, 0, retries, "one mint");
    }

    @Test
    void badCredentialsAreA403NamingTheCauseWithoutTheKey() {
        String wrongKey = "wrong-key-" + System.nanoTime();
        putSecret(secretJson(wrongKey));

        try (LogCapture logs = LogCapture.start()) {
            Answer answer = post("{}");

            assertEquals(403, answer.status(), answer.raw());
            assertEquals("application/problem+json", answer.headers().get("Content-Type"));
            String detail = answer.json().getString("detail");
            assertTrue(detail.contains("Can't authenticate script"), detail);
            assertTrue(detail.contains(scriptName), detail);
            assertTrue(detail.contains("FPTR_SECRET_ID"), "says where to fix it: " + detail);
            assertTrue(answer.json().getMap("upstream") != null, answer.raw());
            assertFalse(answer.raw().contains(wrongKey), "the key must not be in the answer");
            assertFalse(logs.all().contains(wrongKey), "the key must not be logged");
            assertFalse(logs.all().contains(scriptKey));
        }
    }

    @Test
    void aRotatedSecretIsReadAgainAfterFptrRefusedTheOldOne() {
        putSecret(secretJson("stale-key"));
        assertEquals(403, post("{}").status());

        putSecret(secretJson(scriptKey));

        assertEquals(200, post("{}").status(), "no need to wait for the secret TTL");
    }

    /**
     * The studio regenerates the script's key in FPTR and puts it in the secret, while this container holds
     * the old key for the secret's TTL: the first mint FPTR refuses reads the secret again and mints with the
     * new key, in the same call (it used to answer 403 "calling again will not help" until the next call).
     */
    @Test
    void aKeyRotatedWhileTheContainerHoldsTheOldOneIsPickedUpByTheCallFptrRefuses() {
        long retries = retriesOf(() -> assertEquals(200, post("{}").status()));   // the credentials and a token are cached
        String newKey = rotateScriptKey();

        clock.advance(Duration.ofMinutes(11)); // the token is stale, the cached secret (15 min) is not
        try (LogCapture logs = LogCapture.start()) {
            Answer[] answer = new Answer[1];
            retries += retriesOf(() -> answer[0] = post("{}"));

            assertEquals(200, answer[0].status(), answer[0].raw());
            assertFalse(logs.all().contains(newKey), "the key must not be logged");
            assertFalse(logs.all().contains(scriptKey), "the key must not be logged");
        }
        assertCalls(3, 0, retries, "the first token, the old key refused, the new key");
        retries += retriesOf(() -> assertEquals(200, post("{}").status()));
        assertCalls(3, 0, retries, "the token minted with the new key is cached");
    }

    /** The same rotation found by a data call whose token FPTR drops mid-call: one more mint with the new key, one repeat. */
    @Test
    void aTokenDroppedMidCallAfterARotationIsMintedAgainWithTheNewKey() {
        JsonNode[] project = new JsonNode[1];
        long retries = rotateThenReadWithADroppedToken(project, Map.of());

        assertEquals(70, project[0].path("id").asLong(), project[0].toString());
        assertCalls(3, 2, retries, "the first token, the old key refused, the new key; the read and its one repeat");
    }

    /**
     * Why the counts above allow our own repeats: a mint our side gave up on (its timeout, 1.5 s in tests, which a
     * machine at load 15 can take) after the simulator counted it is sent again, as a mint may be. Here the refused
     * mint is that slow: the simulator counts it twice, and the call still ends with one mint of the new key.
     */
    @Test
    void aMintOurSideGaveUpOnIsSentAgainAndOnlyThatRepeatIsCountedOnTop() {
        JsonNode[] project = new JsonNode[1];
        long retries = rotateThenReadWithADroppedToken(project,
                Map.of("method", "POST", "path", "/auth/access_token$", "times", 1, "latency_ms", 2000));

        assertEquals(70, project[0].path("id").asLong(), project[0].toString());
        assertTrue(retries >= 1, "the mint our side gave up on was sent again: " + SIM.requests());
        assertTrue(SIM.mints() >= 4, "the first token, the old key (timed out, then refused), the new key: " + SIM.requests());
        assertCalls(3, 2, retries, "one mint repeated after our timeout");
    }

    /**
     * A token is cached, the key rotated, then Project 70 read (into {@code project}) with FPTR dropping that token
     * mid-call and {@code fault} (if any) on the way; answers the attempts our side repeated meanwhile.
     */
    private long rotateThenReadWithADroppedToken(JsonNode[] project, Map<String, ?> fault) {
        long retries = retriesOf(() -> assertEquals(200, post("{}").status()));
        rotateScriptKey();
        SIM.fault(Map.of("method", "GET", "path", "/entity/[Pp]rojects?/70$", "times", 1, "expire_token", true));
        if (!fault.isEmpty()) {
            SIM.fault(fault);
        }
        return retries + retriesOf(() -> project[0] = invocations.run(TokenHandler.FUNCTION, null,
                () -> fptr.read(Deadline.none(), "Project", 70, List.of("name"))));
    }

    /** Runs the calls and answers how many attempts our side repeated (FptrRetries over their metrics lines). */
    private static long retriesOf(Runnable calls) {
        try (EmfLines emf = EmfLines.capture()) {
            calls.run();
            return emf.lines().stream().mapToLong(line -> EmfLines.value(line, "FptrRetries")).sum();
        }
    }

    /**
     * What the code guarantees: {@code mints} mints and {@code reads} reads of Project 70, and on top of them no more
     * requests than the attempts our side repeated after its own timeout (a repeat whose first attempt never reached
     * the simulator adds nothing). A second mint the code made where one was due is not such a repeat: it fails this.
     */
    private static void assertCalls(long mints, long reads, long retries, String what) {
        long minted = SIM.mints();
        long read = SIM.count("GET", ".*/entity/[Pp]rojects?/70");
        String seen = what + ": " + minted + " mints, " + read + " reads, " + retries + " repeats after a timeout; " + SIM.requests();
        assertTrue(minted >= mints && read >= reads, seen);
        assertTrue(minted + read <= mints + reads + retries, seen);
    }

    /** FPTR now takes only a new key for the script, and the secret holds it; returns the key. */
    private String rotateScriptKey() {
        String newKey = "rotated-key-" + System.nanoTime();
        // the simulator authenticates against the last active ApiUser of that name: the old key stops working
        SIM.insert(Map.of("type", "ApiUser", "firstname", scriptName, "sg_status_list", "act", "_script_key", newKey));
        putSecret(secretJson(newKey));
        return newKey;
    }

    @Test
    void theSecretIsReusedForItsTtlThenReadAgain() {
        long retries = retriesOf(() -> assertEquals(200, post("{}").status()));
        putSecret(secretJson("rotated-but-not-yet-read"));

        clock.advance(Duration.ofMinutes(11)); // the token is stale, the cached secret (15 min) is not
        retries += retriesOf(() -> assertEquals(200, post("{}").status(), "minted with the cached credentials"));
        assertCalls(2, 0, retries, "two tokens with the cached key");

        clock.advance(Duration.ofMinutes(10)); // token and secret both stale: the secret is read again, refused
        assertEquals(403, post("{}").status());
    }

    @Test
    void aMissingSecretIsA500SayingWhichSecret() {
        secrets.deleteSecret(b -> b.secretId(SecretCredentialsProfile.SECRET_ID).forceDeleteWithoutRecovery(true));

        Answer answer = post("{}");

        assertEquals(500, answer.status(), answer.raw());
        assertTrue(answer.json().getString("detail").contains(SecretCredentialsProfile.SECRET_ID), answer.raw());
        assertTrue(SIM.requests().isEmpty());
    }

    @Test
    void theTemplatesPlaceholderSecretIsA500SayingTheCredentialsWereNeverSet() throws IOException {
        putSecret(templateSecretString());

        Answer answer = post("{}");

        assertEquals(500, answer.status(), answer.raw());
        assertEquals("The function is not configured for FPTR", answer.json().getString("title"), answer.raw());
        String detail = answer.json().getString("detail");
        assertTrue(detail.contains("never set") && detail.contains("put-secret-value --secret-id " + SecretCredentialsProfile.SECRET_ID),
                answer.raw());
        assertTrue(SIM.requests().isEmpty(), "nothing is sent to a site with a placeholder");
    }

    /** FptrSecret's SecretString as template.yaml declares it (what a fresh deployment holds). */
    private static String templateSecretString() throws IOException {
        String template = Files.readString(Path.of("template.yaml"));
        Matcher m = Pattern.compile("(?s)\n  FptrSecret:.*?\n      SecretString: '([^']*)'")
                .matcher(template);
        assertTrue(m.find(), "template.yaml's FptrSecret has a SecretString");
        return m.group(1);
    }

    @Test
    void aSecretThatIsNotJsonIsA500ThatDoesNotQuoteIt() {
        putSecret("site_url=x script_key=" + scriptKey);

        Answer answer = post("{}");

        assertEquals(500, answer.status(), answer.raw());
        assertTrue(answer.json().getString("detail").contains("not JSON"), answer.raw());
        assertFalse(answer.raw().contains(scriptKey));
    }
}
