package io.fptrfunctions.uploads;

import io.fptrfunctions.aws.MotoTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Runs the {@code upload} handler behind the mock event server, reading from the test bucket's {@code uploads/}. */
public class UploadFunctionProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.lambda.handler", "upload",
                "fptr.upload.source-bucket", MotoTestResource.BUCKET,
                "fptr.upload.source-prefix", "uploads/");
    }
}
