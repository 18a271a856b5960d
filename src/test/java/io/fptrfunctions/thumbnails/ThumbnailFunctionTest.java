package io.fptrfunctions.thumbnails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.aws.GeneratedBytes;
import io.fptrfunctions.aws.MotoFaultProxy;
import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.fptr.LogCapture;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.fptrfunctions.telemetry.EmfLines;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code PUT /v1/entities/{type}/{id}/thumbnail} end to end: API Gateway event → handler → the FPTR
 * simulator (records, 302s, storage) over HTTP → moto_server's S3 over HTTP.
 * Demo seed: Note 7001 (project 70) has a generated PNG image, Note 7004 none.
 */
@QuarkusTest
class ThumbnailFunctionTest {

    /** The shared FPTR simulator's admin client. */
    private static final SimAdmin SIM = FptrSimTestResource.admin();

    private static final String BUCKET = MotoTestResource.BUCKET;
    private static final String PREFIX = "thumbnails/";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MIB = 1024 * 1024;

    @Inject
    S3Client s3;

    @Inject
    SqsClient sqs;

    /** A studio tool on the shared simulator: uploads, ?alt= locations, downloads (its own bearer). */
    final SimAdmin sim = FptrSimTestResource.admin();

    /** The storage downloads (GETs of presigned file URLs) since the last clear. */
    private static List<JsonNode> downloads() {
        return SIM.requests("GET", "/_storage/.*");
    }

