package io.fptrfunctions.token;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * The token function's handler, shared by every test of the FPTR client and the token function (one
 * Quarkus start). Debug logging of our code is on so the secret-leak test sees every line we could write.
 */
public class TokenFunctionProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.lambda.handler", "token",
                "quarkus.log.category.\"io.fptrfunctions\".level", "DEBUG",
                "quarkus.log.category.\"org.jboss.resteasy.reactive.client\".level", "DEBUG",
                "quarkus.log.category.\"io.quarkus.rest.client\".level", "DEBUG");
    }
}
