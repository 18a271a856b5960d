package io.fptrfunctions.aws;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The app's own S3 client reaches the test run's moto_server. */
@QuarkusTest
class MotoServerTest {

    @Inject
    S3Client s3;

    @Test
    void appS3ClientWritesAndReadsThroughMoto() {
        s3.putObject(b -> b.bucket(MotoTestResource.BUCKET).key("probe/hello.txt"), RequestBody.fromString("hello"));
        String read = s3.getObjectAsBytes(b -> b.bucket(MotoTestResource.BUCKET).key("probe/hello.txt")).asUtf8String();
        assertEquals("hello", read);
    }
}
