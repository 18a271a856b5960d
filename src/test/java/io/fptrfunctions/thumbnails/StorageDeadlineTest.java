package io.fptrfunctions.thumbnails;

import com.sun.net.httpserver.HttpServer;
import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.aws.S3StreamUploader;
import io.fptrfunctions.aws.SilentS3;
import io.fptrfunctions.deadline.Deadline;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A storage body that trickles (a kilobyte every 100 ms, each read well within the read timeout) is cut at
 * the copy's deadline: on the old main only the per-read timeout bounded it, so it ran until Lambda's own
 * timeout killed the function. Nothing is left in S3 afterwards, neither an object nor an open upload.
 * The same holds before the body: a storage whose answers each come within the read timeout (a chain of slow
 * redirects) is cut at the deadline as well.
 */
@QuarkusTest
class StorageDeadlineTest {

    private static final String BUCKET = MotoTestResource.BUCKET;
    private static final String KEY_BASE = "thumbnails/deadline/Note/1/original";

    @Inject
    StorageTransfer transfer;

    @Inject
    S3Client s3;

    @Inject
    ThumbnailStore store;

    private static final int SLOW_HOPS = 6;

    private HttpServer trickle;

    @BeforeEach
    void trickleServer() throws IOException {
        trickle = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        trickle.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "trickle");
            t.setDaemon(true);
            return t;
        }));
        trickle.createContext("/", ex -> {
            ex.getResponseHeaders().set("Content-Type", "image/png");
            ex.sendResponseHeaders(200, 64L * 1024 * 1024);
            try (OutputStream out = ex.getResponseBody()) {
                byte[] kilobyte = new byte[1024];
                for (int i = 0; i < 64 * 1024; i++) {
                    out.write(kilobyte);
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException cut) {
                // the function hung up: what the test wants
            }
        });
        // a storage (or a proxy before it) slow to answer: each hop redirects to the next after 1 s, the last answers
        trickle.createContext("/hop/", ex -> {
            int hop = Integer.parseInt(ex.getRequestURI().getPath().substring("/hop/".length()).replace(".png", ""));
            try {
                Thread.sleep(1000);
                if (hop < SLOW_HOPS) {
                    ex.getResponseHeaders().set("Location", "/hop/" + (hop + 1) + ".png");
                    ex.sendResponseHeaders(302, -1);
                } else {
                    ex.getResponseHeaders().set("Content-Type", "image/png");
                    ex.sendResponseHeaders(200, 4);
                    ex.getResponseBody().write(new byte[4]);
                }
            } catch (IOException | InterruptedException cut) {
                // the function hung up
            } finally {
                ex.close();
            }
        });
        // a storage that answers at once with a small image
        trickle.createContext("/small/", ex -> {
            ex.getResponseHeaders().set("Content-Type", "image/png");
            ex.sendResponseHeaders(200, 1024);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(new byte[1024]);
            }
        });
        // a storage that accepts the request and then sends nothing at all
        trickle.createContext("/stall/", ex -> {
            try {
                Thread.sleep(5000);
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            } finally {
                ex.close();
            }
        });
        trickle.start();
    }

    @AfterEach
    void stop() {
        trickle.stop(0);
    }

    @Test
    void aTricklingDownloadIsCutAtTheDeadlineAndLeavesNothingInS3() {
        assertCopyCutAtTheDeadline("/_storage/a.png");
    }

    @Test
    void aStorageSlowToAnswerIsCutAtTheDeadlineToo() {
        // Each answer comes within the read timeout (cut to the 1.5 s left), but six of them take 6 s: before the
        // body, only each wait was bounded (found by the copy path's review: the copy ended after 6 s).
        assertCopyCutAtTheDeadline("/hop/1.png");
    }

    /**
     * The read timeout (1 s here) fires 0.45 s before the deadline and its watchdog, too late for another
     * attempt: the copy ended for want of time, so it is the deadline's 504 (respond-async helps), not the 502
     * of a failed storage, which the old main answered because the watchdog had not fired yet.
     */
    @Test
    void aReadTimeoutWithTooLittleTimeLeftForAnotherAttemptIsTheDeadline() {
        StorageTransfer oneSecondReads = new StorageTransfer(store, readTimeout(Duration.ofSeconds(1)));
        try {
            long started = System.nanoTime();
            Deadline.Exceeded e = assertThrows(Deadline.Exceeded.class,
                    () -> oneSecondReads.copy(target("/stall/a.png"), Deadline.in(Duration.ofMillis(1450))));
            long millis = (System.nanoTime() - started) / 1_000_000;
            // the type and message tell the deadline's end from storage's 502; the clock only shows it came no earlier
            // than the read timeout and by the deadline as the cut copies above do (before the watchdog's 1.45 s was a
            // race of 0.45 s that a loaded machine can lose, and the same Exceeded came either way)
            assertTrue(millis >= 950 && millis < 1450 + CUT_MARGIN_MS, "ended by the read timeout or the deadline: " + millis + " ms");
            assertTrue(e.getMessage().contains("did not finish within the function's time"), e.getMessage());
        } finally {
            oneSecondReads.stop();
        }
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(b -> b.bucket(BUCKET).key(KEY_BASE + ".png")));
    }

    /**
     * The download is quick but S3 takes the connection and never answers: its PutObject is cut at the deadline, and
     * the copy ends as it does when the download is cut, out of time (Deadline.Exceeded). It came as S3's timed-out
     * AwsFailure before (a 504 as well, through Problems), and under load so did the trickling download's cut when
     * S3's cut beat the watchdog (found by the flaky-test review).
     */
    @Test
    void anS3ThatDoesNotAnswerEndsTheCopyAsTheDeadline() throws Exception {
        try (SilentS3 silent = new SilentS3()) {
            ThumbnailStore silentStore = new ThumbnailStore();
            silentStore.s3 = silent.client();
            silentStore.uploader = new S3StreamUploader(silent.client(), S3StreamUploader.MIN_PART_BYTES, 2, true);
            StorageTransfer toSilentS3 = new StorageTransfer(silentStore, readTimeout(Duration.ofSeconds(10)));
            try {
                long started = System.nanoTime();
                Deadline.Exceeded e = assertThrows(Deadline.Exceeded.class,
                        () -> toSilentS3.copy(target("/small/a.png"), Deadline.in(Duration.ofMillis(DEADLINE_MS))));
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertTrue(millis < DEADLINE_MS + CUT_MARGIN_MS, "cut after " + millis + " ms");
                assertTrue(e.getMessage().contains("did not finish within the function's time"), e.getMessage());
                assertTrue(silent.reached(), "the put reached the silent S3");
            } finally {
                toSilentS3.stop();
            }
        }
    }

    /** The deployment's download settings with another read timeout. */
    private static ThumbnailConfig readTimeout(Duration readTimeout) {
        ThumbnailConfig.Download download = new ThumbnailConfig.Download() {
            @Override public Duration connectTimeout() { return Duration.ofSeconds(10); }
            @Override public Duration readTimeout() { return readTimeout; }
            @Override public int maxRetries() { return 3; }
            @Override public Duration retryInitialDelay() { return Duration.ofMillis(20); }
            @Override public Duration retryMaxDelay() { return Duration.ofSeconds(4); }
        };
        return (ThumbnailConfig) java.lang.reflect.Proxy.newProxyInstance(ThumbnailConfig.class.getClassLoader(),
                new Class<?>[] {ThumbnailConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("download")) {
                        return download;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private ThumbnailStore.Target target(String path) {
        URI signed = URI.create("http://127.0.0.1:" + trickle.getAddress().getPort() + path + "?X-Amz-Signature=abc");
        return new ThumbnailStore.Target(BUCKET, KEY_BASE, "Note/1", ThumbnailVariant.ORIGINAL, new StorageSource(signed));
    }

    /** The copy's deadline in these tests. */
    private static final long DEADLINE_MS = 1500;
    /**
     * How long past its deadline a cut copy may take to end: the watchdog's cut, the abort of the multipart
     * upload in moto and the thread hand-offs. A bound of 1 s past failed once at 1.33 s past (2,833 ms) with a
     * load of 15 on two cores; 2.5 s leaves room for that, and an uncut copy still fails: the other paths here end
     * by themselves at 5 s (the stall) or 6 s (the redirects), past the 4 s bound, and the trickle would run for hours.
     */
    private static final long CUT_MARGIN_MS = 2500;

    /** A copy from this path of the test's server, given 1.5 s, ends at its deadline with nothing in S3. */
    private void assertCopyCutAtTheDeadline(String path) {
        URI signed = URI.create("http://127.0.0.1:" + trickle.getAddress().getPort() + path + "?X-Amz-Signature=abc");
        ThumbnailStore.Target target = new ThumbnailStore.Target(BUCKET, KEY_BASE, "Note/1", ThumbnailVariant.ORIGINAL,
                new StorageSource(signed));
        long started = System.nanoTime();
        Deadline.Exceeded e = assertThrows(Deadline.Exceeded.class, () -> transfer.copy(target, Deadline.in(Duration.ofMillis(DEADLINE_MS))));
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(millis >= DEADLINE_MS - 100 && millis < DEADLINE_MS + CUT_MARGIN_MS, "cut after " + millis + " ms");
        assertTrue(e.getMessage().contains("did not finish within the function's time"), e.getMessage());
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(b -> b.bucket(BUCKET).key(KEY_BASE + ".png")));
        assertTrue(s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(KEY_BASE)).uploads().isEmpty(), "no open upload");
    }
}
