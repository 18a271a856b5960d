package io.fptrfunctions.thumbnails;

import io.fptrfunctions.aws.S3StreamUploader;
import io.fptrfunctions.fptr.Jitter;
import io.fptrfunctions.fptr.RetryAfterBackoff;
import io.fptrfunctions.fptr.StorageFailure;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * One attempt at copying a signed storage URL's bytes into S3, streamed: the GET's body is the upload's
 * source, never a byte array or a temp file. A 5xx, a 429 or a connection cut half-way is retried from
 * the beginning of the object with backoff: the failed attempt left nothing in S3 (the uploader aborts),
 * and writing the same key again is harmless (retries and timeouts: {@code fptr.thumbnail.download.*}).
 * A refused signature is not retried here; the caller gets a fresh URL from FPTR first.
 */
@ApplicationScoped
class StorageTransfer {

    private static final Logger LOG = Logger.getLogger(StorageTransfer.class);
    private static final int ERROR_BODY_LIMIT = 4096;
    /** All attempts of one copy; the function's own timeout (template.yaml) is shorter anyway. */
    private static final long MAX_DURATION_MINUTES = 10;

    private final ThumbnailStore store;
    private final int connectTimeoutMs;
    private final int readTimeoutMs;
    private final Guard retries;

    @Inject
    StorageTransfer(ThumbnailStore store, ThumbnailConfig config, Jitter jitter) {
        ThumbnailConfig.Download download = config.download();
        this.store = store;
        this.connectTimeoutMs = (int) download.connectTimeout().toMillis();
        this.readTimeoutMs = (int) download.readTimeout().toMillis();
        this.retries = Guard.create()
                .withRetry()
                    .retryOn(StorageUnavailableException.class)
                    .maxRetries(download.maxRetries())
                    .delay(download.retryInitialDelay().toMillis(), ChronoUnit.MILLIS)
                    .maxDuration(MAX_DURATION_MINUTES, ChronoUnit.MINUTES)
                    // exponential with equal jitter from a restore-safe source (SmallRye's own jitter draws
                    // from ThreadLocalRandom, whose seed a SnapStart snapshot would hold)
                    .jitter(0, ChronoUnit.MILLIS)
                    .withCustomBackoff().strategy(() -> new RetryAfterBackoff(download.retryMaxDelay().toMillis(), jitter)).done()
                    .done()
                .build();
    }

    /** Storage refused the signed URL (expired, or no longer valid): a fresh one from FPTR may work. */
    static class StaleLocationException extends RuntimeException {
        final int status;

        StaleLocationException(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** Storage failed in a way worth trying again from the start: 5xx, 429, cut or refused connection. */
    static class StorageUnavailableException extends RuntimeException {
        StorageUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public ThumbnailCopy copy(ThumbnailStore.Target target) {
        return retries.get(() -> attempt(target), ThumbnailCopy.class);
    }

    private ThumbnailCopy attempt(ThumbnailStore.Target target) {
        HttpURLConnection download = open(target.source());
        try (InputStream body = bodyOf(download)) {
            int status = download.getResponseCode();
            if (status != 200) {
                throw refused(status, s3Code(body), target);
            }
            String contentType = Optional.ofNullable(download.getContentType()).orElse("application/octet-stream");
            long length = download.getContentLengthLong();
            String extension = target.source().pathExtension().or(() -> StorageSource.extensionFor(contentType)).orElse("");
            String key = target.key(extension);
            if (target.source().pathExtension().isEmpty()) {
                // The key was not known before the GET, so the unchanged check happens now, before the body is read.
                Optional<ThumbnailCopy> same = store.sameSource(target, key);
                if (same.isPresent()) {
                    return same.get();
                }
            }
            return store.put(target, key, body, length, contentType);
        } catch (S3StreamUploader.SourceReadException e) {
            LOG.warnf("Storage download of %s was cut: %s; retrying from the start", target.entity(), e.getMessage());
            throw new StorageUnavailableException("The storage download was cut: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StorageUnavailableException("The storage connection failed: " + e.getMessage(), e);
        } finally {
            // A copy that stopped early must not leave the socket for the next one to read the rest of.
            download.disconnect();
        }
    }

    /**
     * A plain blocking GET: the body is read straight from the socket into the uploader's part buffers.
     * (java.net.http's streaming body hands bytes over between threads and cost about 5x the CPU per
     * byte in infra/bench/thumbnail.) Only the signed URL is sent: FPTR's bearer token must never go to storage.
     */
    private HttpURLConnection open(StorageSource source) {
        try {
            HttpURLConnection download = (HttpURLConnection) source.signedUrl().toURL().openConnection();
            download.setConnectTimeout(connectTimeoutMs);
            download.setReadTimeout(readTimeoutMs);
            download.setInstanceFollowRedirects(true);
            download.setUseCaches(false);
            download.getResponseCode();   // connects and reads the status line and headers
            return download;
        } catch (IOException | IllegalArgumentException e) {
            throw new StorageUnavailableException("Storage could not be reached: " + e.getMessage(), e);
        }
    }

    /** The body whatever the status (an error's body holds S3's error code); empty if there is none. */
    private static InputStream bodyOf(HttpURLConnection download) throws IOException {
        InputStream body = download.getResponseCode() >= 400 ? download.getErrorStream() : download.getInputStream();
        return body != null ? body : InputStream.nullInputStream();
    }

    /**
     * 5xx and 429 are worth a retry; 403 (S3's answer to an expired or re-signed URL), 404 and S3's
     * {@code ExpiredToken} 400 mean the URL went stale, and a fresh one from FPTR may work.
     */
    private static RuntimeException refused(int status, String s3Code, ThumbnailStore.Target target) {
        if (status >= 500 || status == 429) {
            return new StorageUnavailableException("Storage answered " + status, null);
        }
        if (status == 403 || status == 404 || (status == 400 && "ExpiredToken".equals(s3Code))) {
            return new StaleLocationException(status, "Storage answered " + status + (s3Code == null ? "" : " " + s3Code)
                    + " to the signed URL");
        }
        return new StorageFailure("FPTR's storage answered " + status + " to the download of "
                + target.entity() + "'s image. Nothing was stored.", false, null);
    }

    /** S3's error code ({@code <Code>AccessDenied</Code>}) from the start of an error body, or null. */
    private static String s3Code(InputStream body) throws IOException {
        String start = new String(body.readNBytes(ERROR_BODY_LIMIT), StandardCharsets.UTF_8);
        int open = start.indexOf("<Code>");
        int close = open < 0 ? -1 : start.indexOf("</Code>", open);
        return close < 0 ? null : start.substring(open + "<Code>".length(), close).strip();
    }
}
