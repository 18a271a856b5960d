package io.fptrfunctions.aws;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The streaming uploader against moto_server: which S3 calls it makes, what lands, and what never does. */
@QuarkusTest
class S3StreamUploaderTest {

    private static final String BUCKET = MotoTestResource.BUCKET;
    private static final int MIB = 1024 * 1024;

    @Inject
    S3Client s3;

    @Inject
    S3StreamUploader configured;

    /** S3's smallest parts, so multipart paths run with a few MiB: single put up to 5 MiB, then 5 MiB parts. */
    private S3StreamUploader small() {
        return new S3StreamUploader(s3, S3StreamUploader.MIN_PART_BYTES, 2);
    }

    private static String key(String name) {
        return "uploader-test/" + UUID.randomUUID() + "/" + name;
    }

    @Test
    void knownSmallLengthIsOnePutWithTypeAndMetadata() throws IOException {
        String key = key("small.png");
        S3StreamUploader.StoredObject stored = configured.upload(BUCKET, key, GeneratedBytes.of(1, 300_000), 300_000,
                "image/png", Map.of("fptr-entity", "Note/7"));
        assertFalse(stored.multipart());
        assertEquals(300_000, stored.size());
        assertStored(key, 1, 300_000, "image/png");
        assertEquals("Note/7", s3.headObject(b -> b.bucket(BUCKET).key(key)).metadata().get("fptr-entity"));
    }

    @Test
    void knownLargeLengthIsMultipartWithFixedParts() throws IOException {
        String key = key("large.bin");
        long length = 11L * MIB + 123;
        S3StreamUploader.StoredObject stored = small().upload(BUCKET, key, GeneratedBytes.of(2, length), length,
                "application/octet-stream", Map.of("fptr-entity", "Note/8"));
        assertTrue(stored.multipart());
        assertEquals(length, stored.size());
        assertTrue(stored.etag().contains("-3"), "three parts of 5 MiB: " + stored.etag());
        assertStored(key, 2, length, "application/octet-stream");
        assertEquals("Note/8", s3.headObject(b -> b.bucket(BUCKET).key(key)).metadata().get("fptr-entity"));
        assertNoOpenUpload(key);
    }

    @Test
    void knownLengthOfExactlyOnePartIsOnePutAndOneByteMoreIsMultipart() throws IOException {
        String one = key("one-part.bin");
        long part = S3StreamUploader.MIN_PART_BYTES;
        assertFalse(small().upload(BUCKET, one, GeneratedBytes.of(10, part), part, "image/png", Map.of()).multipart());
        assertStored(one, 10, part, "image/png");

        String more = key("one-part-and-a-byte.bin");
        S3StreamUploader.StoredObject stored = small().upload(BUCKET, more, GeneratedBytes.of(11, part + 1), part + 1,
                "image/png", Map.of());
        assertTrue(stored.multipart());
        assertTrue(stored.etag().endsWith("-2\"") || stored.etag().endsWith("-2"), "two parts: " + stored.etag());
        assertStored(more, 11, part + 1, "image/png");
    }

    @Test
    void unknownLengthThatFitsOnePartIsOnePut() throws IOException {
        String key = key("unknown-small.jpg");
        S3StreamUploader.StoredObject stored = small().upload(BUCKET, key, GeneratedBytes.of(3, 2 * MIB), -1, "image/jpeg", Map.of());
        assertFalse(stored.multipart());
        assertStored(key, 3, 2 * MIB, "image/jpeg");
    }

    @Test
    void unknownLengthLargerThanOnePartIsMultipart() throws IOException {
        String key = key("unknown-large.bin");
        long length = 10L * MIB; // exactly two full parts: the loop must stop on the empty third read
        S3StreamUploader.StoredObject stored = small().upload(BUCKET, key, GeneratedBytes.of(4, length), -1, "image/png", Map.of());
        assertTrue(stored.multipart());
        assertEquals(length, stored.size());
        assertStored(key, 4, length, "image/png");
    }

    @Test
    void sourceCutDuringMultipartLeavesNoObjectAndNoOpenUpload() {
        String key = key("cut-multipart.bin");
        long length = 12L * MIB;
        assertThrows(S3StreamUploader.SourceReadException.class, () -> small().upload(BUCKET, key,
                GeneratedBytes.cutAfter(5, length, 7L * MIB), length, "image/png", Map.of()));
        assertNoObject(key);
        assertNoOpenUpload(key);
    }

    @Test
    void sourceCutDuringSinglePutLeavesNoObject() {
        String key = key("cut-single.png");
        long length = 900_000;
        assertThrows(S3StreamUploader.SourceReadException.class, () -> small().upload(BUCKET, key,
                GeneratedBytes.cutAfter(6, length, 400_000), length, "image/png", Map.of()));
        assertNoObject(key);
    }

    @Test
    void sourceShorterThanItsKnownLengthLeavesNoObject() {
        String single = key("short-single.png");
        assertThrows(S3StreamUploader.SourceReadException.class, () -> small().upload(BUCKET, single,
                GeneratedBytes.of(7, 500_000), 800_000, "image/png", Map.of()));
        assertNoObject(single);

        String multi = key("short-multi.png");
        assertThrows(S3StreamUploader.SourceReadException.class, () -> small().upload(BUCKET, multi,
                GeneratedBytes.of(7, 6L * MIB), 9L * MIB, "image/png", Map.of()));
        assertNoObject(multi);
        assertNoOpenUpload(multi);
    }

    @Test
    void failedCopyKeepsThePreviousObject() throws IOException {
        String key = key("keep.png");
        configured.upload(BUCKET, key, GeneratedBytes.of(8, 1000), 1000, "image/png", Map.of());
        assertThrows(S3StreamUploader.SourceReadException.class, () -> small().upload(BUCKET, key,
                GeneratedBytes.cutAfter(9, 11L * MIB, 6L * MIB), 11L * MIB, "image/png", Map.of()));
        assertStored(key, 8, 1000, "image/png");
        assertNoOpenUpload(key);
    }

    @Test
    void partSizeGrowsOnlyWhenTenThousandPartsWouldNotHoldTheObject() {
        S3StreamUploader uploader = small();
        assertEquals(S3StreamUploader.MIN_PART_BYTES, uploader.partSizeFor(-1));
        assertEquals(S3StreamUploader.MIN_PART_BYTES, uploader.partSizeFor(10_000L * S3StreamUploader.MIN_PART_BYTES));
        assertEquals(S3StreamUploader.MIN_PART_BYTES + 1, uploader.partSizeFor(10_000L * S3StreamUploader.MIN_PART_BYTES + 1));
    }

    @Test
    void partsBelowS3sMinimumAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new S3StreamUploader(s3, MIB, 2));
        assertThrows(IllegalArgumentException.class, () -> new S3StreamUploader(s3, S3StreamUploader.MIN_PART_BYTES, 0));
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
