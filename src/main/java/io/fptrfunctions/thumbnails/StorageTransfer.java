package io.fptrfunctions.thumbnails;

import io.fptrfunctions.aws.AwsFailure;
import io.fptrfunctions.aws.S3StreamUploader;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.StorageFailure;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Copies a signed storage URL's bytes into S3, streamed: the GET's body is the upload's source, never a
 * byte array or a temp file. A 5xx, a 429 or a connection cut half-way is retried from the beginning of
 * the object with backoff: the failed attempt left nothing in S3 (the uploader aborts), and writing the
 * same key again is harmless (retries and timeouts: {@code fptr.thumbnail.download.*}). The whole copy
 * ends by the caller's {@link Deadline}: connect and read timeouts are cut to it, and at the deadline the
 * connection is closed whatever the body is doing ({@link Deadline.Exceeded}, nothing stored).
 * A refused signature is not retried here; the caller gets a fresh URL from FPTR first.
 */
@ApplicationScoped
class StorageTransfer {

    private static final Logger LOG = Logger.getLogger(StorageTransfer.class);
    private static final int ERROR_BODY_LIMIT = 4096;
    /** All attempts of one copy when the caller has no deadline of its own. */
    private static final Duration MAX_DURATION = Duration.ofMinutes(10);
    /** The least time worth starting a download with. */
    private static final Duration MIN_ATTEMPT = Duration.ofMillis(500);
    private static final long JITTER_MILLIS = 100;
    /** How often the watchdog closes the download again once the deadline has passed. */
    private static final long WATCHDOG_REPEAT_MILLIS = 50;

