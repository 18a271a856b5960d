package io.fptrfunctions.token;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * The functions reading their FPTR credentials from a Secrets Manager secret (in moto), as in AWS, and
 * without an access policy, as a deployment without the AccessPolicy parameter: the settings the tests'
 * one configuration cannot share (a Quarkus start of its own).
 */
public class SecretCredentialsProfile implements QuarkusTestProfile {

    public static final String SECRET_ID = "fptr-functions/test-credentials";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.lambda.handler", "token",
                "fptr.secret-id", SECRET_ID,
                "fptr.access.policy", "",
                "quarkus.log.category.\"io.fptrfunctions\".level", "DEBUG");
    }
}
