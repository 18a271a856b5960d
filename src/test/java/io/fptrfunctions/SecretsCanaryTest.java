package io.fptrfunctions;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The canary itself: it is on for this test too, sees every logger, and knows a secret when it sees one. */
class SecretsCanaryTest {

    private static final Logger LOG = Logger.getLogger("io.fptrfunctions.localfiles.SomeService");

    @AfterEach
    void forgetWhatThisTestLoggedOnPurpose() {
        SecretsCanary.forgetLeaks();
    }

    @Test
    void everyKindOfSecretIsFound() {
        List<String> lines = List.of(
                "credentials " + SecretsCanary.SCRIPT_KEY,
                "secret " + SecretsCanary.webhookSecret(3),
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmcHRyLWZ1bmN0aW9ucyJ9.c2lnbmF0dXJlLWJ5dGVz",
                "GET https://sg-media.s3.amazonaws.com/x.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "X-SG-SIGNATURE: sha1=2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
        for (String line : lines) {
            List<String> found = SecretsCanary.secretsIn(line);
            assertEquals(1, found.size(), line + " -> " + found);
            assertFalse(found.get(0).length() > 30, "the report masks the secret: " + found);
        }
    }

    @Test
    void whatIsNotASecretIsNotFound() {
        for (String line : List.of("Minted an FPTR token for script 'fptr-functions', valid 600 s",
                "thumbnails/70/Note/7001/original.png from https://sg-media.s3.amazonaws.com/x.png (X-Amz-Signature=***)",
                "X-SG-SIGNATURE does not match the body", "io.fptrfunctions.SecretsCanary", "sha1=short")) {
            assertEquals(List.of(), SecretsCanary.secretsIn(line), line);
        }
    }

    @Test
    void aSecretLoggedByAnyCodeIsCaughtWithItsStackTraceButNotTheSimulatorsOwn() {
        LOG.debugf("about to call FPTR with %s", "nothing secret");
        assertEquals(List.of(), SecretsCanary.leaksSoFar());
        LOG.errorf(new IllegalStateException("cannot use key " + SecretsCanary.SCRIPT_KEY), "minting failed");
        Logger.getLogger("org.jboss.resteasy.reactive.client.Whatever").warn("sha1=2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
        Logger.getLogger("io.fptrfunctions.sim.SimMedia").warn("signed eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");

        List<String> leaks = SecretsCanary.leaksSoFar();
        assertEquals(2, leaks.size(), "the key in an exception's message, the HMAC; not the simulator's own line: " + leaks);
        assertTrue(leaks.get(0).startsWith("ERROR io.fptrfunctions.localfiles.SomeService"), leaks.get(0));
        assertFalse(String.join("\n", leaks).contains(SecretsCanary.SCRIPT_KEY), "the report itself masks it");
    }
}
