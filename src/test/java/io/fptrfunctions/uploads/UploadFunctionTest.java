package io.fptrfunctions.uploads;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.TestLambdaContext;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.fptrfunctions.telemetry.EmfLines;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upload function end to end: API Gateway event → handler → moto_server's S3 (ranged reads) and the
 * FPTR simulator (init, parts, storage PUTs, completion, reads) over HTTP. Every upload is read back
 * through FPTR's own download and compared with the S3 object. The test profile sends parts of 256 KiB
 * (single PUT up to 256 KiB); the simulator is told to take parts that small.
 * Demo seed: Version 6003 (project 70, sg_uploaded_movie empty), Shot 1002 (no image), Note 7001.
 */
@QuarkusTest
class UploadFunctionTest {

    private static final SimAdmin SIM = FptrSimTestResource.admin();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUCKET = MotoTestResource.BUCKET;
    private static final int KIB = 1024;
    private static final String PART_PUTS = "/_storage/_upload/[0-9a-f]+/parts/\\d+";
    private static final String SINGLE_PUTS = "/_storage/_upload/[0-9a-f]+";

    @Inject
    S3Client s3;

    /** A studio tool on the shared simulator: reads records and downloads files as FPTR serves them. */
    final SimAdmin tool = FptrSimTestResource.admin();

    @BeforeEach
    void cleanSlate() {
        SIM.reset();
        SIM.config(Map.of("multipart_min_part_bytes", 64 * KIB));
        CircuitBreakerMaintenance.get().resetAll();
        SIM.clearRequests();
    }

    // ---- uploads that work -------------------------------------------------------------------------------

    @Test
    void aSmallObjectBecomesAnAttachmentInOnePut() {
        byte[] bytes = object("uploads/small/layout_notes.pdf", 100 * KIB, 1);

        Answer a = post("{\"project\": 70, \"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/small/layout_notes.pdf\"},"
                + " \"attachment_links\": [{\"type\": \"Version\", \"id\": 6003}, {\"type\": \"Note\", \"id\": 7001}],"
                + " \"description\": \"Layout notes\", \"tag_list\": [\"layout\"]}");

        assertEquals(201, a.status(), a.body()::toString);
        JsonNode attachment = a.body();
        assertEquals("Attachment", attachment.path("type").asText());
        assertEquals("upload", attachment.at("/this_file/link_type").asText());
        assertEquals("layout_notes.pdf", attachment.path("filename").asText());
        assertEquals("application/pdf", attachment.at("/this_file/content_type").asText());
        assertEquals("Layout notes", attachment.path("description").asText());
        assertEquals(70, attachment.at("/project/id").asLong());
        assertEquals(List.of(6003L, 7001L), ids(attachment.path("attachment_links")));
        assertArrayEquals(bytes, tool.download(attachment.at("/this_file/url").asText()), "FPTR serves the S3 object's bytes");
        assertEquals(1, SIM.count("PUT", SINGLE_PUTS));
        assertEquals(0, SIM.count("PUT", PART_PUTS));
        assertNoUploadLeftOpen();
    }

    @Test
    void aLargeObjectBecomesAnAttachmentInParts() {
        byte[] bytes = object("uploads/big/plate.exr", 4 * 256 * KIB + 1000, 2);

        Answer a = post("{\"project\": \"Demo Project\", \"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/big/plate.exr\"},"
                + " \"attachment_links\": [{\"type\": \"Version\", \"id\": 6003}], \"name\": \"plate_v002.exr\"}");

        assertEquals(201, a.status(), a.body()::toString);
        assertEquals("plate_v002.exr", a.body().path("filename").asText());
        assertArrayEquals(bytes, tool.download(a.body().at("/this_file/url").asText()));
        assertEquals(5, SIM.count("PUT", PART_PUTS), "4 parts of 256 KiB and one of 1000 bytes");
        assertEquals(4, SIM.count("GET", ".*/_upload/multipart"), "the get_next_part chain, once per part after the first");
        assertEquals(0, SIM.count("PUT", SINGLE_PUTS));
        assertNoUploadLeftOpen();
    }

    @Test
    void anUploadCountsItsBytesAndTimeInTheMetricsLine() {
        object("uploads/big/plate.exr", 4 * 256 * KIB + 1000, 3);
        JsonNode line = EmfLines.of(() -> assertEquals(201, post("{\"project\": 70, \"s3\": {\"bucket\": \"" + BUCKET
                + "\", \"key\": \"uploads/big/plate.exr\"}, \"attachment_links\": [{\"type\": \"Version\", \"id\": 6003}]}").status()));

        assertEquals("upload", line.get("Function").asText());
        assertEquals(4 * 256 * KIB + 1000, EmfLines.value(line, "BytesCopied"), line.toString());
        assertEquals(1, line.get("CopyTime").size(), "one upload, one time: " + line);
        assertTrue(EmfLines.value(line, "FptrCallsOk") >= 6, "start, the next parts, completion...: " + line);
    }

