package io.fptrfunctions.thumbnails;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Runs the {@code thumbnail} handler behind the mock event server; one profile for all its tests. */
public class ThumbnailFunctionProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.lambda.handler", "thumbnail");
    }
}
