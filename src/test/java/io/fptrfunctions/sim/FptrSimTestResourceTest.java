package io.fptrfunctions.sim;

import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every @QuarkusTest gets the shared simulator's URL and the demo script credentials as app config. */
@QuarkusTest
class FptrSimTestResourceTest {

    @ConfigProperty(name = "fptr.site-url")
    String siteUrl;
    @ConfigProperty(name = "fptr.script-name")
    String scriptName;
    @ConfigProperty(name = "fptr.script-key")
    String scriptKey;

    @Test
    void appConfigPointsAtTheSharedSimulatorAndItsCredentialsWork() {
        assertEquals(FptrSimTestResource.baseUrl(), siteUrl);
        SimAdmin.Response r = SimAdmin.at(siteUrl).form("/api/v1.1/auth/access_token",
                "grant_type=client_credentials&client_id=" + SimAdmin.enc(scriptName) + "&client_secret=" + SimAdmin.enc(scriptKey));
        assertEquals(200, r.status(), r.toString());
    }
}
