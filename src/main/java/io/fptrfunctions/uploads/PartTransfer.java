package io.fptrfunctions.uploads;

import io.fptrfunctions.aws.AwsFailure;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.Jitter;
import io.fptrfunctions.fptr.StorageFailure;
import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkClientException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;

/**
 * Sends one part of an upload (or the whole object in one PUT): a ranged read of the S3 object streamed
 * into the PUT to FPTR's upload URL, hashed on the way. What storage answered is checked before the part
 * counts as sent: its ETag must be the md5 of the bytes sent (a body cut short or altered in between
 * shows there, and FPTR would complete over it). A part that failed (storage 5xx or 429, a cut
 * connection, S3 failing, a short or altered body) is sent again from its own start with backoff
 * (SmallRye Fault Tolerance); the parts already sent stay sent.
 */
@ApplicationScoped
class PartTransfer {

    private static final Logger LOG = Logger.getLogger(PartTransfer.class);
    private static final int BUFFER_BYTES = 64 * 1024;
    /** The least time worth starting a part with. */
    private static final Duration MIN_ATTEMPT = Duration.ofMillis(500);

    /** One part to send: which bytes of the object, and where (a signed URL: never logged). */
    record Part(int number, long offset, long length, URI uploadUrl) {
    }

    /** A part storage took: its md5 (what its ETag matched) and storage's answer. */
    record SentPart(int number, long length, String md5, FptrClient.StorageReceipt receipt) {
    }

    /** A failed attempt worth another; carries the failure to surface when the retries run out. */
    static final class RetryablePart extends RuntimeException {
        final Duration retryAfter;

        RetryablePart(RuntimeException failure, Duration retryAfter) {
            super(failure.getMessage(), failure, false, false);
            this.retryAfter = retryAfter;
        }
    }

    private final FptrClient fptr;
    private final SourceObjects sources;
    private final UploadConfig config;
    private final Guard retries;

    @Inject
    PartTransfer(FptrClient fptr, SourceObjects sources, UploadConfig config, Jitter jitter) {
        this.fptr = fptr;
        this.sources = sources;
        this.config = config;
        long maxDelay = config.retryMaxDelay().toMillis();
        this.retries = Guard.create()
                .withRetry()
                    .maxRetries(config.partRetries())
                    .delay(config.retryInitialDelay().toMillis(), ChronoUnit.MILLIS)
                    .maxDuration(0, ChronoUnit.MILLIS)   // bounded by the count; a large part takes its time
                    .jitter(0, ChronoUnit.MILLIS)
                    .retryOn(List.of(RetryablePart.class))
                    .withCustomBackoff().strategy(() -> new Backoff(maxDelay, jitter)).done()
                    .done()
                .build();
    }

    /** Sends the part, retrying it alone on what may pass. Safe to run for several parts at once. */
    SentPart send(SourceObject source, Part part, boolean siteStorage, String contentType, Deadline deadline) {
        try {
            return retries.get(() -> attempt(source, part, siteStorage, contentType, deadline), SentPart.class);
        } catch (RetryablePart exhausted) {
            RuntimeException last = (RuntimeException) exhausted.getCause();
            if (last instanceof SourceFailure s) {
                SdkClientException cause = SdkClientException.create(s.getMessage(), s.getCause());
                throw AwsFailure.of("S3", "reading part " + part.number() + " of " + source.location(), cause);
            }
            if (last instanceof StorageFailure s) {
                throw new StorageFailure(s.getMessage() + " Part " + part.number() + " still failed after "
                        + config.partRetries() + " retries.", true, s.retryAfter().orElse(null), s);
            }
            throw last;
        }
    }

