package io.fptrfunctions.localfiles;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Runs the {@code local-file} handler; shared by every test of this function (one Quarkus restart). */
public class LocalFileProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.lambda.handler", "local-file");
    }
}