    @Test
    void smallAndLargeObjectsGoIntoAFileField() {
        for (int size : new int[]{10 * KIB, 3 * 256 * KIB + 17}) {
            SIM.clearRequests();
            String key = "uploads/movies/sh030_anim_v001_" + size + ".mov";
            byte[] bytes = object(key, size, size);

            Answer a = putFile("Version", 6003, "sg_uploaded_movie", "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"" + key + "\"}}");

            assertEquals(200, a.status(), a.body()::toString);
            assertEquals("sg_uploaded_movie", a.body().path("field").asText());
            assertEquals("upload", a.body().at("/value/link_type").asText());
            assertEquals("sh030_anim_v001_" + size + ".mov", a.body().at("/value/name").asText());
            assertEquals("video/quicktime", a.body().at("/value/content_type").asText());
            assertEquals(size > 256 * KIB, a.body().at("/upload/multipart").asBoolean());
            if (size > 256 * KIB) {
                assertEquals(multipartEtag(bytes, 256 * KIB), a.body().at("/upload/etag").asText(), "S3's ETag of the parts");
            } else {
                assertEquals(md5(bytes), a.body().at("/upload/md5").asText());
            }
            assertArrayEquals(bytes, downloadOriginal("versions", 6003, "sg_uploaded_movie"), "FPTR's own download of the field");
        }
        assertNoUploadLeftOpen();
    }

    @Test
    void smallAndLargeObjectsBecomeAThumbnail() {
        for (int size : new int[]{2 * KIB, 2 * 256 * KIB + 5}) {
            String key = "uploads/renders/sh020_" + size + ".png";
            byte[] bytes = object(key, size, size + 7);

            Answer a = putImage("Shot", 1002, "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"" + key + "\"}}");

            assertEquals(200, a.status(), a.body()::toString);
            assertEquals("transcoding", a.body().path("status").asText(), "FPTR shows its placeholder while it makes the thumbnail");
            assertTrue(a.body().path("value").asText().contains("/images/status/transient/"), a.body()::toString);
            assertArrayEquals(bytes, tool.download(tool.location("shots", 1002, "original")));
        }
    }

    @Test
    void sgStorageTakesTheWholeObjectOnTheSiteWithTheBearer() {
        SIM.config(Map.of("storage_service", "sg", "multipart_min_part_bytes", 64 * KIB));
        byte[] bytes = object("uploads/sg/big.mov", 3 * 256 * KIB, 5);

        Answer a = putFile("Version", 6003, "sg_uploaded_movie", "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/sg/big.mov\"}}");

        assertEquals(200, a.status(), a.body()::toString);
        assertEquals("sg", a.body().at("/upload/storage_service").asText());
        assertFalse(a.body().at("/upload/multipart").asBoolean(), "sg storage takes no parts, whatever the size");
        assertEquals(1, SIM.count("PUT", ".*/entity/versions/6003/sg_uploaded_movie/_upload"));
        assertArrayEquals(bytes, downloadOriginal("versions", 6003, "sg_uploaded_movie"));
    }

    // ---- uploads of the same file name to the same record at once -------------------------------------------------

    @Test
    void anotherUploadOfTheSameNameFinishingWhileThisOneSendsItsBytesIsNotTakenForIt() throws Exception {
        byte[] bytes = object(RACE_KEY, 100 * KIB, 21);
        // this request's PUT waits 2 s in storage
        Answer a = uploadWhileAToolCompletes(100 * KIB, Map.of("method", "PUT", "path", "^" + SINGLE_PUTS + "$", "latency_ms", 2000));

        assertEquals(201, a.status(), a.body()::toString);
        assertArrayEquals(bytes, tool.download(a.body().at("/this_file/url").asText()), "the answer is this request's Attachment");
        assertEquals("ours", a.body().path("description").asText());
        List<JsonNode> both = attachmentsNamed("plate.exr");
        assertEquals(2, both.size(), both::toString);
        JsonNode tools = both.get(0).path("id").asLong() == a.body().path("id").asLong() ? both.get(1) : both.get(0);
        assertTrue(tools.at("/attributes/description").isNull(), "the tool's Attachment was not given this request's fields: " + tools);
    }

