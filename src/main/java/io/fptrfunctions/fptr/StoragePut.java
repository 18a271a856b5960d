package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.fptrfunctions.deadline.Deadline;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One PUT of an upload's bytes to {@code links.upload}, streamed: a blocking {@link HttpURLConnection} in
 * fixed-length streaming mode writes the body straight to the socket as the caller produces it, never
 * into a buffer of the whole body (the REST client would buffer a streamed entity). Measured in
 * infra/bench/upload. Not retried here: the caller can produce the bytes again, the connection cannot.
 * The URL is signed and is never put in a message. The PUT ends by the caller's {@link Deadline}: its
 * timeouts are cut to it, and at the deadline the connection is closed whatever the body is doing
 * ({@link Deadline.Exceeded}; storage keeps nothing of a PUT cut short).
 */
@ApplicationScoped
class StoragePut {

    private static final int CONNECT_TIMEOUT_MS = 10_000;
    /** Longest wait for storage's answer once the body is written (and between bytes of it). */
    private static final int READ_TIMEOUT_MS = 60_000;
    private static final int ERROR_BODY_LIMIT = 4096;
    /** The least time worth starting a PUT with. */
    private static final Duration MIN_ATTEMPT = Duration.ofMillis(200);

    /** Closes a PUT's connection at its deadline (a read timeout bounds each wait, not the whole body). One thread. */
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "storage-put-deadline");
        t.setDaemon(true);
        return t;
    });

    @PreDestroy
    void stop() {
        watchdog.shutdownNow();
    }

    @Inject
    FptrResponses responses;

    @Inject
    ObjectMapper mapper;

    /** What a 2xx PUT answered. */
    record Answer(int status, String etag, JsonNode body) {
    }

    /** Storage answered 401: the site's bearer was refused (storage_service "sg"). */
    static final class Unauthorized extends RuntimeException {
        Unauthorized() {
            super("storage answered 401", null, false, false);
        }
    }

    Answer put(URI url, String authorization, String contentType, long length, FptrClient.BodyWriter body, Deadline deadline) {
        if (!deadline.allows(MIN_ATTEMPT)) {
            throw outOfTime();
        }
        HttpURLConnection put;
        try {
            put = (HttpURLConnection) url.toURL().openConnection();
        } catch (IOException | IllegalArgumentException e) {
            throw new StorageFailure("The upload URL FPTR handed out cannot be opened.", false, e);
        }
        AtomicBoolean cut = new AtomicBoolean();
        ScheduledFuture<?> atDeadline = deadline.bounded() ? watchdog.schedule(() -> {
            cut.set(true);
            put.disconnect();
        }, deadline.remaining().toMillis(), TimeUnit.MILLISECONDS) : null;
        try {
            put.setRequestMethod("PUT");
            put.setConnectTimeout(timeout(CONNECT_TIMEOUT_MS, deadline));
            put.setReadTimeout(timeout(READ_TIMEOUT_MS, deadline));
            put.setUseCaches(false);
            put.setInstanceFollowRedirects(false);
            put.setDoOutput(true);
            put.setFixedLengthStreamingMode(length);
            put.setRequestProperty("Content-Type", contentType);
            if (authorization != null) {
                put.setRequestProperty("Authorization", authorization);
            }
            try (OutputStream out = put.getOutputStream()) {
                body.writeTo(out);
            }
            int status = put.getResponseCode();
            byte[] answer = readBody(put, status);
            if (status >= 200 && status < 300) {
                return new Answer(status, etag(put.getHeaderField("ETag")), json(answer));
            }
            throw refused(status, put.getHeaderField("Retry-After"), answer);
        } catch (IOException e) {
            if (cut.get() || !deadline.allows(Duration.ofMillis(1))) {
                throw outOfTime();
            }
            // refused, cut mid-body or no answer in time: the part can be sent again from its start
            throw new StorageFailure("The upload to FPTR's storage was cut or not answered (" + e.getClass().getSimpleName()
                    + ").", true, e);
        } finally {
            if (atDeadline != null) {
                atDeadline.cancel(false);
            }
            put.disconnect();
        }
    }

    private static Deadline.Exceeded outOfTime() {
        return new Deadline.Exceeded("The upload to FPTR's storage did not finish within the function's time; it was "
                + "stopped and nothing was completed.");
    }

    /** {@code millis}, or what is left of the deadline when that is less (at least 1 ms: 0 would mean none). */
    private static int timeout(int millis, Deadline deadline) {
        return (int) Math.max(1, deadline.cap(Duration.ofMillis(millis)).toMillis());
    }

    private RuntimeException refused(int status, String retryAfterHeader, byte[] answer) {
        if (status == 401) {
            return new Unauthorized();
        }
        String code = s3Code(answer);
        String words = "FPTR's storage answered " + status + (code == null ? "" : " " + code) + " to the upload";
        if (status >= 500 || status == 429) {
            Duration retryAfter = responses.retryAfter(retryAfterHeader);
            return new StorageFailure(words + ".", true, retryAfter, null);
        }
        return new StorageFailure(words + "; it refused the signed upload URL (expired, or not for these bytes).", false, null);
    }

    private static byte[] readBody(HttpURLConnection put, int status) throws IOException {
        InputStream in = status >= 400 ? put.getErrorStream() : put.getInputStream();
        if (in == null) {
            return new byte[0];
        }
        try (in) {
            return in.readNBytes(64 * 1024);
        }
    }

    private JsonNode json(byte[] body) {
        if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return mapper.readTree(body);
        } catch (IOException e) {
            return MissingNode.getInstance();   // S3 answers an empty body; anything else is not ours to read
        }
    }

    /** The md5 S3 answers as ETag, without its quotes; null when there is none. */
    private static String etag(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String etag = header.strip();
        if (etag.startsWith("W/")) {
            etag = etag.substring(2);
        }
        return etag.replace("\"", "");
    }

    /** S3's error code ({@code <Code>AccessDenied</Code>}) from the start of an error body, or null. */
    private static String s3Code(byte[] body) {
        String start = new String(body, 0, Math.min(body.length, ERROR_BODY_LIMIT), StandardCharsets.UTF_8);
        int open = start.indexOf("<Code>");
        int close = open < 0 ? -1 : start.indexOf("</Code>", open);
        return close < 0 ? null : start.substring(open + "<Code>".length(), close).strip();
    }
}
