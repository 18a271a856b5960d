package io.fptrfunctions.aws;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Streams an {@link InputStream} into one S3 object without holding the object in memory.
 * <ul>
 *   <li>Up to one part (a known length, or an unknown one that ends within the first part): one
 *       {@code PutObject} from a buffer of at most one part.</li>
 *   <li>Larger: a multipart upload with fixed-size parts read into a few reused buffers
 *       ({@code parts-in-flight} uploads run while the next part is read), so memory stays at
 *       {@code (parts-in-flight + 1) x part size} whatever the object's size.</li>
 * </ul>
 * Every request body is an in-memory buffer, so the SDK can compute its checksum up front and send the
 * bytes plainly with a Content-Length (no aws-chunked framing, see {@code quarkus.s3.chunked-encoding}),
 * and can replay it on a retry.
 * Any failure (source or S3) aborts the multipart upload, so S3 is left with either the whole new object
 * or whatever was there before, never a partial object or an open upload that keeps costing storage.
 */
@ApplicationScoped
public class S3StreamUploader {

    private static final Logger LOG = Logger.getLogger(S3StreamUploader.class);

    /** S3's floor for every part but the last. */
    public static final int MIN_PART_BYTES = 5 * 1024 * 1024;
    /** S3's ceiling on the number of parts of one upload. */
    static final int MAX_PARTS = 10_000;

    private static final ThreadFactory PART_THREADS = runnable -> {
        Thread t = new Thread(runnable, "s3-part-upload");
        t.setDaemon(true);
        return t;
    };

    private final S3Client s3;
    private final int partBytes;
    private final int partsInFlight;

    @Inject
    public S3StreamUploader(S3Client s3, S3UploadConfig config) {
        this(s3, config.partBytes(), config.partsInFlight());
    }

    public S3StreamUploader(S3Client s3, int partBytes, int partsInFlight) {
        if (partBytes < MIN_PART_BYTES) {
            throw new IllegalArgumentException("fptr.s3.part-bytes must be at least " + MIN_PART_BYTES + " (S3's minimum part size)");
        }
        if (partsInFlight < 1) {
            throw new IllegalArgumentException("fptr.s3.parts-in-flight must be at least 1");
        }
        this.s3 = s3;
        this.partBytes = partBytes;
        this.partsInFlight = partsInFlight;
    }

    /** What S3 stored. */
    public record StoredObject(String bucket, String key, long size, String contentType, String etag, boolean multipart) {
    }

    /**
     * Raised when reading the source failed (a cut connection, a short body). Nothing was left in S3;
     * the caller may start again from the beginning of the source.
     */
    public static class SourceReadException extends UncheckedIOException {
        public SourceReadException(String message, IOException cause) {
            super(message, cause);
        }
    }

    /**
     * Uploads {@code source} (read to its end, not closed) to {@code bucket/key}.
     *
     * @param contentLength the exact length when known, or a negative number when not
     * @throws SourceReadException when the source failed or ended before {@code contentLength} bytes
     * @throws SdkException when S3 refused or could not be reached
     */
    public StoredObject upload(String bucket, String key, InputStream source, long contentLength,
                               String contentType, Map<String, String> metadata) {
        int partSize = partSizeFor(contentLength);
        boolean fitsOnePart = contentLength >= 0 && contentLength <= partSize;
        // Most thumbnails are small: a known length within one part gets a buffer of just that length.
        byte[] buffer = new byte[fitsOnePart ? (int) contentLength : partSize];
        int first = readFully(source, buffer);
        if (fitsOnePart) {
            if (first < contentLength) {
                throw new SourceReadException("The source ended after " + first + " of " + contentLength + " bytes",
                        new EOFException("short source"));
            }
            return putBuffer(bucket, key, buffer, first, contentType, metadata);
        }
        if (contentLength < 0 && first < partSize) {
            // Unknown length but it all fitted in one part: a plain put is cheaper than a multipart upload.
            return putBuffer(bucket, key, buffer, first, contentType, metadata);
        }
        return multipart(bucket, key, source, contentLength, contentType, metadata, buffer, first);
    }

    /** Part size: the configured one, raised only when a known length would need more than 10,000 parts. */
    int partSizeFor(long contentLength) {
        if (contentLength <= (long) partBytes * MAX_PARTS) {
            return partBytes;
        }
        long needed = (contentLength + MAX_PARTS - 1) / MAX_PARTS;
        if (needed > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("An object of " + contentLength + " bytes is beyond S3's multipart limits");
        }
        return (int) needed;
    }