    @Test
    void twoUploadsOfTheSameNameAndSizeCompletingAtOnceAreNamedNotGuessed() throws Exception {
        object(RACE_KEY, 100 * KIB, 23);
        Answer a = uploadWhileAToolCompletes(100 * KIB, LOOK_HELD);

        assertEquals(409, a.status(), "the callers' uploads collided: a 4xx, never a 5xx: " + a.body());
        assertEquals("landed", a.body().path("write_outcome").asText());
        List<JsonNode> both = attachmentsNamed("plate.exr");
        assertEquals(2, both.size(), both::toString);
        assertEquals("[" + both.get(0).path("id").asLong() + "," + both.get(1).path("id").asLong() + "]",
                a.body().path("candidates").toString(), "the problem names both");
        assertTrue(a.detail().contains("Do not send the request again"), a::detail);
        for (JsonNode attachment : both) {
            assertTrue(attachment.at("/attributes/description").isNull(), "no guess was given the fields: " + attachment);
        }
    }

    @Test
    void anUploadOfTheSameNameButAnotherSizeIsToldApartBySize() throws Exception {
        byte[] bytes = object(RACE_KEY, 100 * KIB, 25);
        Answer a = uploadWhileAToolCompletes(60 * KIB, LOOK_HELD);

        assertEquals(201, a.status(), a.body()::toString);
        assertArrayEquals(bytes, tool.download(a.body().at("/this_file/url").asText()));
        assertEquals("ours", a.body().path("description").asText());
        List<JsonNode> both = attachmentsNamed("plate.exr");
        assertEquals(2, both.size(), both::toString);
        assertEquals(both.get(0).path("id").asLong(), a.body().path("id").asLong(), "this request's is the older one: " + both);
        assertTrue(both.get(1).at("/attributes/description").isNull(), both::toString);
    }

    private static final String RACE_KEY = "uploads/race/plate.exr";
    /**
     * This request's look for its new Attachment, right after its completion, waits 1.2 s in FPTR (within the test
     * profile's 1.5 s read timeout), so the tool's upload completes just after this one, before the look.
     */
    private static final Map<String, Object> LOOK_HELD = Map.of("method", "POST", "path", "/entity/Attachment/_search$",
            "body", "greater_than", "latency_ms", 1200);

    /**
     * POSTs {@link #RACE_KEY} as an Attachment on Version 6003 (description "ours") while {@code held} holds one of its
     * calls; meanwhile a studio tool completes its own upload of a plate.exr of {@code theirSize} bytes to the same
     * Version (sent before, so only its completion is left).
     */
    private Answer uploadWhileAToolCompletes(int theirSize, Map<String, Object> held) throws Exception {
        byte[] theirs = new byte[theirSize];
        new Random(theirSize).nextBytes(theirs);
        ToolsUpload toolsUpload = toolsUpload("plate.exr", theirs);
        // The simulator tells single uploads apart by target, file name and the init's timestamp (seconds), as
        // upload_info carries nothing else: started in the same second, two such completions could take each
        // other's bytes. This request's init is made two seconds later.
        SIM.advanceClock(java.time.Duration.ofSeconds(2));
        SIM.fault(held);
        return whileRunning(() -> post("{\"project\": 70, \"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"" + RACE_KEY + "\"},"
                        + " \"attachment_links\": [{\"type\": \"Version\", \"id\": 6003}], \"description\": \"ours\"}"),
                () -> SIM.faults().isEmpty(), toolsUpload::complete);
    }

    // ---- retries, verification, aborts ----------------------------------------------------------------------

    @Test
    void aPartCutHalfWayIsSentAgainAloneAndTheUploadCompletes() {
        byte[] bytes = object("uploads/cut/plate.exr", 4 * 256 * KIB, 3);
        SIM.fault(Map.of("method", "PUT", "path", "^/_storage/_upload/[0-9a-f]+/parts/3$", "cut_request_after_bytes", 128 * KIB));
        SIM.fault(Map.of("method", "PUT", "path", "^/_storage/_upload/[0-9a-f]+/parts/2$", "status", 503, "retry_after", "1"));

        Answer a = putFile("Version", 6003, "sg_uploaded_movie", "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/cut/plate.exr\"}}");

        assertEquals(200, a.status(), a.body()::toString);
        assertEquals(1, SIM.count("PUT", ".*/parts/1"));
        assertEquals(2, SIM.count("PUT", ".*/parts/2"), "the 503 part again");
        assertEquals(2, SIM.count("PUT", ".*/parts/3"), "the cut part again, from its own start");
        assertEquals(1, SIM.count("PUT", ".*/parts/4"));
        assertArrayEquals(bytes, downloadOriginal("versions", 6003, "sg_uploaded_movie"));
        assertNoUploadLeftOpen();
    }

