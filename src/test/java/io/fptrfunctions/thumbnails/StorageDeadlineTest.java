package io.fptrfunctions.thumbnails;

import com.sun.net.httpserver.HttpServer;
import io.fptrfunctions.aws.MotoTestResource;
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
 */
@QuarkusTest
class StorageDeadlineTest {

    private static final String BUCKET = MotoTestResource.BUCKET;
    private static final String KEY_BASE = "thumbnails/deadline/Note/1/original";

    @Inject
    StorageTransfer transfer;

    @Inject
    S3Client s3;

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
        trickle.start();
    }

    @AfterEach
    void stop() {
        trickle.stop(0);
    }

    @Test
    void aTricklingDownloadIsCutAtTheDeadlineAndLeavesNothingInS3() {
        URI signed = URI.create("http://127.0.0.1:" + trickle.getAddress().getPort() + "/_storage/a.png?X-Amz-Signature=abc");
        ThumbnailStore.Target target = new ThumbnailStore.Target(BUCKET, KEY_BASE, "Note/1", ThumbnailVariant.ORIGINAL,
                new StorageSource(signed));
        long started = System.nanoTime();
        Deadline.Exceeded e = assertThrows(Deadline.Exceeded.class, () -> transfer.copy(target, Deadline.in(Duration.ofMillis(1500))));
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(millis >= 1400 && millis < 2500, "cut after " + millis + " ms");
        assertTrue(e.getMessage().contains("did not finish within the function's time"), e.getMessage());
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(b -> b.bucket(BUCKET).key(KEY_BASE + ".png")));
        assertTrue(s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(KEY_BASE)).uploads().isEmpty(), "no open upload");
    }
}
