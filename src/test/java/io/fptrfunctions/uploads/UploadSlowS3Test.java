package io.fptrfunctions.uploads;

import com.amazonaws.services.lambda.runtime.Context;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fptrfunctions.aws.MotoServer;
import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.TestLambdaContext;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upload function's S3 reads through a loopback pass-through to moto that can hold ranged GETs (S3 slow to
 * answer, or the SDK retrying a 503 SlowDown): the read of a part is cut at the deadline it is sent under, so a
 * slow S3 ends in the function's 504 before its deadline, not after it (or in Lambda's timeout, with a
 * multipart upload left open). A Quarkus start of its own (S3 through the pass-through).
 */
@QuarkusTest
@TestProfile(UploadSlowS3Test.S3ThroughAPassThrough.class)
class UploadSlowS3Test {

    public static class S3ThroughAPassThrough implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.s3.endpoint-override", SlowS3.get().endpoint());
        }
    }

    private static final SimAdmin SIM = FptrSimTestResource.admin();

    @Inject
    S3Client s3;

    @AfterEach
    void fast() {
        SlowS3.get().rangedGetDelayMillis = 0;
    }

    @Test
    void aPartReadThatS3DoesNotAnswerInTimeEndsIn504BeforeTheDeadline() {
        String key = "uploads/slow-s3/plate.exr";
        s3.putObject(b -> b.bucket(MotoTestResource.BUCKET).key(key), RequestBody.fromBytes(new byte[100 * 1024]));
        SIM.reset();
        // warm first (this profile's own Quarkus start): the timed call's 3 s are then the slow read's, not a cold
        // JVM's first token, schema read and connections, which a loaded machine took past 3 s (a 503 at start_upload)
        assertEquals(200, upload(key, TestLambdaContext.invocation(UploadHandler.FUNCTION)).status());
        SIM.reset();
        SlowS3.get().rangedGetDelayMillis = 6000;   // below the S3 client's own 10 s api-call-timeout

        long started = System.nanoTime();
        Answer a = upload(key, TestLambdaContext.withRemaining(4000));   // a deadline 3 s away
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertEquals(504, a.status(), a.body()::toString);
        assertNotNull(a.header("Retry-After"));
        // before Lambda's timeout (4 s): the deadline (3 s) cuts the read, and the margin is what the abort and the
        // answer after it may take; a loaded machine used 376 ms of it. The uncut read would answer after 6 s.
        assertTrue(millis < 4000, "answered before the function's timeout: " + millis + " ms");
        assertEquals(0, SIM.count("POST", ".*/sg_uploaded_movie/_upload"), "never completed");
    }

    private static Answer upload(String key, Context context) {
        return ApiGatewayEvents.route("PUT /v1/entities/{type}/{id}/files/{field}", "/v1/entities/Version/6003/files/sg_uploaded_movie")
                .pathParameter("type", "Version").pathParameter("id", "6003").pathParameter("field", "sg_uploaded_movie")
                .body("{\"s3\": {\"bucket\": \"" + MotoTestResource.BUCKET + "\", \"key\": \"" + key + "\"}}")
                .invoke(UploadHandler.FUNCTION, context);
    }

    /** Passes S3 calls on to moto, holding ranged GETs (part reads) for {@link #rangedGetDelayMillis}. */
    static final class SlowS3 {
        private static final Set<String> NOT_COPIED = Set.of("content-length", "transfer-encoding", "connection", "date",
                "host", "expect", "upgrade", "keep-alive");
        private static SlowS3 instance;
        private final HttpServer server;
        private final HttpClient http = HttpClient.newHttpClient();
        volatile long rangedGetDelayMillis;

        static synchronized SlowS3 get() {
            if (instance == null) {
                try {
                    instance = new SlowS3();
                } catch (IOException e) {
                    throw new IllegalStateException("the S3 pass-through could not listen", e);
                }
            }
            return instance;
        }

        private SlowS3() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "slow-s3");
                t.setDaemon(true);
                return t;
            }));
            server.createContext("/", this::handle);
            server.start();
        }

        String endpoint() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        private void handle(HttpExchange ex) throws IOException {
            try (ex) {
                byte[] body;
                try (InputStream in = ex.getRequestBody()) {
                    body = in.readAllBytes();
                }
                if (ex.getRequestMethod().equals("GET") && ex.getRequestHeaders().containsKey("Range") && rangedGetDelayMillis > 0) {
                    Thread.sleep(rangedGetDelayMillis);
                }
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(MotoServer.get().endpoint() + ex.getRequestURI()))
                        .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
                ex.getRequestHeaders().forEach((name, values) -> {
                    if (!NOT_COPIED.contains(name.toLowerCase())) {
                        values.forEach(v -> request.header(name, v));
                    }
                });
                HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                r.headers().map().forEach((name, values) -> {
                    if (!NOT_COPIED.contains(name.toLowerCase())) {
                        values.forEach(v -> ex.getResponseHeaders().add(name, v));
                    }
                });
                boolean head = ex.getRequestMethod().equals("HEAD");
                if (head) {
                    // a HEAD's Content-Length is the object's: set by hand, as HttpServer sends none for HEAD
                    r.headers().firstValue("Content-Length").ifPresent(v -> ex.getResponseHeaders().set("Content-Length", v));
                }
                byte[] out = r.body();
                ex.sendResponseHeaders(r.statusCode(), head || out.length == 0 ? -1 : out.length);
                if (!head && out.length > 0) {
                    try (OutputStream o = ex.getResponseBody()) {
                        o.write(out);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the client gave up (the call's timeout): nothing to answer
            }
        }
    }
}