    @Test
    void aPersistentFailureAbortsAndLeavesNothingInFptr() {
        object("uploads/fail/plate.exr", 6 * 256 * KIB, 4);
        long attachmentsBefore = attachmentCount();
        SIM.fault(Map.of("method", "PUT", "path", "/parts/2$", "status", 500, "times", 50));

        Answer a = putFile("Version", 6003, "sg_uploaded_movie", "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/fail/plate.exr\"}}");

        assertEquals(502, a.status(), a.body()::toString);
        assertTrue(a.detail().contains("Part 2 still failed after 4 retries"), a::detail);
        assertEquals(5, SIM.count("PUT", ".*/parts/2"), "the part, then its 4 retries");
        assertEquals(0, SIM.count("PUT", ".*/parts/[456]"), "no part after the one streaming beside it");
        assertEquals(1, SIM.count("POST", ".*/sg_uploaded_movie/_upload/multipart_abort"));
        assertEquals(0, SIM.count("POST", ".*/sg_uploaded_movie/_upload"), "never completed");
        assertNoUploadLeftOpen();
        assertEquals(attachmentsBefore, attachmentCount(), "no Attachment was created");
        assertTrue(fieldValue("versions", 6003, "sg_uploaded_movie").isNull(), "the field still points at nothing");
    }

    @Test
    void anObjectReplacedHalfWayIsA409ThatCompletesNothingAndLeavesNothingOpen() throws Exception {
        object("uploads/replaced/plate.exr", 6 * 256 * KIB, 21);
        long attachmentsBefore = attachmentCount();
        // part 2 is held, so the parts after part 3 are read from S3 after the object was replaced
        SIM.fault(Map.of("method", "PUT", "path", "/parts/2$", "latency_ms", 1500));

        Answer a = whileRunning(() -> putFile("Version", 6003, "sg_uploaded_movie",
                        "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/replaced/plate.exr\"}}"),
                () -> SIM.count("PUT", ".*/parts/2") > 0, () -> object("uploads/replaced/plate.exr", 6 * 256 * KIB, 22));

        assertEquals(409, a.status(), a.body()::toString);
        assertTrue(a.detail().contains("was replaced or deleted during the upload"), a::detail);
        assertEquals("/s3/key", a.body().path("pointer").asText());
        assertEquals(0, SIM.count("POST", ".*/sg_uploaded_movie/_upload"), "never completed: no mix of two files");
        assertEquals(1, SIM.count("POST", ".*/sg_uploaded_movie/_upload/multipart_abort"));
        assertNoUploadLeftOpen();
        assertEquals(attachmentsBefore, attachmentCount());
    }

    @Test
    void aContentTypeNoHttpHeaderCanCarryIsA400BeforeAnythingIsSent() {
        object("uploads/ct/notes.txt", 1000, 41);
        for (String ct : new String[]{"text/plain; charset=\u0000", "text/plain; name=\u00e9t\u00e9", "text/plain;\u0085x",
                "text/plain; a=\u2028b", "text/plain;\tcharset=utf-8\u007f"}) {
            SIM.clearRequests();
            Answer a = putFile("Version", 6003, "sg_uploaded_movie", "{\"s3\": {\"bucket\": \"" + BUCKET
                    + "\", \"key\": \"uploads/ct/notes.txt\"}, \"content_type\": " + JSON.valueToTree(ct) + "}");
            assertEquals(400, a.status(), () -> JSON.valueToTree(ct) + ": " + a.body());
            assertEquals("/content_type", a.body().path("pointer").asText());
            assertEquals(0, SIM.count("GET", ".*/_upload.*"), "nothing started in FPTR");
        }
    }

    @Test
    void aKeyWhoseLastSegmentIsNoFileNameIsA400UnlessANameIsSent() {
        String key = "uploads/ctl/plate\tv002.exr";
        object(key, 1000, 42);
        String s3 = "\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": " + JSON.valueToTree(key) + "}";
        Answer field = putFile("Version", 6003, "sg_uploaded_movie", "{" + s3 + "}");
        assertEquals(400, field.status(), field.body()::toString);
        assertEquals("/name", field.body().path("pointer").asText(), "what to send instead");
        Answer image = putImage("Shot", 1002, "{" + s3 + "}");
        assertEquals(400, image.status(), image.body()::toString);
        assertEquals("/s3/key", image.body().path("pointer").asText());
        assertEquals(0, SIM.count("GET", ".*/_upload.*"), "nothing started in FPTR");

