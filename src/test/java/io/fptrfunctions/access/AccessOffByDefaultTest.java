package io.fptrfunctions.access;

import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.notes.NoteSearchHandler;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.fptrfunctions.token.TokenHandler;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With no {@code fptr.access.policy} (the default, as a deployment without the AccessPolicy parameter)
 * nobody may act as another user or send raw filters, and FPTR is not asked.
 */
@QuarkusTest
class AccessOffByDefaultTest {

    private static final SimAdmin SIM = FptrSimTestResource.admin();

    @Inject
    TokenHandler token;

    @Inject
    NoteSearchHandler noteSearch;

    @Test
    void sudoAndRawFiltersAreRefusedForEveryCaller() {
        SIM.clearRequests();
        for (String caller : new String[] {ApiGatewayEvents.PIPELINE, "arn:aws:iam::123456789012:root", null}) {
            var sudo = token.handleRequest(ApiGatewayEvents.route("POST /v1/token", "/v1/token").caller(caller)
                    .body("{\"sudo_as_login\":\"jdoe\"}").event(), null);
            assertEquals(403, sudo.getStatusCode(), sudo.getBody());
            assertTrue(sudo.getBody().contains("may not ask for a token acting as 'jdoe'"), sudo.getBody());

            var filters = noteSearch.handleRequest(ApiGatewayEvents.route("POST /v1/notes/search", "/v1/notes/search")
                    .caller(caller).body("{\"filters\":[[\"subject\",\"contains\",\"x\"]]}").event(), null);
            assertEquals(403, filters.getStatusCode(), filters.getBody());
            assertTrue(filters.getBody().contains("\"pointer\":\"/filters\""), filters.getBody());
        }
        assertEquals(0, SIM.requests().size(), "nothing reached FPTR: " + SIM.requests());
    }
}
