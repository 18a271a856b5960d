package io.fptrfunctions.access;

import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.fptrfunctions.token.SecretCredentialsProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With no {@code fptr.access.policy} (the default, as a deployment without the AccessPolicy parameter)
 * nobody may act as another user or send raw filters, and FPTR is not asked. (In the profile without a
 * policy; the tests' one configuration has one.)
 */
@QuarkusTest
@TestProfile(SecretCredentialsProfile.class)
class AccessOffByDefaultTest {

    private static final SimAdmin SIM = FptrSimTestResource.admin();

    @Test
    void sudoAndRawFiltersAreRefusedForEveryCaller() {
        SIM.clearRequests();
        for (String caller : new String[] {ApiGatewayEvents.PIPELINE, "arn:aws:iam::123456789012:root", null}) {
            Answer sudo = ApiGatewayEvents.route("POST /v1/token", "/v1/token").caller(caller)
                    .body("{\"sudo_as_login\":\"jdoe\"}").invoke("token");
            assertEquals(403, sudo.status(), sudo::toString);
            assertTrue(sudo.raw().contains("may not ask for a token acting as 'jdoe'"), sudo::toString);

            Answer filters = ApiGatewayEvents.route("POST /v1/notes/search", "/v1/notes/search")
                    .caller(caller).body("{\"filters\":[[\"subject\",\"contains\",\"x\"]]}").invoke("note-search");
            assertEquals(403, filters.status(), filters::toString);
            assertTrue(filters.raw().contains("\"pointer\":\"/filters\""), filters::toString);
        }
        assertEquals(0, SIM.requests().size(), "nothing reached FPTR: " + SIM.requests());
    }
}
