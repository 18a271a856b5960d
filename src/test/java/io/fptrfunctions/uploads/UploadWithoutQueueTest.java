package io.fptrfunctions.uploads;

import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upload function deployed without its upload queue ({@code fptr.upload.job-queue-url} unset): {@code Prefer:
 * respond-async} is ignored, so an object over {@code fptr.upload.sync-max-bytes} (2 MiB in tests) is a 422 that
 * says this deployment cannot take it, not one that sends the caller round to the same 422 with the preference.
 * A Quarkus start of its own (the tests' one configuration has the queue).
 */
@QuarkusTest
@TestProfile(UploadWithoutQueueTest.NoUploadQueue.class)
class UploadWithoutQueueTest {

    public static class NoUploadQueue implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fptr.upload.job-queue-url", "");
        }
    }

    private static final SimAdmin SIM = FptrSimTestResource.admin();

    @Inject
    S3Client s3;

    @Test
    void anObjectTooLargeForTheRequestIsA422ThatDoesNotAdviseAPreferenceThatIsIgnored() {
        String key = "uploads/no-queue/plate.exr";
        s3.putObject(b -> b.bucket(MotoTestResource.BUCKET).key(key), RequestBody.fromBytes(new byte[2 * 1024 * 1024 + 1]));
        SIM.clearRequests();
        String body = "{\"project\": 70, \"s3\": {\"bucket\": \"" + MotoTestResource.BUCKET + "\", \"key\": \"" + key + "\"},"
                + " \"attachment_links\": [{\"type\": \"Version\", \"id\": 6003}]}";

        for (Answer a : new Answer[]{post(body, false), post(body, true)}) {
            assertEquals(422, a.status(), a.body()::toString);
            assertFalse(a.detail().contains("Send the request again"), a::detail);
            assertTrue(a.detail().contains("no upload queue (fptr.upload.job-queue-url"), a::detail);
            assertTrue(a.body().path("prefer").isMissingNode(), a.body()::toString);
            assertEquals(2 * 1024 * 1024 + 1, a.body().path("size").asLong());
            assertEquals("/s3/key", a.body().path("pointer").asText());
        }
        assertEquals(0, SIM.count(null, ".*/_upload.*"), "nothing was started in FPTR");
    }

    private static Answer post(String body, boolean preferAsync) {
        ApiGatewayEvents event = ApiGatewayEvents.route("POST /v1/uploads", "/v1/uploads").body(body);
        return (preferAsync ? event.header("Prefer", "respond-async") : event).invoke(UploadHandler.FUNCTION);
    }
}
