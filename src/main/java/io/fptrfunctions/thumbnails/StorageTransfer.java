package io.fptrfunctions.thumbnails;

import io.fptrfunctions.aws.S3StreamUploader;
import io.fptrfunctions.http.ProblemException;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
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
    StorageTransfer(ThumbnailStore store, ThumbnailConfig config) {
        ThumbnailConfig.Download download = config.download();
        this.store = store;
        this.connectTimeoutMs = (int) download.connectTimeout().toMillis();
        this.readTimeoutMs = (int) download.readTimeout().toMillis();
        this.retries = Guard.create()
                .withRetry()
                    .retryOn(StorageUnavailableException.class)
                    .maxRetries(download.maxRetries())
                    .delay(download.retryInitialDelay().toMillis(), ChronoUnit.MILLIS)
                    .jitter(100, ChronoUnit.MILLIS)
                    .maxDuration(MAX_DURATION_MINUTES, ChronoUnit.MINUTES)
                    .withExponentialBackoff().factor(2).maxDelay(download.retryMaxDelay().toMillis(), ChronoUnit.MILLIS).done()
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
                throw refused(status, readSome(body), target);
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

    /** The body whatever the status (an error's body tells an expired signature apart); empty if there is none. */
    private static InputStream bodyOf(HttpURLConnection download) throws IOException {
        InputStream body = download.getResponseCode() >= 400 ? download.getErrorStream() : download.getInputStream();
        return body != null ? body : InputStream.nullInputStream();
    }

    private static RuntimeException refused(int status, String body, ThumbnailStore.Target target) {
        if (status >= 500 || status == 429) {
            return new StorageUnavailableException("Storage answered " + status, null);
        }
        String lower = body.toLowerCase(Locale.ROOT);
        if (status == 403 || status == 404 || (status == 400 && lower.contains("expired"))) {
            return new StaleLocationException(status, "Storage answered " + status + " to the signed URL"
                    + (lower.contains("expired") ? " (expired)" : ""));
        }
        return new ProblemException(502, "Bad Gateway", "FPTR's storage answered " + status + " to the download of "
                + target.entity() + "'s image.");
    }

    /** The start of an error body, for telling an expired signature from other refusals. */
    private static String readSome(InputStream body) throws IOException {
        return new String(body.readNBytes(ERROR_BODY_LIMIT), StandardCharsets.UTF_8);
    }
}
