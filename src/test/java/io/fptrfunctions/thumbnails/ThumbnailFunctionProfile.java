package io.fptrfunctions.thumbnails;

import io.fptrfunctions.aws.MotoServer;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Runs the {@code thumbnail} handler behind the mock event server, its job queue in moto; one profile for all its tests. */
public class ThumbnailFunctionProfile implements QuarkusTestProfile {

    public static final String JOB_QUEUE = "fptr-functions-test-thumbnail-route-jobs";

    static String jobQueueUrl() {
        return MotoServer.get().endpoint() + "/123456789012/" + JOB_QUEUE;
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.lambda.handler", "thumbnail", "fptr.thumbnail.job-queue-url", jobQueueUrl());
    }
}