    private StoredObject putBuffer(String bucket, String key, byte[] buffer, int length,
                                   String contentType, Map<String, String> metadata) {
        PutObjectResponse put = s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType).contentLength((long) length).metadata(metadata),
                bufferBody(buffer, length));
        return new StoredObject(bucket, key, length, contentType, put.eTag(), false);
    }

    private StoredObject multipart(String bucket, String key, InputStream source, long contentLength, String contentType,
                                   Map<String, String> metadata, byte[] firstBuffer, int firstPartLength) {
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType(contentType)
                .metadata(metadata).checksumAlgorithm(ChecksumAlgorithm.CRC32)).uploadId();
        // Parts go up while the next one is read: at most partsInFlight uploads, partsInFlight + 1 buffers.
        ExecutorService pool = Executors.newFixedThreadPool(partsInFlight, PART_THREADS);
        BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(partsInFlight + 1);
        List<Future<CompletedPart>> uploads = new ArrayList<>();
        try {
            int buffers = 1;
            long total = 0;
            byte[] buffer = firstBuffer;
            int length = firstPartLength;
            while (length > 0) {
                int partNumber = uploads.size() + 1;
                if (partNumber > MAX_PARTS) {
                    throw new IllegalArgumentException("The source is larger than " + MAX_PARTS + " parts of " + buffer.length + " bytes");
                }
                byte[] body = buffer;
                int partLength = length;
                uploads.add(pool.submit(() -> {
                    try {
                        return uploadPart(bucket, key, uploadId, partNumber, body, partLength);
                    } finally {
                        free.add(body);
                    }
                }));
                total += partLength;
                if (partLength < body.length) {
                    break;
                }
                buffer = free.poll();
                if (buffer == null && buffers < partsInFlight + 1) {
                    buffer = new byte[body.length];
                    buffers++;
                }
                if (buffer == null) {
                    buffer = nextFreeBuffer(free, uploads);
                }
                length = readFully(source, buffer);
            }
            if (contentLength >= 0 && total != contentLength) {
                throw new SourceReadException("The source ended after " + total + " of " + contentLength + " bytes",
                        new EOFException("short source"));
            }
            List<CompletedPart> parts = new ArrayList<>();
            for (Future<CompletedPart> upload : uploads) {
                parts.add(result(upload));
            }
            String etag = s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts))).eTag();
            return new StoredObject(bucket, key, total, contentType, etag, true);
        } catch (RuntimeException | Error e) {
            // Stop the part uploads still running before the abort, so none lands after it.
            stop(pool);
            abort(bucket, key, uploadId);
            throw e;
        } finally {
            pool.shutdownNow();
        }
    }

    private CompletedPart uploadPart(String bucket, String key, String uploadId, int partNumber, byte[] body, int length) {
        UploadPartResponse part = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                        .partNumber(partNumber).contentLength((long) length).checksumAlgorithm(ChecksumAlgorithm.CRC32),
                bufferBody(body, length));
        return CompletedPart.builder().partNumber(partNumber).eTag(part.eTag()).checksumCRC32(part.checksumCRC32()).build();
    }

    /** Waits for an upload to hand its buffer back, failing as soon as any upload has failed. */
    private static byte[] nextFreeBuffer(BlockingQueue<byte[]> free, List<Future<CompletedPart>> uploads) {
        try {
            while (true) {
                byte[] buffer = free.poll(100, TimeUnit.MILLISECONDS);
                if (buffer != null) {
                    return buffer;
                }
                for (Future<CompletedPart> upload : uploads) {
                    if (upload.isDone()) {
                        result(upload);   // rethrows the failure of a failed upload
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while uploading parts", e);
        }
    }

    private static CompletedPart result(Future<CompletedPart> upload) {
        try {
            return upload.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while uploading parts", e);
        }
    }

    private static void stop(ExecutorService pool) {
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("Part uploads did not stop within 30 s; aborting the multipart upload anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void abort(String bucket, String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (SdkException e) {
            // The bucket's lifecycle rule for incomplete uploads is the backstop; say so loudly.
            LOG.errorf("Could not abort multipart upload of s3://%s/%s (%s): %s", bucket, key, uploadId, e.getMessage());
        }
    }

    /** A body over the first {@code length} bytes of the reused buffer; replayable, so the SDK may retry it. */
    private static RequestBody bufferBody(byte[] buffer, int length) {
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length), length, "application/octet-stream");
    }

    /** Fills the buffer unless the source ends first; returns how many bytes were read. */
    private static int readFully(InputStream source, byte[] buffer) {
        int filled = 0;
        try {
            while (filled < buffer.length) {
                int n = source.read(buffer, filled, buffer.length - filled);
                if (n < 0) {
                    break;
                }
                filled += n;
            }
        } catch (IOException e) {
            throw new SourceReadException("Reading the source failed after " + filled + " bytes of a part: " + e.getMessage(), e);
        }
        return filled;
    }
}
