package io.fptrfunctions.aws;

import io.fptrfunctions.deadline.Deadline;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.io.FilterInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streaming uploader (the SDK's multipart path) against moto_server: what lands, and that a failure
 * leaves nothing behind, checked as soon as the upload call returns.
 */
@QuarkusTest
class S3StreamUploaderTest {

    private static final String BUCKET = MotoTestResource.BUCKET;
    private static final int MIB = 1024 * 1024;

    @Inject
    S3Client s3;

    @Inject
    S3StreamUploader configured;

    private S3StreamUploader small;

    /** S3's smallest parts, so multipart paths run with a few MiB. */
    @BeforeEach
    void smallParts() {
        small = new S3StreamUploader(s3, S3StreamUploader.MIN_PART_BYTES, 2, true);
    }

    @AfterEach
    void close() {
        small.close();
    }

    private static String key(String name) {
        return "sdk-uploader-test/" + UUID.randomUUID() + "/" + name;
    }

    @Test
    void knownSmallLengthIsOnePutWithTypeAndMetadata() throws IOException {
        String key = key("small.png");
        S3StreamUploader.StoredObject stored = configured.upload(BUCKET, key, GeneratedBytes.of(1, 300_000), 300_000,
                "image/png", Map.of("fptr-entity", "Note/7"), Deadline.none());
        assertFalse(stored.multipart(), stored.etag());
        assertEquals(300_000, stored.size());
        assertStored(key, 1, 300_000, "image/png");
        assertEquals("Note/7", s3.headObject(b -> b.bucket(BUCKET).key(key)).metadata().get("fptr-entity"));
    }

    @Test
    void knownLargeLengthIsMultipart() throws IOException {
        String key = key("large.bin");
        long length = 11L * MIB + 123;
        S3StreamUploader.StoredObject stored = small.upload(BUCKET, key, GeneratedBytes.of(2, length), length,
                "application/octet-stream", Map.of("fptr-entity", "Note/8"), Deadline.none());
        assertTrue(stored.multipart(), stored.etag());
        assertStored(key, 2, length, "application/octet-stream");
        assertEquals("Note/8", s3.headObject(b -> b.bucket(BUCKET).key(key)).metadata().get("fptr-entity"));
        assertNoOpenUpload(key);
    }

    @Test
    void unknownLengthSmallAndLarge() throws IOException {
        String smallKey = key("unknown-small.jpg");
        small.upload(BUCKET, smallKey, GeneratedBytes.of(3, 2 * MIB), -1, "image/jpeg", Map.of(), Deadline.none());
        assertStored(smallKey, 3, 2 * MIB, "image/jpeg");

        String largeKey = key("unknown-large.bin");
        long length = 10L * MIB;
        S3StreamUploader.StoredObject stored = small.upload(BUCKET, largeKey, GeneratedBytes.of(4, length), -1, "image/png", Map.of(), Deadline.none());
        assertTrue(stored.multipart(), stored.etag());
        assertEquals(length, stored.size());
        assertStored(largeKey, 4, length, "image/png");
        assertNoOpenUpload(largeKey);
    }

    @Test
    void sourceCutDuringMultipartLeavesNoObjectAndNoOpenUpload() {
        for (long length : new long[] {12L * MIB, -1}) {
            String key = key("cut-multipart.bin");
            assertThrows(S3StreamUploader.SourceReadException.class, () -> small.upload(BUCKET, key,
                    GeneratedBytes.cutAfter(5, 12L * MIB, 7L * MIB), length, "image/png", Map.of(), Deadline.none()));
            assertNoObject(key);
            assertNoOpenUpload(key);
        }
    }

    @Test
    void aSourceCutAtItsLastByteLeavesNoOpenUploadEvenWhileTheSdkIsStillCreatingIt() {
        // Found by S3StreamUploaderProperties: of an unknown length, the failure came while the SDK's
        // CreateMultipartUpload was on its way, and the upload it then opened was left behind.
        for (long seed : new long[] {1, 274, 2, 3, 4, 5}) {
            String key = key("cut-last-byte.bin");
            long size = 11_205_498;
            GeneratedBytes source = GeneratedBytes.cutAfter(seed, size, size - 1);
            assertThrows(S3StreamUploader.SourceReadException.class, () -> small.upload(BUCKET, key,
                    source, -1, "image/png", Map.of(), Deadline.none()));
            assertNoObject(key);
            assertNoOpenUpload(key);
        }
    }

    @Test
    void aSourceCutWhileTheSdkSendsItsFirstPartsIsNotCompletedByTheSdk() throws Exception {
        // Told of the failure (its onError), the SDK takes the upload for done; parts it sent after its cleanup
        // looked for them, finishing before its abort, made it complete the upload with them: a 10 MiB object
        // of the 11 MiB source. Here the source fails as the SDK sends its first part (held 300 ms) and the
        // SDK's abort is held 3 s, as a loaded machine can hold either thread.
        CountDownLatch sendingParts = new CountDownLatch(1);
        ExecutionInterceptor slowSdk = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof UploadPartRequest) {
                    sendingParts.countDown();
                    pause(300);
                } else if (context.request() instanceof AbortMultipartUploadRequest) {
                    pause(3000);
                }
            }
        };
        S3StreamUploader uploader = new S3StreamUploader(s3, S3StreamUploader.MIN_PART_BYTES, 2, true, List.of(slowSdk));
        try {
            String key = key("cut-while-parts-start.bin");
            long size = 11_205_498;
            InputStream source = new FilterInputStream(GeneratedBytes.cutAfter(1, size, size - 1)) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    try {
                        return super.read(b, off, len);
                    } catch (IOException cut) {
                        assertTrue(await(sendingParts), "the SDK sent no part within 30 s");
                        throw cut;
                    }
                }
            };
            assertThrows(S3StreamUploader.SourceReadException.class, () -> uploader.upload(BUCKET, key,
                    source, -1, "image/png", Map.of(), Deadline.none()));
            assertNoObject(key);
            assertNoOpenUpload(key);
        } finally {
            uploader.close();
        }
    }

    /**
     * A source that fails after the upload was created, at a deadline: the abort that follows gets what is left and
     * the grace, not the client's own timeout, so an S3 slow to abort (held 10 s here) does not hold the failure's
     * answer past the deadline. The open upload is left to the bucket's lifecycle rule, and said so in the log.
     */
    @Test
    void anAbortThatS3IsSlowToAnswerIsCutAtTheDeadline() throws Exception {
        ExecutionInterceptor slowAbort = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                if (context.request() instanceof AbortMultipartUploadRequest) {
                    pause(10_000);
                }
            }
        };
        try (S3Client slowToAbort = S3Client.builder().endpointOverride(URI.create(MotoServer.get().endpoint()))
                .region(Region.US_EAST_1).forcePathStyle(true)
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(o -> o.addExecutionInterceptor(slowAbort)).build()) {
            S3StreamUploader uploader = new S3StreamUploader(slowToAbort, S3StreamUploader.MIN_PART_BYTES, 2, true);
            try {
                String key = key("slow-abort.bin");
                long size = 3 * S3StreamUploader.MIN_PART_BYTES;
                long started = System.nanoTime();
                assertThrows(S3StreamUploader.SourceReadException.class, () -> uploader.upload(BUCKET, key,
                        GeneratedBytes.cutAfter(3, size, size - 1), size, "image/png", Map.of(), Deadline.in(Duration.ofMillis(1500))));
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertTrue(millis < 1500 + 2500, "the failure answered " + millis + " ms after the upload began (deadline 1,500 ms)");
                assertNoObject(key);
            } finally {
                uploader.close();
            }
        }
    }

    @Test
    void anS3ThatDoesNotAnswerTheCreateEndsTheUploadAtTheDeadline() throws Exception {
        // An S3 that takes the connection and never answers (1.5 s left): the SDK cuts the CreateMultipartUpload at the
        // deadline. The upload ended 35-40 s later: it read on the whole source for the failed upload, then waited 30 s
        // for the cut create's answer (StorageDeadlineTest's copy, 41.7 s, at a load of 17).
        try (SilentS3 silent = new SilentS3()) {
            S3StreamUploader uploader = new S3StreamUploader(silent.client(), S3StreamUploader.MIN_PART_BYTES, 2, true);
            try {
                for (long length : new long[]{64 * MIB, -1}) {   // the SDK opens the upload before reading, or reads first
                    long started = System.nanoTime();
                    RuntimeException e = assertThrows(RuntimeException.class, () -> uploader.upload(BUCKET, key("silent.bin"),
                            GeneratedBytes.of(9, 64 * MIB), length, "image/png", Map.of(), Deadline.in(Duration.ofMillis(1500))));
                    long millis = (System.nanoTime() - started) / 1_000_000;
                    assertTrue(millis < 3000, "length " + length + ": ended " + millis + " ms after it began (deadline 1,500 ms): " + e);
                    assertFalse(e instanceof S3StreamUploader.SourceReadException, "S3's failure, not the source's: " + e);
                }
                assertTrue(silent.reached(), "the creates reached the silent S3");
            } finally {
                uploader.close();
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void sourceCutDuringSinglePutLeavesNoObject() {
        String key = key("cut-single.png");
        assertThrows(S3StreamUploader.SourceReadException.class, () -> small.upload(BUCKET, key,
                GeneratedBytes.cutAfter(6, 900_000, 400_000), 900_000, "image/png", Map.of(), Deadline.none()));
        assertNoObject(key);
    }

    @Test
    void sourceShorterThanItsKnownLengthLeavesNoObject() {
        String single = key("short-single.png");
        assertThrows(S3StreamUploader.SourceReadException.class, () -> small.upload(BUCKET, single,
                GeneratedBytes.of(7, 500_000), 800_000, "image/png", Map.of(), Deadline.none()));
        assertNoObject(single);

        String multi = key("short-multi.png");
        assertThrows(S3StreamUploader.SourceReadException.class, () -> small.upload(BUCKET, multi,
                GeneratedBytes.of(7, 6L * MIB), 9L * MIB, "image/png", Map.of(), Deadline.none()));
        assertNoObject(multi);
        assertNoOpenUpload(multi);
    }

    @Test
    void failedCopyKeepsThePreviousObject() throws IOException {
        String key = key("keep.png");
        small.upload(BUCKET, key, GeneratedBytes.of(8, 1000), 1000, "image/png", Map.of(), Deadline.none());
        assertThrows(S3StreamUploader.SourceReadException.class, () -> small.upload(BUCKET, key,
                GeneratedBytes.cutAfter(9, 11L * MIB, 6L * MIB), -1, "image/png", Map.of(), Deadline.none()));
        assertStored(key, 8, 1000, "image/png");
        assertNoOpenUpload(key);
    }

    @Test
    void partsBelowS3sMinimumAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new S3StreamUploader(s3, MIB, 2, true));
        assertThrows(IllegalArgumentException.class, () -> new S3StreamUploader(s3, S3StreamUploader.MIN_PART_BYTES, 0, true));
    }

    private void assertStored(String key, long seed, long length, String contentType) throws IOException {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(BUCKET).key(key))) {
            assertEquals(length, in.response().contentLength());
            assertEquals(contentType, in.response().contentType());
            assertEquals(GeneratedBytes.sha256(seed, length), GeneratedBytes.sha256((InputStream) in));
        }
    }

    private void assertNoObject(String key) {
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(b -> b.bucket(BUCKET).key(key)),
                "no object may be left at " + key);
    }

    private void assertNoOpenUpload(String key) {
        assertEquals(0, s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(key)).uploads().size(),
                "no multipart upload may be left open for " + key);
    }
}