    private final ThumbnailStore store;
    private final ThumbnailConfig.Download settings;
    /**
     * Closes a download's connection at its deadline: a read timeout bounds each wait for the next bytes, not
     * the whole download, so a body trickling a byte now and then, or answers each slow but within the read
     * timeout (redirects), would otherwise run past it. One thread.
     */
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "storage-download-deadline");
        t.setDaemon(true);
        return t;
    });

    @Inject
    StorageTransfer(ThumbnailStore store, ThumbnailConfig config) {
        this.store = store;
        this.settings = config.download();
    }

    @PreDestroy
    void stop() {
        watchdog.shutdownNow();
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

    /**
     * Copies, retrying a failing storage while the deadline holds the longest wait and another attempt; every
     * attempt (connect, read, the whole body and the upload) ends by the deadline.
     */
    public ThumbnailCopy copy(ThumbnailStore.Target target, Deadline deadline) {
        Duration longestWait = settings.retryMaxDelay().plusMillis(JITTER_MILLIS).plus(MIN_ATTEMPT);
        Guard retries = Guard.create()
                .withRetry()
                    .whenException(e -> e instanceof StorageUnavailableException && deadline.allows(longestWait))
                    .maxRetries(settings.maxRetries())
                    .delay(settings.retryInitialDelay().toMillis(), ChronoUnit.MILLIS)
                    .jitter(JITTER_MILLIS, ChronoUnit.MILLIS)
                    // SmallRye refuses a total shorter than the longest backoff; the deadline is kept by the
                    // predicate above and by each attempt, not by this
                    .maxDuration(Math.max(deadline.cap(MAX_DURATION).toMillis(), longestWait.toMillis()), ChronoUnit.MILLIS)
                    .withExponentialBackoff().factor(2).maxDelay(settings.retryMaxDelay().toMillis(), ChronoUnit.MILLIS).done()
                    .done()
                .build();
        return retries.get(() -> attempt(target, deadline), ThumbnailCopy.class);
    }

    private ThumbnailCopy attempt(ThumbnailStore.Target target, Deadline deadline) {
        if (!deadline.allows(MIN_ATTEMPT)) {
            throw outOfTime(target);
        }
        HttpURLConnection download = open(target.source(), deadline);
        AtomicBoolean cut = new AtomicBoolean();
        // From the deadline on, again every 50 ms: the wait for the answer is cut too, and a redirect or the JDK's
        // own retry of a GET opens another connection that one close would miss.
        ScheduledFuture<?> atDeadline = watchdog.scheduleWithFixedDelay(() -> {
            cut.set(true);
            download.disconnect();
        }, deadline.remaining().toMillis(), WATCHDOG_REPEAT_MILLIS, TimeUnit.MILLISECONDS);
        try (InputStream body = bodyOf(download)) {   // connects, follows redirects, reads the status and headers
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
                Optional<ThumbnailCopy> same = store.sameSource(target, key, deadline);
                if (same.isPresent()) {
                    return same.get();
                }
            }
            return store.put(target, key, body, length, contentType, deadline);
        } catch (S3StreamUploader.SourceReadException e) {
            if (cut.get() || timedOutWithTheDeadlineSpent(e, deadline)) {
                throw outOfTime(target);
            }
            LOG.warnf("Storage download of %s was cut: %s; retrying from the start", target.entity(), withoutQueries(e.getMessage()));
            throw new StorageUnavailableException("The storage download was cut: " + withoutQueries(e.getMessage()), e);
        } catch (IOException e) {
            if (cut.get() || timedOutWithTheDeadlineSpent(e, deadline)) {
                throw outOfTime(target);
            }
            throw new StorageUnavailableException("The storage connection failed: " + withoutQueries(e.getMessage()), e);
        } catch (AwsFailure e) {
            // S3's calls are cut to the deadline too: one cut so ended the copy for want of time, the same end as the
            // download's cut (both are 504s; ThumbnailHandler still tells S3 calls outside the transfer by their timeout)
            if (e.timedOut() && !deadline.allows(MIN_ATTEMPT)) {
                throw new Deadline.Exceeded("The copy of " + target.entity() + "'s image to S3 did not finish within the "
                        + "function's time (" + e.getMessage() + "); nothing was stored.");
            }
            throw e;
        } finally {
            atDeadline.cancel(false);
            // A copy that stopped early must not leave the socket for the next one to read the rest of.
            download.disconnect();
        }
    }

    /**
     * A read timeout that leaves too little time for another attempt ended the copy as the deadline would have:
     * the read timeout is cut to the deadline, so it can fire a moment before the watchdog does (like
     * StoragePut, which asks the deadline too). Answered as the deadline (504, respond-async), not as a storage failure.
     */
    private static boolean timedOutWithTheDeadlineSpent(Throwable e, Deadline deadline) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return !deadline.allows(MIN_ATTEMPT);
            }
        }
        return false;
    }

    private static Deadline.Exceeded outOfTime(ThumbnailStore.Target target) {
        return new Deadline.Exceeded("The download of " + target.entity() + "'s image from FPTR's storage did not finish "
                + "within the function's time; nothing was stored.");
    }

    /**
     * A plain blocking GET, not connected yet: the body is read straight from the socket into the uploader's
     * part buffers. (java.net.http's streaming body hands bytes over between threads and cost about 5x the CPU
     * per byte in infra/bench/thumbnail.) Only the signed URL is sent: FPTR's bearer token must never go to storage.
     */
    private HttpURLConnection open(StorageSource source, Deadline deadline) {
        try {
            HttpURLConnection download = (HttpURLConnection) source.signedUrl().toURL().openConnection();
            download.setConnectTimeout((int) Math.max(1, deadline.cap(settings.connectTimeout()).toMillis()));
            download.setReadTimeout((int) Math.max(1, deadline.cap(settings.readTimeout()).toMillis()));
            download.setInstanceFollowRedirects(true);
            download.setUseCaches(false);
            return download;
        } catch (IOException | IllegalArgumentException e) {
            throw new StorageUnavailableException("Storage could not be reached: " + withoutQueries(e.getMessage()), e);
        }
    }

    /**
     * A JDK message about the connection, without any query string: some name the URL, and a signed URL's
     * query is a credential (X-Amz-Signature) that must reach no answer and no log line.
     */
    static String withoutQueries(String message) {
        if (message == null) {
            return "";
        }
        StringBuilder s = new StringBuilder(message.length());
        boolean inQuery = false;
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '?') {
                inQuery = true;
                s.append("?...");
            } else if (Character.isWhitespace(c)) {
                inQuery = false;
            }
            if (!inQuery) {
                s.append(c);
            }
        }
        return s.toString();
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