    private SentPart attempt(SourceObject source, Part part, boolean siteStorage, String contentType, Deadline deadline) {
        if (!deadline.allows(MIN_ATTEMPT)) {
            throw outOfTime(part);
        }
        MessageDigest partMd5 = md5();
        try (InputStream in = sources.open(source, part.offset(), part.length(), deadline)) {
            FptrClient.StorageReceipt receipt = fptr.putBytes(deadline, part.uploadUrl(), siteStorage, contentType, part.length(),
                    out -> copy(in, out, part.length(), partMd5));
            String md5 = HexFormat.of().formatHex(partMd5.digest());
            checkReceipt(receipt, md5, siteStorage, part);
            return new SentPart(part.number(), part.length(), md5, receipt);
        } catch (SourceFailure e) {
            throw retry(part, e, null, deadline);
        } catch (StorageFailure e) {
            if (!e.retryable()) {
                throw e;
            }
            Duration wait = e.retryAfter().orElse(null);
            if (wait != null && wait.compareTo(config.maxRetryAfter()) > 0) {
                throw new StorageFailure(e.getMessage() + " It asks to retry after " + wait.toSeconds() + " s, longer than "
                        + "fptr.upload.max-retry-after.", true, wait, e);
            }
            throw retry(part, e, wait, deadline);
        } catch (IOException e) {
            throw retry(part, new SourceFailure("The S3 read of part " + part.number() + " failed to close", e), null, deadline);
        }
    }

    private static Deadline.Exceeded outOfTime(Part part) {
        return new Deadline.Exceeded("Part " + part.number() + " of the upload could not be sent within the function's time; "
                + "the upload was stopped and nothing was completed.");
    }

    /** Storage took the part only if it says it stored exactly these bytes: its ETag is their md5. */
    private static void checkReceipt(FptrClient.StorageReceipt receipt, String md5, boolean siteStorage, Part part) {
        if (receipt.etag() == null) {
            if (siteStorage) {
                return;   // FPTR's own storage answers JSON without an ETag: the byte count is all there is
            }
            throw new StorageFailure("FPTR's storage answered part " + part.number() + " without an ETag, so what it "
                    + "stored cannot be checked.", true, null);
        }
        if (!receipt.etag().equalsIgnoreCase(md5)) {
            throw new StorageFailure("FPTR's storage answered part " + part.number() + " (" + part.length() + " bytes) with "
                    + "an ETag that is not the md5 of the bytes sent: it stored something else (a body cut short?).", true, null);
        }
    }

    /** A retry, when the deadline leaves time for the longest wait and an attempt; else the part is out of time. */
    private RuntimeException retry(Part part, RuntimeException failure, Duration retryAfter, Deadline deadline) {
        Duration longestWait = retryAfter != null ? retryAfter : config.retryMaxDelay();
        if (!deadline.allows(longestWait.plus(MIN_ATTEMPT))) {
            LOG.warnf("Upload part %d failed (%s) with too little of the function's time left to send it again", part.number(),
                    failure.getMessage());
            return outOfTime(part);
        }
        LOG.warnf("Upload part %d (%d bytes at %d) failed: %s; sending it again from its start", part.number(),
                part.length(), part.offset(), failure.getMessage());
        return new RetryablePart(failure, retryAfter);
    }

    /**
     * Exactly {@code length} bytes from the S3 stream to the PUT's body, hashed. A source that fails or ends
     * early is a {@link SourceFailure} (the PUT is then incomplete, and storage never stores it).
     */
    private static void copy(InputStream in, OutputStream out, long length, MessageDigest part) throws IOException {
        byte[] buffer = new byte[BUFFER_BYTES];
        long left = length;
        while (left > 0) {
            int n;
            try {
                n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            } catch (IOException | SdkClientException e) {
                throw new SourceFailure("The S3 read was cut after " + (length - left) + " of " + length + " bytes", e);
            }
            if (n < 0) {
                throw new SourceFailure("The S3 read ended after " + (length - left) + " of " + length + " bytes", null);
            }
            part.update(buffer, 0, n);
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is part of every JDK", e);
        }
    }

    /**
     * Storage's Retry-After when it sent one, otherwise exponential from the configured delay, with equal
     * jitter (from {@link Jitter}: ThreadLocalRandom's seed would be in a SnapStart snapshot).
     */
    static final class Backoff implements CustomBackoffStrategy {
        private final long maxDelay;
        private final Jitter jitter;
        private long next;

        Backoff(long maxDelay, Jitter jitter) {
            this.maxDelay = maxDelay;
            this.jitter = jitter;
        }

        @Override
        public void init(long initialDelayInMillis) {
            next = initialDelayInMillis;
        }

        @Override
        public long nextDelayInMillis(Throwable failure) {
            if (failure instanceof RetryablePart r && r.retryAfter != null) {
                return r.retryAfter.toMillis();
            }
            long base = Math.min(next, maxDelay);
            next = Math.min(maxDelay, next * 2);
            long half = Math.max(1, base / 2);
            return half + jitter.below(half + 1);
        }
    }
}
