package io.fptrfunctions.lifecycle;

import io.fptrfunctions.deadline.Deadline;

import io.fptrfunctions.fptr.AccessToken;
import io.fptrfunctions.fptr.FptrTokens;
import io.fptrfunctions.fptr.LogCapture;
import io.fptrfunctions.fptr.TestClock;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.fptrfunctions.webhooks.WebhookSecrets;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The note-search function reading its credentials from a secret in moto, as deployed: the prefetch
 * while it starts, and a simulated SnapStart checkpoint and restore (the CRaC hooks called as Lambda's
 * runtime calls them): nothing fetched before the snapshot is used after it.
 */
@QuarkusTest
@TestProfile(ColdStartTest.NoteSearchWithSecret.class)
class ColdStartTest {

    private static final String SECRET_ID = "fptr-functions/cold-start-test";
    private static final SimAdmin SIM = FptrSimTestResource.admin();

    public static class NoteSearchWithSecret implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.lambda.handler", "note-search", "fptr.secret-id", SECRET_ID);
        }
    }

    @Inject
    ColdStart coldStart;

    @Inject
    FptrTokens tokens;

    @Inject
    SecretsManagerClient secrets;

    @Inject
    BeanManager beans;

    @Inject
    TestClock clock;

    @ConfigProperty(name = "fptr.script-name")
    String scriptName;

    @BeforeEach
    void freshSiteAndSecret() throws Exception {
        putSecret(FptrSimTestResource.SCRIPT_KEY);
        coldStart.beforeCheckpoint(null);   // nothing cached from an earlier test
        FptrSimTestResource.freshSite(clock);
    }

    @Test
    void thePrefetchReadsTheSecretAndMintsSoTheFirstCallDoesNeither() throws Exception {
        try (LogCapture logs = LogCapture.start()) {
            coldStart.prefetch();
            coldStart.awaitPrefetch();
            assertEquals(1, SIM.mints(), "minted while starting");

            JsonPath answer = search();

            assertEquals(200, answer.getInt("statusCode"), answer.getString("body"));
            assertEquals(1, SIM.mints(), "the first call used the prefetched token");
            assertEquals(1, secretReads(logs));
        }
    }

    @Test
    void afterARestoreTheSandboxReadsTheSecretAgainAndMintsItsOwnToken() throws Exception {
        coldStart.prefetch();
        coldStart.awaitPrefetch();
        AccessToken beforeSnapshot = tokens.token(Deadline.none(), null);

        try (LogCapture logs = LogCapture.start()) {
            coldStart.beforeCheckpoint(null);
            coldStart.afterRestore(null);
            coldStart.awaitPrefetch();

            AccessToken afterRestore = tokens.token(Deadline.none(), null);
            assertNotEquals(beforeSnapshot.value(), afterRestore.value(), "the snapshot's token is not reused");
            assertEquals(2, SIM.mints());
            assertEquals(1, secretReads(logs), "the restored sandbox read the secret itself");
            assertEquals(200, search().getInt("statusCode"), "with new REST clients, the snapshot's were closed");
        }
    }

    @Test
    void aSecretRotatedWhileTheSnapshotWaitedIsTheOneARestoredSandboxUses() throws Exception {
        coldStart.prefetch();
        coldStart.awaitPrefetch();
        assertEquals(200, search().getInt("statusCode"));

        coldStart.beforeCheckpoint(null);
        putSecret("rotated-" + System.nanoTime());   // FPTR does not know this key
        coldStart.afterRestore(null);
        coldStart.awaitPrefetch();

        JsonPath answer = search();
        assertEquals(403, answer.getInt("statusCode"), "the snapshot's credentials were not used: " + answer.getString("body"));
        assertTrue(answer.getString("body").contains("Can't authenticate script"), answer.getString("body"));
    }

    @Test
    void theCheckpointCreatesNoBeanThatWasNotThere() throws Exception {
        Bean<?> webhookSecrets = beans.resolve(beans.getBeans(WebhookSecrets.class));

        coldStart.beforeCheckpoint(null);
        coldStart.afterRestore(null);
        coldStart.awaitPrefetch();

        assertNull(beans.getContext(webhookSecrets.getScope()).get(webhookSecrets), "a note-search function has no webhook secret");
    }

    private static long secretReads(LogCapture logs) {
        return logs.lines().stream().filter(l -> l.contains("Read the FPTR credentials from secret " + SECRET_ID)).count();
    }

    private JsonPath search() {
        return given().contentType("application/json")
                .body(ApiGatewayEvents.route("POST /v1/notes/search", "/v1/notes/search").body("{\"text\": \"lighting\"}").build())
                .when().post()
                .then().statusCode(200)
                .extract().jsonPath();
    }

    private void putSecret(String key) {
        String value = "{\"site_url\":\"" + FptrSimTestResource.baseUrl() + "\",\"script_name\":\"" + scriptName
                + "\",\"script_key\":\"" + key + "\"}";
        try {
            secrets.putSecretValue(b -> b.secretId(SECRET_ID).secretString(value));
        } catch (ResourceNotFoundException missing) {
            secrets.createSecret(b -> b.name(SECRET_ID).secretString(value));
        }
    }
}