    @BeforeEach
    void cleanSlate() {
        SIM.reset();
        sqs.purgeQueue(b -> b.queueUrl(MotoTestResource.queueUrl(MotoTestResource.JOB_QUEUE)));
        List<S3Object> left = s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(PREFIX)).contents();
        left.forEach(o -> s3.deleteObject(b -> b.bucket(BUCKET).key(o.key())));
        s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(PREFIX)).uploads()
                .forEach(u -> s3.abortMultipartUpload(b -> b.bucket(BUCKET).key(u.key()).uploadId(u.uploadId())));
    }

    // ---- copies -------------------------------------------------------------------------------------------

    @Test
    void copiesTheOriginalWithItsBytesTypeKeyAndMetadata() throws IOException {
        Answer a = call("Note", "7001", "original");
        assertEquals(200, a.status(), a.body().toString());
        String key = PREFIX + "70/Note/7001/original.png";
        assertEquals("copied", a.body().get("status").asText());
        assertEquals(BUCKET, a.body().get("bucket").asText());
        assertEquals(key, a.body().get("key").asText());
        assertEquals("image/png", a.body().get("content_type").asText());

        String source = sim.location("notes", 7001, "original");
        byte[] expected = sim.download(source);
        assertEquals(expected.length, a.body().get("size").asLong());
        assertArrayEquals(expected, read(key));

        HeadObjectResponse head = s3.headObject(b -> b.bucket(BUCKET).key(key));
        assertEquals("image/png", head.contentType());
        assertEquals(head.eTag().replace("\"", ""), a.body().get("etag").asText());
        assertEquals("Note/7001", head.metadata().get("fptr-entity"));
        assertEquals("original", head.metadata().get("fptr-variant"));
        assertEquals(source.substring(0, source.indexOf('?')), head.metadata().get("fptr-source"));
        assertFalse(head.metadata().toString().contains("Signature"), "no signature may be stored: " + head.metadata());
    }

    @Test
    void secondCallIsUnchangedAndDownloadsNothing() {
        Answer first = call("Note", "7001", null);
        assertEquals("copied", first.body().get("status").asText());
        SIM.clearRequests();

        Answer second = call("Note", "7001", null);
        assertEquals(200, second.status());
        assertEquals("unchanged", second.body().get("status").asText());
        assertEquals(first.body().get("key"), second.body().get("key"));
        assertEquals(first.body().get("etag"), second.body().get("etag"));
        assertEquals(first.body().get("size"), second.body().get("size"));
        assertEquals("image/png", second.body().get("content_type").asText());
        assertEquals(List.of(), downloads(), "no second download");
    }

    @Test
    void aCopyCountsItsBytesAndTimeInTheMetricsLineAndAnUnchangedOneCopiesNothing() {
        JsonNode copied;
        long size;
        try (EmfLines emf = EmfLines.capture()) {
            Answer a = call("Note", "7001", "original");
            assertEquals("copied", a.body().get("status").asText());
            size = a.body().get("size").asLong();
            copied = emf.only();
        }
        assertEquals("thumbnail", copied.get("Function").asText());
        assertEquals(size, EmfLines.value(copied, "BytesCopied"), copied.toString());
        assertTrue(copied.get("CopyTime").isArray() && copied.get("CopyTime").size() == 1, "one value per copy: " + copied);
        assertTrue(EmfLines.value(copied, "FptrCallsOk") >= 2, "the read and the ?alt location: " + copied);

        JsonNode unchanged = EmfLines.of(() -> assertEquals("unchanged", call("Note", "7001", "original").body().get("status").asText()));
        assertEquals(0, EmfLines.value(unchanged, "BytesCopied"), unchanged.toString());
        assertFalse(EmfLines.declared(unchanged).contains("CopyTime"), unchanged.toString());
    }

    @Test
    void aNewImageAfterAnUploadIsCopiedAgain() throws IOException {
        Answer first = call("Note", "7001", null);
        assertEquals("copied", first.body().get("status").asText());

        SIM.config(Map.of("thumbnail_pending_seconds", 0));
        byte[] replacement = png(400, 300, Color.ORANGE);
        sim.upload("notes", 7001, "image", "regrade.png", "image/png", replacement);

        Answer second = call("Note", "7001", null);
        assertEquals(200, second.status(), second.body().toString());
        assertEquals("copied", second.body().get("status").asText());
        assertEquals(first.body().get("key"), second.body().get("key"));
        assertNotEquals(first.body().get("etag"), second.body().get("etag"));
        assertArrayEquals(replacement, read(second.body().get("key").asText()));
        assertTrue(s3.headObject(b -> b.bucket(BUCKET).key(second.body().get("key").asText()))
                .metadata().get("fptr-source").endsWith("/regrade.png"));
    }

    @Test
    void aCopyOfAnImageReplacedWhileItRanEndingLastIsA409AndSendingAgainCopiesTheNewOne() throws Exception {
        SIM.config(Map.of("thumbnail_pending_seconds", 0));
        String key = PREFIX + "70/Note/7001/original.png";
        // the first storage download (the current image's) is slow; the copy of its replacement overtakes it. 5 s, so
        // the replacement is in FPTR before the slow copy looks again even on a machine with other builds on its cores
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "latency_ms", 5000, "times", 1));
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Future<Answer> slow = other.submit(() -> call("Note", "7001", "original"));
            long waitUntil = System.nanoTime() + 10_000_000_000L;
            while (downloads().isEmpty() && System.nanoTime() < waitUntil) {
                Thread.sleep(20);   // until the slow copy, having read the entity, waits for its bytes
            }
            assertEquals(1, downloads().size(), "the slow copy's download began");
            byte[] replacement = png(64, 48, Color.GREEN);
            sim.upload("notes", 7001, "image", "regrade_v2.png", "image/png", replacement);
            Answer fast = call("Note", "7001", "original");
            assertEquals("copied", fast.body().path("status").asText(), fast.body()::toString);

            Answer overtaken = slow.get(30, TimeUnit.SECONDS);

            assertProblem(overtaken, 409, null);
            assertTrue(overtaken.body().path("detail").asText().contains("changed in FPTR while its earlier image was copied"),
                    overtaken.body()::toString);
            assertNotNull(overtaken.header("Retry-After"));
            Answer again = call("Note", "7001", "original");
            assertEquals("copied", again.body().path("status").asText(), again.body()::toString);
            assertArrayEquals(replacement, read(key), "S3 ends with the image FPTR shows");
            assertTrue(s3.headObject(b -> b.bucket(BUCKET).key(key)).metadata().get("fptr-source").endsWith("/regrade_v2.png"));
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void anImageThatTurnsPendingBetweenTheReadAndTheLocationIsA409PendingAndFptrsPlaceholderIsNeverStored() throws Exception {
        String key = PREFIX + "70/Note/7001/thumbnail.jpg";
        Answer first = call("Note", "7001", "thumbnail");
        assertEquals("copied", first.body().path("status").asText(), first.body()::toString);
        byte[] before = read(key);
        SIM.clearRequests();
        // the ?alt= location is asked slowly; meanwhile a new image is uploaded, which FPTR still processes, so the
        // location FPTR then gives is its "thumbnail pending" placeholder (the field read before it showed the old image)
        SIM.config(Map.of("thumbnail_pending_seconds", 600));
        SIM.fault(Map.of("method", "GET", "path", "/7001/image$", "latency_ms", 3000, "times", 1));
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Future<Answer> copy = other.submit(() -> call("Note", "7001", "thumbnail"));
            long waitUntil = System.nanoTime() + 10_000_000_000L;
            while (SIM.requests("GET", ".*/7001/image$").isEmpty() && System.nanoTime() < waitUntil) {
                Thread.sleep(20);   // until the copy, having read the entity, waits for the location
            }
            assertEquals(1, SIM.requests("GET", ".*/7001/image$").size(), "the copy asked for the location");
            sim.upload("notes", 7001, "image", "regrade_v3.png", "image/png", png(64, 48, Color.RED));

            Answer a = copy.get(30, TimeUnit.SECONDS);

            assertProblem(a, 409, null);
            assertTrue(a.body().path("detail").asText().contains("still processing"), a.body()::toString);
            assertNotNull(a.header("Retry-After"));
            assertEquals(List.of(key), s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(PREFIX)).contents().stream()
                    .map(S3Object::key).toList(), "no placeholder stored beside the copy");
            assertArrayEquals(before, read(key), "the earlier copy stands");
            assertEquals(List.of(), SIM.requests("GET", "/images/status/transient/.*"), "the placeholder is not downloaded");
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void whenTheReadAfterTheCopyCannotTellTheCopyStands() throws IOException {
        // the first entity read passes (a fault that changes nothing); the one after the copy finds FPTR unavailable
        SIM.fault(Map.of("method", "GET", "path", "/entity/Note/7001$", "times", 1, "latency_ms", 0));
        SIM.fault(Map.of("method", "GET", "path", "/entity/Note/7001$", "times", 20, "status", 503));

        Answer a = call("Note", "7001", "original");

        assertEquals(200, a.status(), a.body().toString());
        assertEquals("copied", a.body().get("status").asText());
        assertTrue(SIM.count("GET", ".*/entity/Note/7001$") >= 2, "the entity was read again after the copy");
        assertArrayEquals(sim.download(sim.location("notes", 7001, "original")), read(PREFIX + "70/Note/7001/original.png"));
    }

    @Test
    void thumbnailVariantCopiesFptrsThumbnail() throws IOException {
        Answer a = call("Note", "7001", "thumbnail");
        assertEquals(200, a.status(), a.body().toString());
        String key = PREFIX + "70/Note/7001/thumbnail.jpg";
        assertEquals(key, a.body().get("key").asText());
        assertEquals("image/jpeg", a.body().get("content_type").asText());
        assertArrayEquals(sim.download(sim.location("notes", 7001, "thumbnail")), read(key));
        assertEquals("thumbnail", s3.headObject(b -> b.bucket(BUCKET).key(key)).metadata().get("fptr-variant"));
    }

    @Test
    void entityTypeMayBeThePluralSlugAndTheKeyUsesTheSchemaName() {
        Answer a = call("notes", "7001", null);
        assertEquals(200, a.status(), a.body().toString());
        assertEquals(PREFIX + "70/Note/7001/original.png", a.body().get("key").asText());
    }

    @Test
    void largeImageGoesMultipartWithTheRightBytes() throws IOException {
        long size = 20 * MIB;   // above one 8 MiB part: a multipart upload
        SIM.putFile("Note", 7004, "image", "plate.png", "image/png", () -> GeneratedBytes.of(11, size));
        Answer a = call("Note", "7004", null);
        assertEquals(200, a.status(), a.body().toString());
        assertEquals(size, a.body().get("size").asLong());
        assertTrue(a.body().get("etag").asText().endsWith("-3"), "three 8 MiB parts: " + a.body());
        assertObjectIs(a.body().get("key").asText(), 11, size);
    }

    // ---- refusals -----------------------------------------------------------------------------------------

    @Test
    void entityWithoutImageIs404() {
        Answer a = call("Note", "7004", null);
        assertProblem(a, 404, "Note 7004 has no image.");
        assertNothingStored();
    }

    @Test
    void pendingThumbnailIs409WithRetryAfter() {
        sim.upload("notes", 7004, "image", "fresh.png", "image/png", png(32, 32, Color.BLUE));
        Answer a = call("Note", "7004", null);
        assertEquals(409, a.status(), a.body().toString());
        assertEquals("application/problem+json", a.header("Content-Type"));
        assertEquals("30", a.header("Retry-After"));
        assertTrue(a.body().get("detail").asText().contains("still processing"));
        assertEquals(List.of(), downloads(), "nothing downloaded");
        assertNothingStored();
    }

    @Test
    void unknownEntityIs404WithFptrsError() {
        Answer a = call("Note", "999999", null);
        assertEquals(404, a.status(), a.body().toString());
        assertEquals(104, a.body().at("/upstream/code").asInt(), a.body().toString());
        assertNothingStored();
    }

    @Test
    void unknownEntityTypeIs400() {
        Answer a = call("Spaceship", "1", null);
        assertEquals(400, a.status(), a.body().toString());
        assertTrue(a.body().get("detail").asText().contains("Spaceship"));
        assertTrue(a.body().has("upstream"));
    }

    @Test
    void everyBadInputIs400AndTouchesNothing() {
        SIM.clearRequests();
        assertProblem(call("Note", "7001", "huge"), 400, null);
        assertProblem(call("Note", "7001", ""), 400, null);
        assertProblem(call("Note", "abc", null), 400, null);
        assertProblem(call("Note", "-3", null), 400, null);
        assertProblem(call("Note", "0", null), 400, null);
        assertProblem(call("Note", "99999999999999999999", null), 400, null);
        assertProblem(call("No te", "7001", null), 400, null);
        assertProblem(call("Note;drop", "7001", null), 400, null);
        assertEquals(List.of(), SIM.requests(null, "/api/v1\\.1/entity.*"), "bad input never reaches FPTR");
        // A type FPTR knows but whose entities have no image field.
        Answer noImageField = call("LocalStorage", "1", null);
        assertProblem(noImageField, 400, "Entities of type LocalStorage have no image field.");
        assertEquals("{type}", noImageField.body().path("pointer").asText(null), "the input at fault, as every 400 names it");
        assertNothingStored();
    }

    // ---- storage failures ---------------------------------------------------------------------------------

    @Test
    void storageConnectionCutHalfWayIsRetriedFromTheStartAndLeavesNoPartialUpload() throws IOException {
        long size = 20 * MIB;
        SIM.putFile("Note", 7004, "image", "plate.png", "image/png", () -> GeneratedBytes.of(12, size));
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "cut_after_bytes", 12 * MIB, "times", 1));
        SIM.clearRequests();

        Answer a = call("Note", "7004", null);
        assertEquals(200, a.status(), a.body().toString());
        assertEquals("copied", a.body().get("status").asText());
        assertEquals(2, downloads().size(), "the cut download, then one whole one");
        assertObjectIs(a.body().get("key").asText(), 12, size);
        assertNoOpenUpload();
    }

    @Test
    void storageThatKeepsCuttingLeavesNoObjectAndNoOpenUpload() {
        long size = 20 * MIB;
        SIM.putFile("Note", 7004, "image", "plate.png", "image/png", () -> GeneratedBytes.of(13, size));
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "cut_after_bytes", 10 * MIB, "times", 10));
        SIM.clearRequests();

        Answer a = call("Note", "7004", null);
        assertEquals(502, a.status(), a.body().toString());
        assertTrue(a.body().get("detail").asText().contains("Nothing was stored"));
        assertEquals(4, downloads().size(), "one try and three retries");
        assertNothingStored();
        assertNoOpenUpload();
    }

    @Test
    void storageAnswerWithoutContentLengthIsCopiedInOnePutWhenSmall() throws IOException {
        long size = 3 * MIB;
        SIM.putFile("Note", 7004, "image", "small.png", "image/png", () -> GeneratedBytes.of(16, size));
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "chunked", true, "times", 1));
        Answer a = call("Note", "7004", null);
        assertEquals(200, a.status(), a.body().toString());
        assertEquals(size, a.body().get("size").asLong());
        assertFalse(a.body().get("etag").asText().contains("-"), "one PutObject: " + a.body());
        assertObjectIs(a.body().get("key").asText(), 16, size);
        assertTrue(SIM.faults().isEmpty(), "the download used up the chunked fault");
    }

    @Test
    void storageAnswerWithoutContentLengthIsCopiedInPartsWhenLarge() throws IOException {
        long size = 20 * MIB + 5;
        SIM.putFile("Note", 7004, "image", "plate.png", "image/png", () -> GeneratedBytes.of(17, size));
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "chunked", true, "times", 1));
        Answer a = call("Note", "7004", null);
        assertEquals(200, a.status(), a.body().toString());
        assertEquals(size, a.body().get("size").asLong());
        assertTrue(a.body().get("etag").asText().endsWith("-3"), "three 8 MiB parts: " + a.body());
        assertObjectIs(a.body().get("key").asText(), 17, size);
        assertNoOpenUpload();
        assertTrue(SIM.faults().isEmpty(), "the download used up the chunked fault");
    }

    @Test
    void singlePutCutIsRetriedToo() throws IOException {
        long size = 3 * MIB;   // one PutObject
        SIM.putFile("Note", 7004, "image", "small.png", "image/png", () -> GeneratedBytes.of(14, size));
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "cut_after_bytes", MIB, "times", 2));
        Answer a = call("Note", "7004", null);
        assertEquals(200, a.status(), a.body().toString());
        assertObjectIs(a.body().get("key").asText(), 14, size);
    }

    @Test
    void storage5xxIsRetried() throws IOException {
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "status", 503, "times", 2));
        SIM.clearRequests();
        Answer a = call("Note", "7001", null);
        assertEquals(200, a.status(), a.body().toString());
        assertEquals(3, downloads().size());
    }

    @Test
    void signedUrlThatExpiredBeforeTheDownloadIsReadAgainOnce() throws IOException {
        // The URL lives 2 s; the first download waits 3.5 s at the storage, so storage finds it expired.
        SIM.config(Map.of("storage_url_ttl_seconds", 2));
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "latency_ms", 3500, "times", 1));
        SIM.clearRequests();

        Answer a = call("Note", "7001", null);
        assertEquals(200, a.status(), a.body().toString());
        List<JsonNode> downloads = downloads();
        assertEquals(2, downloads.size());
        assertEquals(403, downloads.get(0).get("status").asInt());
        assertEquals(200, downloads.get(1).get("status").asInt());
        long locations = SIM.requests(null, "/api/.*").stream()
                .filter(r -> r.get("path").asText().endsWith("/7001/image") && "alt=original".equals(r.get("query").asText())).count();
        assertEquals(2, locations, "the location was read again, once");
        assertArrayEquals(sim.download(sim.location("notes", 7001, "original")), read(a.body().get("key").asText()));
    }

    @Test
    void storageRefusingAFreshUrlTooIs502() {
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "status", 403, "times", 5));
        SIM.clearRequests();
        Answer a = call("Note", "7001", null);
        assertEquals(502, a.status(), a.body().toString());
        assertEquals(2, downloads().size(), "one re-read, not a loop");
        assertNothingStored();
    }

    @Test
    void aCopyLongerThanTheRequestsTimeIs504NamingRespondAsyncAndStoresNothing() {
        // Storage answers after 3 s and stalls 4 s more mid-body: each wait within the read timeout, the copy
        // longer than the 5 s the request has (6 s left, less the 1 s margin). However often it is sent
        // again it ends so: the answer says how it can succeed, not only "try again later" (a tool honouring
        // Retry-After sent it for ever).
        long size = 3 * MIB;
        SIM.putFile("Note", 7004, "image", "plate.exr", "image/x-exr", () -> GeneratedBytes.of(19, size));
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "latency_ms", 3000, "stall_after_bytes", MIB,
                "stall_ms", 4000, "times", 1));
        Answer a = ApiGatewayEvents.route("PUT /v1/entities/{type}/{id}/thumbnail", "/v1/entities/Note/7004/thumbnail")
                .pathParameter("type", "Note").pathParameter("id", "7004")
                .invoke(ThumbnailHandler.FUNCTION, io.fptrfunctions.http.TestLambdaContext.withRemaining(6000));
        assertProblem(a, 504, null);
        assertNotNull(a.header("Retry-After"));
        // The download's watchdog and S3's call timeout both stop at the deadline; either may notice first
        // on a busy machine, and either way the answer names respond-async.
        String detail = a.body().get("detail").asText();
        assertTrue(detail.contains("'Prefer: respond-async'"), detail);
        assertNothingStored();
        assertNoOpenUpload();
    }

    @Test
    void cutAndRefusedDownloadsAreLoggedWithoutTheSignedUrl() {
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "cut_after_bytes", 100, "times", 1));
        SIM.fault(Map.of("method", "GET", "path", "^/_storage/", "status", 403, "times", 5));
        try (LogCapture log = LogCapture.start()) {
            Answer a = call("Note", "7001", null);
            assertEquals(502, a.status(), a.body().toString());
            String lines = log.all();
            assertTrue(lines.contains("was cut"), "the cut download is logged: " + lines);
            assertFalse(lines.contains("X-Amz-"), "no signed URL in the log: " + lines);
            assertFalse(lines.contains("Bearer"), "no FPTR token in the log: " + lines);
            assertFalse(a.body().toString().contains("X-Amz-"), "no signed URL in the answer: " + a.body());
        }
    }

    // ---- Prefer: respond-async ----------------------------------------------------------------------------

    @Test
    void respondAsyncQueuesTheCopyAndAnswers202() {
        Answer a = call("notes", "7001", "thumbnail", Map.of("prefer", "respond-async"));

        assertEquals(202, a.status(), a.body().toString());
        assertEquals("respond-async", a.header("Preference-Applied"));
        assertEquals("application/json", a.header("Content-Type"));
        assertEquals(JSON.createObjectNode().put("status", "queued").put("entity_type", "Note").put("entity_id", 7001)
                .put("variant", "thumbnail").put("image_pending", false), a.body());
        List<JsonNode> jobs = queuedJobs();
        assertEquals(1, jobs.size(), jobs.toString());
        JsonNode job = jobs.get(0);
        assertEquals("Note", job.get("entity_type").asText());
        assertEquals(7001, job.get("entity_id").asLong());
        assertEquals("thumbnail", job.get("variant").asText());
        assertEquals(70, job.get("project_id").asLong());
        assertEquals("http", job.get("source").asText());
        assertTrue(job.get("delivery_id").isNull(), job.toString());
        assertEquals(List.of(), downloads(), "nothing is copied in the request");
        assertNothingStored();
    }

    @Test
    void respondAsyncIsFoundAmongOtherPreferencesInAnyCase() {
        assertEquals(202, call("Note", "7001", null, Map.of("Prefer", "wait=10, Respond-Async; foo=bar")).status());
        assertEquals(200, call("Note", "7001", null, Map.of("Prefer", "return=minimal")).status(), "another preference: a copy");
        assertEquals(1, queuedJobs().size());
    }

    @Test
    void respondAsyncRefusesWhatTheCopyWouldRefuseAndQueuesNothing() {
        Answer noImage = call("Note", "7004", null, Map.of("prefer", "respond-async"));
        assertProblem(noImage, 404, "Note 7004 has no image.");
        assertEquals(404, call("Note", "999999", null, Map.of("prefer", "respond-async")).status());
        assertEquals(400, call("Note", "7001", "huge", Map.of("prefer", "respond-async")).status());
        assertEquals(List.of(), queuedJobs());
    }

    @Test
    void respondAsyncQueuesAPendingImageForTheWorkerToWaitFor() {
        sim.upload("notes", 7004, "image", "fresh.png", "image/png", png(32, 32, Color.BLUE));
        Answer a = call("Note", "7004", null, Map.of("prefer", "respond-async"));
        assertEquals(202, a.status(), a.body().toString());
        assertTrue(a.body().get("image_pending").asBoolean());
        assertEquals(1, queuedJobs().size());
    }

    @Test
    void respondAsyncAnswers503WhenSqsFailsAndNothingIsQueued() {
        MotoFaultProxy.get().unavailable("AmazonSQS.SendMessageBatch");
        try {
            Answer a = call("Note", "7001", null, Map.of("prefer", "respond-async"));
            assertProblem(a, 503, null);
            assertTrue(a.body().get("detail").asText().contains("could not be queued"), a.body().toString());
            assertEquals("5", a.header("Retry-After"), "as every 503 of the route (openapi.yaml's FptrUnavailable) and the upload routes' own");
        } finally {
            MotoFaultProxy.get().clear();
        }
        assertEquals(List.of(), queuedJobs());
        assertNothingStored();
    }

    /** Every job on the route's queue (read and deleted). */
    private List<JsonNode> queuedJobs() {
        List<JsonNode> jobs = new java.util.ArrayList<>();
        String url = MotoTestResource.queueUrl(MotoTestResource.JOB_QUEUE);
        for (List<Message> got; !(got = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)).messages()).isEmpty(); ) {
            for (Message m : got) {
                try {
                    jobs.add(JSON.readTree(m.body()));
                } catch (IOException e) {
                    throw new AssertionError(m.body(), e);
                }
                sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
        }
        return jobs;
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private Answer call(String type, String id, String variant) {
        return call(type, id, variant, Map.of());
    }

    private Answer call(String type, String id, String variant, Map<String, String> headers) {
        ApiGatewayEvents event = ApiGatewayEvents.route("PUT /v1/entities/{type}/{id}/thumbnail",
                        "/v1/entities/" + type + "/" + id + "/thumbnail")
                .pathParameter("type", type).pathParameter("id", id);
        headers.forEach(event::header);
        if (variant != null) {
            event.query("variant", variant);
        }
        return event.invoke(ThumbnailHandler.FUNCTION);
    }

    private static void assertProblem(Answer a, int status, String detail) {
        assertEquals(status, a.status(), a.body().toString());
        assertEquals("application/problem+json", a.header("Content-Type"));
        assertEquals(status, a.body().get("status").asInt());
        assertTrue(a.body().hasNonNull("detail"));
        if (detail != null) {
            assertEquals(detail, a.body().get("detail").asText());
        }
    }

    private byte[] read(String key) throws IOException {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(BUCKET).key(key))) {
            return in.readAllBytes();
        }
    }

    private void assertObjectIs(String key, long seed, long size) throws IOException {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(BUCKET).key(key))) {
            assertEquals(size, in.response().contentLength());
            assertEquals(GeneratedBytes.sha256(seed, size), GeneratedBytes.sha256((InputStream) in));
        }
    }

    private void assertNothingStored() {
        assertEquals(List.of(), s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(PREFIX)).contents().stream().map(S3Object::key).toList());
    }

    private void assertNoOpenUpload() {
        assertEquals(0, s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(PREFIX)).uploads().size());
    }

    private static byte[] png(int w, int h, Color color) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < w; x++) {
            for (int y = 0; y < h; y++) {
                img.setRGB(x, y, (x * y) % 7 == 0 ? Color.WHITE.getRGB() : color.getRGB());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }
}
