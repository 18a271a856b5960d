package io.fptrfunctions.token;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * The token function's handler, shared by every test of the FPTR client and the token function (one
 * Quarkus start). Debug logging of our code is on so the secret-leak test sees every line we could write.
 * The access policy lets the tests' default caller ({@code user/pipeline}) act as anyone, and the
 * {@code Review} role as the FPTR Group Lighting (jdoe, alima) and jsmith.
 */
public class TokenFunctionProfile implements QuarkusTestProfile {

    public static final String REVIEW_ROLE = "arn:aws:iam::123456789012:role/Review";
    public static final String POLICY = "{\"arn:aws:iam::123456789012:user/pipeline\": [\"*\"],"
            + " \"" + REVIEW_ROLE + "\": [\"group:Lighting\", \"jsmith\"]}";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.lambda.handler", "token",
                "fptr.access.policy", POLICY,
                "quarkus.log.category.\"io.fptrfunctions\".level", "DEBUG",
                "quarkus.log.category.\"org.jboss.resteasy.reactive.client\".level", "DEBUG",
                "quarkus.log.category.\"io.quarkus.rest.client\".level", "DEBUG");
    }
}
