package io.fptrfunctions.telemetry;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** The token function with the console logging JSON, as it does in Lambda (the prod profile). */
public class JsonLogProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.lambda.handler", "token",
                "quarkus.log.console.json.enabled", "true",
                "quarkus.log.console.json.excluded-keys", "hostName,processName,processId,sequence,loggerClassName,threadId,ndc",
                "quarkus.log.category.\"io.fptrfunctions\".level", "DEBUG",
                // The test's first invocation must be this JVM's cold start, so it cannot be warmed first: its mint
                // gets the deployed attempt time, not the test profile's 1.5 s, which a loaded machine has used up.
                "fptr.calls.mint.timeout", "5s");
    }
}