        Answer named = putFile("Version", 6003, "sg_uploaded_movie", "{" + s3 + ", \"name\": \"plate_v002.exr\"}");
        assertEquals(200, named.status(), named.body()::toString);
        assertEquals("plate_v002.exr", named.body().at("/value/name").asText());
    }

    @Test
    void sizesAtTheBoundsGoUpWhole() {
        // empty; exactly fptr.upload.single-put-max-bytes (one PUT); one byte more (a full part and a part of one byte)
        int[] sizes = {0, 256 * KIB, 256 * KIB + 1};
        int[] puts = {1, 1, 0};
        int[] parts = {0, 0, 2};
        for (int i = 0; i < sizes.length; i++) {
            SIM.clearRequests();
            byte[] bytes = object("uploads/bounds/plate-" + i + ".exr", sizes[i], 30 + i);
            Answer a = putFile("Version", 6003, "sg_uploaded_movie", "{\"s3\": {\"bucket\": \"" + BUCKET
                    + "\", \"key\": \"uploads/bounds/plate-" + i + ".exr\"}}");
            int size = sizes[i];
            assertEquals(200, a.status(), () -> size + " bytes: " + a.body());
            assertEquals(size, a.body().at("/upload/bytes").asLong());
            assertEquals(puts[i], SIM.count("PUT", SINGLE_PUTS), size + " bytes");
            assertEquals(parts[i], SIM.count("PUT", PART_PUTS), size + " bytes");
            assertArrayEquals(bytes, downloadOriginal("versions", 6003, "sg_uploaded_movie"), size + " bytes");
        }
        assertNoUploadLeftOpen();
    }

    @Test
    void anUploadUrlFromFptrThatIsNoHttpUrlIsA502AndTheOpenUploadIsAborted() {
        object("uploads/badurl/plate.exr", 6 * 256 * KIB, 13);
        long attachmentsBefore = attachmentCount();
        String put = "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/badurl/plate.exr\"}}";
        // both starts (the single one that tells the storage, then the multipart one) answer a link that is no URL
        SIM.fault(Map.of("method", "GET", "path", "/sg_uploaded_movie/_upload$", "times", 2,
                "rewrite", Map.of("/links/upload", "http://[not a url")));

        Answer start = putFile("Version", 6003, "sg_uploaded_movie", put);

        assertEquals(502, start.status(), start.body()::toString);
        assertTrue(start.detail().contains("upload URL that is no http(s) URL"), start::detail);
        assertEquals(1, SIM.count("POST", ".*/sg_uploaded_movie/_upload/multipart_abort"), "the open upload was aborted");
        assertNoUploadLeftOpen();

        // a next part's URL of another scheme is never opened
        SIM.fault(Map.of("method", "GET", "path", "/_upload/multipart$", "rewrite", Map.of("/links/upload", "file:///etc/passwd")));

        Answer part = putFile("Version", 6003, "sg_uploaded_movie", put);

        assertEquals(502, part.status(), part.body()::toString);
        assertTrue(part.detail().contains("part 2"), part::detail);
        assertEquals(2, SIM.count("POST", ".*/sg_uploaded_movie/_upload/multipart_abort"));
        assertNoUploadLeftOpen();
        assertEquals(attachmentsBefore, attachmentCount(), "no Attachment was created");
    }

    @Test
    void aMultipartStartWithoutAnUploadLinkIsA502ThatAbortsWhatItOpened() {
        object("uploads/nolink/plate.exr", 6 * 256 * KIB, 14);
        SIM.fault(Map.of("method", "GET", "path", "/sg_uploaded_movie/_upload$", "times", 2,
                "rewrite", Map.of("/links/upload", JSON.nullNode())));

        Answer a = putFile("Version", 6003, "sg_uploaded_movie", "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/nolink/plate.exr\"}}");

        assertEquals(502, a.status(), a.body()::toString);
        assertTrue(a.detail().contains("had no upload_info, upload or complete_upload link"), a::detail);
        assertEquals(1, SIM.count("POST", ".*/sg_uploaded_movie/_upload/multipart_abort"), "what the start opened was aborted");
        assertNoUploadLeftOpen();
    }

    @Test
    void aStorageTooSlowForTheDeadlineEndsIn504BeforeItAndLeavesNoUploadOpen() {
        object("uploads/slow/plate.exr", 4 * 256 * KIB, 12);
        String body = "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/slow/plate.exr\"}}";
        // warm first: the timed call's 3 s are then the slow part's, not a cold first call's token, schema read,
        // connections and multipart start (what took UploadSlowS3Test's cold call past its deadline under load 17)
        assertEquals(200, putFile("Version", 6003, "sg_uploaded_movie", body).status());
        cleanSlate();
        SIM.fault(Map.of("method", "PUT", "path", "/parts/2$", "latency_ms", 8000));

        long started = System.nanoTime();
        Answer a = ApiGatewayEvents.route("PUT /v1/entities/{type}/{id}/files/{field}", "/v1/entities/Version/6003/files/sg_uploaded_movie")
                .pathParameter("type", "Version").pathParameter("id", "6003").pathParameter("field", "sg_uploaded_movie")
                .body(body)
                .invoke(UploadHandler.FUNCTION, TestLambdaContext.withRemaining(4000));   // a deadline 3 s away
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertEquals(504, a.status(), a.body()::toString);
        assertNotNull(a.header("Retry-After"));
        // before Lambda's timeout (4 s): the deadline (3 s) cuts the part's PUT, and the margin is what the abort and
        // the answer after it may take on a loaded machine (as in UploadSlowS3Test). The uncut PUT answers after 8 s.
        assertTrue(millis < 4000, "answered before the function's timeout: " + millis + " ms");
        assertEquals(1, SIM.count("POST", ".*/sg_uploaded_movie/_upload/multipart_abort"), "the open upload was aborted");
        assertEquals(0, SIM.count("POST", ".*/sg_uploaded_movie/_upload"), "never completed");
        assertNoUploadLeftOpen();
        assertTrue(fieldValue("versions", 6003, "sg_uploaded_movie").isNull());
    }

    @Test
    void aPutThatSucceededWithAShortBodyIsCaughtBeforeCompletion() {
        byte[] bytes = object("uploads/short/notes.txt", 100 * KIB, 6);
        SIM.fault(Map.of("method", "PUT", "path", "^" + SINGLE_PUTS + "$", "keep_request_bytes", 1000, "times", 1));

        Answer retried = putFile("Version", 6003, "sg_uploaded_movie", "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/short/notes.txt\"}}");

        assertEquals(200, retried.status(), retried.body()::toString);
        assertEquals(2, SIM.count("PUT", SINGLE_PUTS), "the short PUT was sent again");
        assertArrayEquals(bytes, downloadOriginal("versions", 6003, "sg_uploaded_movie"));

        SIM.reset();
        SIM.clearRequests();
        SIM.fault(Map.of("method", "PUT", "path", "^" + SINGLE_PUTS + "$", "keep_request_bytes", 0, "times", 50));
        Answer refused = putFile("Version", 6003, "sg_uploaded_movie", "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/short/notes.txt\"}}");

        assertEquals(502, refused.status(), refused.body()::toString);
        assertTrue(refused.detail().contains("not the md5 of the bytes sent"), refused::detail);
        assertEquals(0, SIM.count("POST", ".*/sg_uploaded_movie/_upload"), "FPTR would have completed it: it was never asked to");
        assertTrue(fieldValue("versions", 6003, "sg_uploaded_movie").isNull());
    }

    @Test
    void aLostCompletionAnswerIsReadBackNotRepeated() {
        byte[] bytes = object("uploads/lost/plate.exr", 2 * 256 * KIB + 3, 8);
        SIM.fault(Map.of("method", "POST", "path", "/sg_uploaded_movie/_upload$", "cut_after_bytes", 0));

        Answer a = putFile("Version", 6003, "sg_uploaded_movie", "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/lost/plate.exr\"}}");

        assertEquals(200, a.status(), "the completion landed: a read-back shows it, " + a.body());
        assertEquals(1, SIM.count("POST", ".*/sg_uploaded_movie/_upload"), "sent once");
        assertEquals(1, SIM.count("POST", ".*/multipart_abort"), "the abort found nothing open: the completion had taken");
        assertArrayEquals(bytes, downloadOriginal("versions", 6003, "sg_uploaded_movie"));
    }

    @Test
    void fptrFailingAfterTheCompletionLandedIsA502LandedNotANothingWritten503() throws Exception {
        object("uploads/after/layout_notes.pdf", 100 * KIB, 12);
        long before = attachmentCount();
        // the completion lands; the search for the new Attachment after it finds FPTR unavailable
        SIM.fault(Map.of("method", "POST", "path", "/_search$", "body", "greater_than", "status", 503, "times", 50));

        Answer a = post("{\"project\": 70, \"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/after/layout_notes.pdf\"},"
                + " \"attachment_links\": [{\"type\": \"Version\", \"id\": 6003}]}");
        SIM.clearFaults();
        CircuitBreakerMaintenance.get().resetAll();

        assertEquals(before + 1, attachmentCount(), "the upload landed");
        assertEquals(502, a.status(), "not a 503 'nothing was written', which a caller sends again: " + a.body());
        assertEquals("landed", a.body().path("write_outcome").asText(), a.body()::toString);
        assertNull(a.header("Retry-After"), "nothing to wait for: it is not to be sent again");

        // the field route: its answer's read of the field after the completion
        object("uploads/after/plate.mov", 100 * KIB, 13);
        SIM.fault(Map.of("method", "POST", "path", "/sg_uploaded_movie/_upload$", "latency_ms", 1000));
        Answer field = whileRunning(() -> putFile("Version", 6003, "sg_uploaded_movie",
                        "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/after/plate.mov\"}}"),
                () -> SIM.faults().isEmpty(),
                () -> SIM.fault(Map.of("method", "GET", "path", "/6003/sg_uploaded_movie$", "status", 503, "times", 50)));
        SIM.clearFaults();

        assertEquals("plate.mov", fieldValue("versions", 6003, "sg_uploaded_movie").path("name").asText(), "the upload landed");
        assertEquals(502, field.status(), field.body()::toString);
        assertEquals("landed", field.body().path("write_outcome").asText(), field.body()::toString);
    }

    // ---- refused before anything is written -----------------------------------------------------------------------

    @Test
    void anObjectOutsideTheAllowedPrefixIsA403NamingIt() {
        Answer wrongBucket = putFile("Version", 6003, "sg_uploaded_movie", "{\"s3\": {\"bucket\": \"other-bucket\", \"key\": \"uploads/a.mov\"}}");
        Answer wrongPrefix = putFile("Version", 6003, "sg_uploaded_movie", "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"thumbnails/a.mov\"}}");

        assertEquals(403, wrongBucket.status(), wrongBucket.body()::toString);
        assertEquals("s3://" + BUCKET + "/uploads/", wrongBucket.body().path("allowed").asText());
        assertEquals("/s3/bucket", wrongBucket.body().path("pointer").asText());
        assertEquals(403, wrongPrefix.status());
        assertEquals("/s3/key", wrongPrefix.body().path("pointer").asText());
        assertTrue(wrongPrefix.detail().contains("s3://" + BUCKET + "/uploads/"), wrongPrefix::detail);
        assertEquals(0, SIM.requests().size(), "FPTR was not called");
    }

    @Test
    void aMissingObjectIsA404() {
        Answer a = post("{\"project\": 70, \"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/nothing/here.mov\"}}");

        assertEquals(404, a.status(), a.body()::toString);
        assertEquals("/s3/key", a.body().path("pointer").asText());
        assertEquals(0, SIM.requests().size());
    }

    @Test
    void anUnknownFieldOrANonFileFieldIsA400() {
        object("uploads/field/a.mov", 1000, 9);
        String body = "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/field/a.mov\"}}";

        Answer unknown = putFile("Version", 6003, "sg_no_such_field", body);
        Answer text = putFile("Version", 6003, "code", body);
        Answer noAttachments = post("{\"project\": 70, \"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/field/a.mov\"},"
                + " \"attachment_links\": [{\"type\": \"Shot\", \"id\": 1001}]}");

        assertEquals(400, unknown.status(), unknown.body()::toString);
        assertEquals("Unknown field", unknown.body().path("title").asText());
        assertNotNull(unknown.body().get("upstream"), "FPTR's own error");
        assertEquals(400, text.status());
        assertEquals("text", text.body().path("data_type").asText());
        assertEquals(400, noAttachments.status(), noAttachments.body()::toString);
        assertEquals("Unknown field", noAttachments.body().path("title").asText(), "Shot has no attachments field on FPTR");
        assertTrue(noAttachments.body().at("/upstream/detail").asText().contains("Shot.attachments"));
        assertEquals(0, SIM.count("PUT", "/_storage/.*"), "no byte was sent");
    }

    @Test
    void badInputNamesItsPointer() {
        Answer noS3 = putFile("Version", 6003, "sg_uploaded_movie", "{}");
        Answer dotDot = putFile("Version", 6003, "sg_uploaded_movie", "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/../secrets/x\"}}");
        Answer extra = putImage("Shot", 1002, "{\"s3\": {\"bucket\": \"" + BUCKET + "\", \"key\": \"uploads/a.png\"}, \"name\": \"x.png\"}");

        assertEquals(400, noS3.status());
        assertEquals("/s3", noS3.body().path("pointer").asText());
        assertEquals(400, dotDot.status());
        assertEquals("/s3/key", dotDot.body().path("pointer").asText());
        assertEquals(400, extra.status());
        assertEquals("/name", extra.body().path("pointer").asText());
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private byte[] object(String key, int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(bytes));
        return bytes;
    }

    /**
     * Runs {@code request} on its own thread; once {@code when} holds (the request's call is held by the simulator's
     * latency fault), runs {@code meanwhile}; answers the request's answer.
     */
    private static Answer whileRunning(java.util.concurrent.Callable<Answer> request, java.util.function.BooleanSupplier when,
                                       Runnable meanwhile) throws Exception {
        java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<Answer> answer = thread.submit(request);
            long until = System.nanoTime() + 10_000_000_000L;
            while (!when.getAsBoolean()) {
                assertTrue(System.nanoTime() < until && !answer.isDone(), "the request never got there");
                Thread.sleep(20);
            }
            meanwhile.run();
            return answer.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            thread.shutdownNow();
        }
    }

    /** A studio tool's upload of an Attachment to Version 6003, its bytes sent: only its completion is left. */
    private record ToolsUpload(SimAdmin tool, String completeUpload, String completion) {
        void complete() {
            SimAdmin.Response r = tool.postJson(completeUpload, completion);
            assertEquals(201, r.status(), r::toString);
        }
    }

    private ToolsUpload toolsUpload(String filename, byte[] bytes) {
        SimAdmin client = tool.login();
        JsonNode start = client.get("/api/v1.1/entity/versions/6003/attachments/_upload?filename=" + filename).json();
        SimAdmin.Response put = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(start.at("/links/upload").asText()))
                .header("Content-Type", "image/x-exr").PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(bytes)), false);
        assertEquals(200, put.status(), put::toString);
        return new ToolsUpload(client, start.at("/links/complete_upload").asText(),
                "{\"upload_info\":" + start.get("data") + ",\"upload_data\":{}}");
    }

    /** The Attachments on Version 6003 named {@code filename}, by id, as FPTR's REST API returns them. */
    private List<JsonNode> attachmentsNamed(String filename) {
        JsonNode rows = tool.login().searchHash("attachments", "{\"filters\": {\"logical_operator\": \"and\", \"conditions\": "
                + "[[\"filename\", \"is\", \"" + filename + "\"]]},"
                + " \"fields\": [\"id\", \"description\", \"filename\"], \"sort\": \"id\", \"page\": {\"size\": 500}}").json().path("data");
        List<JsonNode> found = new java.util.ArrayList<>();
        rows.forEach(found::add);
        return found;
    }

    private void assertNoUploadLeftOpen() {
        JsonNode open = JSON.valueToTree(Map.of());
        try {
            open = JSON.readTree(tool.get("/_sim/uploads").text()).path("uploads");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        for (JsonNode u : open) {
            assertFalse(u.path("multipart").asBoolean(), "a multipart upload is still open: " + u);
        }
    }

    private long attachmentCount() {
        return tool.login().searchHash("attachments", "{\"filters\": {\"logical_operator\": \"and\", \"conditions\": []},"
                + " \"fields\": [\"id\"], \"page\": {\"size\": 500}}").json().path("data").size();
    }

    private JsonNode fieldValue(String slug, long id, String field) {
        return tool.login().get("/api/v1.1/entity/" + slug + "/" + id + "/" + field).json().path("data");
    }

    /** FPTR's own download of a file field: {@code ?alt=original} → 302 → the stored bytes. */
    private byte[] downloadOriginal(String slug, long id, String field) {
        SimAdmin.Response r = tool.login().get("/api/v1.1/entity/" + slug + "/" + id + "/" + field + "?alt=original");
        assertEquals(302, r.status(), r::toString);
        return tool.download(r.header("Location"));
    }

    private static List<Long> ids(JsonNode links) {
        return java.util.stream.StreamSupport.stream(links.spliterator(), false).map(l -> l.path("id").asLong()).sorted().toList();
    }

    /** S3's ETag of an object sent in parts: the md5 of the parts' md5s, "-", their count. */
    private static String multipartEtag(byte[] bytes, int partBytes) {
        try {
            MessageDigest ofParts = MessageDigest.getInstance("MD5");
            int count = 0;
            for (int offset = 0; offset < bytes.length; offset += partBytes, count++) {
                ofParts.update(MessageDigest.getInstance("MD5").digest(java.util.Arrays.copyOfRange(bytes, offset,
                        Math.min(bytes.length, offset + partBytes))));
            }
            return HexFormat.of().formatHex(ofParts.digest()) + "-" + count;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Answer post(String body) {
        return invoke(ApiGatewayEvents.route("POST /v1/uploads", "/v1/uploads").body(body));
    }

    private static Answer putFile(String type, long id, String field, String body) {
        return invoke(ApiGatewayEvents.route("PUT /v1/entities/{type}/{id}/files/{field}", "/v1/entities/" + type + "/" + id + "/files/" + field)
                .pathParameter("type", type).pathParameter("id", String.valueOf(id)).pathParameter("field", field).body(body));
    }

    private static Answer putImage(String type, long id, String body) {
        return invoke(ApiGatewayEvents.route("PUT /v1/entities/{type}/{id}/image", "/v1/entities/" + type + "/" + id + "/image")
                .pathParameter("type", type).pathParameter("id", String.valueOf(id)).body(body));
    }

    private static Answer invoke(ApiGatewayEvents event) {
        return event.invoke(UploadHandler.FUNCTION);
    }
}
