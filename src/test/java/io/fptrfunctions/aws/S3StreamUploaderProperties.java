package io.fptrfunctions.aws;

import io.fptrfunctions.deadline.Deadline;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The streaming uploader over arbitrary sizes (one PUT, several parts, a part boundary give or take a
 * byte), known or unknown lengths and cut points (the source failing, or ending before its stated length),
 * against moto_server: after a failure there is never an object nor an open multipart upload; otherwise the
 * object holds exactly the bytes. S3's smallest parts (5 MiB) keep each try to a few MiB.
 */
class S3StreamUploaderProperties {

    private static final long MIB = 1024 * 1024;
    private static final long PART = S3StreamUploader.MIN_PART_BYTES;
    private static final String BUCKET = "fptr-functions-uploader-properties";

    private static S3Client s3;
    private static S3StreamUploader uploader;

    @BeforeContainer
    static void moto() {
        MotoServer moto = MotoServer.get();
        moto.createBucket(BUCKET);
        s3 = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder()).region(Region.US_EAST_1)
                .endpointOverride(URI.create(moto.endpoint())).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
        uploader = new S3StreamUploader(s3, (int) PART, 2, true);
    }

    @AfterContainer
    static void close() {
        uploader.close();
        s3.close();
    }

    /** {@code size} bytes; {@code declared} the length the caller states (-1: unknown); {@code cutAt} where the source fails (-1: never). */
    record Upload(long seed, long size, long declared, long cutAt) {
        boolean fails() {
            return (cutAt >= 0 && cutAt < size) || (declared >= 0 && declared != size);
        }
    }

    @Property(tries = 12)
    void aFailureLeavesNothingAndASuccessHoldsTheBytes(@ForAll("uploads") Upload u) throws IOException {
        String key = "uploader-properties/" + UUID.randomUUID() + "/object.bin";
        InputStream source = u.cutAt() >= 0 ? GeneratedBytes.cutAfter(u.seed(), u.size(), u.cutAt()) : GeneratedBytes.of(u.seed(), u.size());
        if (u.fails()) {
            assertThrows(RuntimeException.class, () -> uploader.upload(BUCKET, key, source, u.declared(), "image/png", Map.of(),
                    Deadline.none()), u.toString());
            assertThrows(NoSuchKeyException.class, () -> s3.headObject(b -> b.bucket(BUCKET).key(key)), "no object after " + u);
        } else {
            uploader.upload(BUCKET, key, source, u.declared(), "image/png", Map.of(), Deadline.none());
            try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(BUCKET).key(key))) {
                assertEquals(u.size(), in.response().contentLength(), u.toString());
                assertEquals(GeneratedBytes.sha256(u.seed(), u.size()), GeneratedBytes.sha256((InputStream) in), u.toString());
            }
        }
        assertEquals(0, s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(key)).uploads().size(), "no open upload after " + u);
    }

    @Provide
    Arbitrary<Upload> uploads() {
        Arbitrary<Long> sizes = Arbitraries.oneOf(
                Arbitraries.longs().between(0, 64 * 1024),
                Arbitraries.longs().between(PART - 2, PART + 2),
                Arbitraries.longs().between(PART + 1, 2 * PART + 2 * MIB));
        return Combinators.combine(Arbitraries.longs().between(1, 1000), sizes, Arbitraries.integers().between(0, 5),
                        Arbitraries.doubles().between(0, 1))
                .as((seed, size, shape, at) -> switch (shape) {
                    case 0 -> new Upload(seed, size, size, -1);                           // known length, whole
                    case 1 -> new Upload(seed, size, -1, -1);                             // unknown length, whole
                    case 2 -> new Upload(seed, size, size, (long) (at * size));           // known length, cut
                    case 3 -> new Upload(seed, size, -1, (long) (at * size));             // unknown length, cut
                    case 4 -> new Upload(seed, size, size + 1 + (long) (at * MIB), -1);   // ends before its stated length
                    default -> new Upload(seed, size, -1, size == 0 ? -1 : size - 1);     // cut at the last byte
                });
    }
}
