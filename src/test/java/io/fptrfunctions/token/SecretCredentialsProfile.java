package io.fptrfunctions.token;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** The token function reading its FPTR credentials from a Secrets Manager secret (in moto), as in AWS. */
public class SecretCredentialsProfile implements QuarkusTestProfile {

    public static final String SECRET_ID = "fptr-functions/test-credentials";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.lambda.handler", "token",
                "fptr.secret-id", SECRET_ID,
                "quarkus.log.category.\"io.fptrfunctions\".level", "DEBUG");
    }
}
