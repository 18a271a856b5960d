package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Images and files over HTTP: image fields, ?alt redirects, the storage service, uploads, /_sim/files. */
class SimMediaTest extends SimHttpTest {

    final HttpClient http = HttpClient.newHttpClient();

    /** Demo seed Notes: 7001 has a (generated) image, 7004 none. */
    static final String WITH_IMAGE = "/api/v1.1/entity/notes/7001";
    static final String WITHOUT_IMAGE = "/api/v1.1/entity/notes/7004";

    /** Each test: a reset through the admin API (the real clock again), a client holding a token. */
    @BeforeEach
    @Override
    void reset() {
        assertEquals(200, SimAdmin.of(sim).post("/_sim/reset", null, "").status());
        c = SimAdmin.of(sim).login();
        assertEquals(0, c.clock().get("offset_seconds").asLong(), "the reset brought the real clock back");
    }

    // ---- image field and the field endpoint ----------------------------------------------------------

    @Test
    void seededImageReadsAsPresignedThumbnailUrlAndAltServesBothFiles() throws Exception {
        String image = c.get(WITH_IMAGE + "?fields=image").json().at("/data/attributes/image").asText();
        assertTrue(image.startsWith(sim.baseUrl() + "/_storage/"), image);
        assertTrue(image.contains("X-Amz-Expires=900") && image.contains("X-Amz-Signature="), image);

        SimAdmin.Response field = c.get(WITH_IMAGE + "/image");
        assertEquals(200, field.status());
        assertEquals(WITH_IMAGE.replace("/api/v1.1", "/api/v1.1") + "/image", field.json().at("/links/self").asText());
        assertEquals(stable(image), stable(field.json().get("data").asText()));

        HttpResponse<byte[]> original = get(location(WITH_IMAGE + "/image?alt=original"));
        assertEquals(200, original.statusCode());
        assertEquals("image/png", original.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(original.body().length, original.headers().firstValueAsLong("Content-Length").orElseThrow());
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(original.body(), 4));
        assertEquals("\"" + md5(original.body()) + "\"", original.headers().firstValue("ETag").orElseThrow());

        HttpResponse<byte[]> thumbnail = get(location(WITH_IMAGE + "/image?alt=thumbnail"));
        assertEquals(200, thumbnail.statusCode());
        assertEquals("image/jpeg", thumbnail.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(stable(image), stable(location(WITH_IMAGE + "/image?alt=thumbnail")), "the field shows the thumbnail");
        assertFalse(Arrays.equals(original.body(), thumbnail.body()));
    }

    @Test
    void fieldEndpointErrorsAreFptrs() {
        assertTrue(c.get(WITHOUT_IMAGE + "/image").json().get("data").isNull());
        SimAdmin.Response empty = c.get(WITHOUT_IMAGE + "/image?alt=original");
        assertEquals(404, empty.status());
        assertEquals("File not found", empty.json().at("/errors/0/title").asText());

        SimAdmin.Response badAlt = c.get(WITH_IMAGE + "/image?alt=big");
        assertEquals(400, badAlt.status());
        assertEquals("alt must be one of: original, thumbnail", badAlt.json().at("/errors/0/source/alt/0").asText());

        SimAdmin.Response notFile = c.get("/api/v1.1/entity/versions/6001/code");
        assertEquals(400, notFile.status());
        assertEquals("Field Version.code is not an image or attachment.", notFile.json().at("/errors/0/title").asText());

        assertEquals(404, c.get("/api/v1.1/entity/notes/999999/image").status());
        assertEquals(404, c.get("/api/v1.1/entity/nopes/1/image").status());

        assertTrue(c.get("/api/v1.1/entity/versions/6001/sg_uploaded_movie").json().get("data").isNull());
        SimAdmin.Response emptyUrl = c.get("/api/v1.1/entity/versions/6001/sg_uploaded_movie?alt=original");
        assertEquals(404, emptyUrl.status());
        assertEquals(104, emptyUrl.json().at("/errors/0/code").asInt());
        assertEquals("Field sg_uploaded_movie is empty.", emptyUrl.json().at("/errors/0/title").asText());

        SimAdmin.Response noBearer = SimAdmin.of(sim).get(WITH_IMAGE + "/image?alt=original");
        assertEquals(401, noBearer.status());
    }

    @Test
    void imageCannotBeWrittenAsAValueOnlyCleared() {
        SimAdmin.Response set = c.put(WITH_IMAGE, "{\"image\":\"http://example.com/x.png\"}");
        assertEquals(400, set.status(), set.text());
        assertEquals(200, c.put(WITH_IMAGE, "{\"image\":null}").status());
        assertTrue(c.get(WITH_IMAGE + "/image").json().get("data").isNull());
    }

    // ---- storage ----------------------------------------------------------------------------------------

    @Test
    void storageServesRangesAndRefusesHeadAndBadSignatures() throws Exception {
        String url = location(WITH_IMAGE + "/image?alt=original");
        byte[] whole = get(url).body();

        HttpResponse<byte[]> part = send(HttpRequest.newBuilder(URI.create(url)).header("Range", "bytes=2-9").GET());
        assertEquals(206, part.statusCode());
        assertEquals("bytes 2-9/" + whole.length, part.headers().firstValue("Content-Range").orElseThrow());
        assertEquals(8, part.headers().firstValueAsLong("Content-Length").orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(whole, 2, 10), part.body());

        HttpResponse<byte[]> tail = send(HttpRequest.newBuilder(URI.create(url)).header("Range", "bytes=-5").GET());
        assertEquals(206, tail.statusCode());
        assertArrayEquals(Arrays.copyOfRange(whole, whole.length - 5, whole.length), tail.body());

        HttpResponse<byte[]> beyond = send(HttpRequest.newBuilder(URI.create(url)).header("Range", "bytes=" + whole.length + "-").GET());
        assertEquals(416, beyond.statusCode());

        HttpResponse<byte[]> head = send(HttpRequest.newBuilder(URI.create(url)).method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(403, head.statusCode());

        HttpResponse<byte[]> tampered = get(url.replaceAll("X-Amz-Signature=[0-9a-f]{4}", "X-Amz-Signature=0000"));
        assertEquals(403, tampered.statusCode());
        assertTrue(new String(tampered.body(), StandardCharsets.UTF_8).contains("<Code>SignatureDoesNotMatch</Code>"));

        HttpResponse<byte[]> unsigned = get(url.substring(0, url.indexOf('?')));
        assertEquals(403, unsigned.statusCode());
    }

    @Test
    void presignedUrlExpiresAndEveryReadSignsAnew() throws Exception {
        c.config(Map.of("storage_url_ttl_seconds", 60));
        String first = location(WITH_IMAGE + "/image?alt=original");
        assertTrue(first.contains("X-Amz-Expires=60"));
        assertEquals(200, get(first).statusCode());

        c.advanceClock(Duration.ofSeconds(61));
        HttpResponse<byte[]> expired = get(first);
        assertEquals(403, expired.statusCode());
        String body = new String(expired.body(), StandardCharsets.UTF_8);
        assertTrue(body.contains("<Code>AccessDenied</Code>") && body.contains("<Message>Request has expired</Message>"), body);

        String second = location(WITH_IMAGE + "/image?alt=original");
        assertNotEquals(first, second);
        assertEquals(stable(first), stable(second), "same file, new signature");
        assertEquals(200, get(second).statusCode());
    }

    @Test
    void stallFaultSendsTheFirstBytesThenWaitsThenTheRest() throws Exception {
        String url = location(WITH_IMAGE + "/image?alt=original");
        byte[] whole = get(url).body();
        c.fault(Map.of("method", "GET", "path", "^/_storage/", "stall_after_bytes", 100, "stall_ms", 3000));
        HttpResponse<java.io.InputStream> stalled = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.InputStream in = stalled.body()) {
            byte[] first = in.readNBytes(100);
            long firstAt = System.nanoTime();
            byte[] rest = in.readAllBytes();
            long waited = (System.nanoTime() - firstAt) / 1_000_000;
            // the first bytes are read before the stall ends (half of it is a margin for a slow read)
            assertTrue(waited >= 1500, "the rest came " + waited + " ms after the first 100 bytes");
            byte[] got = new byte[first.length + rest.length];
            System.arraycopy(first, 0, got, 0, first.length);
            System.arraycopy(rest, 0, got, first.length, rest.length);
            assertArrayEquals(whole, got, "the whole body");
        }
    }

    @Test
    void cutFaultAppliesToStorageDownloadsAndTheyAreLogged() throws Exception {
        String url = location(WITH_IMAGE + "/image?alt=original");
        int size = get(url).body().length;
        c.fault(Map.of("method", "GET", "path", "^/_storage/", "cut_after_bytes", 100));
        c.clearRequests();
        assertThrows(IOException.class, () -> http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray()));
        assertEquals(size, get(url).body().length, "the fault was used up");
        List<JsonNode> log = c.requests();
        assertEquals(2, log.size());
        assertTrue(log.get(0).get("path").asText().startsWith("/_storage/"));
    }

    // ---- the 3-step upload flow ---------------------------------------------------------------------------

    @Test
    void uploadFlowSetsTheImageAfterAPendingThumbnail() throws Exception {
        byte[] png = SimImages.generatedPng("upload test", 640, 360);
        JsonNode start = c.get(WITHOUT_IMAGE + "/image/_upload?filename=shot.png").json();
        assertEquals("Thumbnail", start.at("/data/upload_type").asText());
        assertEquals("shot.png", start.at("/data/original_filename").asText());
        assertTrue(start.at("/data/upload_id").isNull());
        assertEquals("/api/v1.1/entity/notes/7004/image/_upload", start.at("/links/complete_upload").asText());

        HttpResponse<byte[]> put = send(HttpRequest.newBuilder(URI.create(start.at("/links/upload").asText()))
                .header("Content-Type", "image/png").PUT(HttpRequest.BodyPublishers.ofByteArray(png)));
        assertEquals(200, put.statusCode());
        assertEquals("\"" + md5(png) + "\"", put.headers().firstValue("ETag").orElseThrow());

        String completion = "{\"upload_info\":" + start.get("data") + ",\"upload_data\":{}}";
        SimAdmin.Response vendor = c.post(start.at("/links/complete_upload").asText(), EntityApi.HASH_TYPE, completion);
        assertEquals(415, vendor.status());
        SimAdmin.Response done = c.postJson(start.at("/links/complete_upload").asText(), completion);
        assertEquals(201, done.status());
        assertEquals(" ", done.text());

        String pending = c.get(WITHOUT_IMAGE + "?fields=image").json().at("/data/attributes/image").asText();
        assertEquals(sim.baseUrl() + SimMedia.TRANSIENT_PATH, pending);
        assertEquals(200, get(pending).statusCode(), "the placeholder is a real picture");
        assertArrayEquals(png, get(location(WITHOUT_IMAGE + "/image?alt=original")).body(), "the original exists at once");

        c.advanceClock(Duration.ofSeconds(31));
        String ready = c.get(WITHOUT_IMAGE + "?fields=image").json().at("/data/attributes/image").asText();
        assertTrue(ready.contains("/_storage/") && ready.contains("shot_thumb.jpg"), ready);
        byte[] thumbnail = get(ready).body();
        assertArrayEquals(new byte[]{(byte) 0xff, (byte) 0xd8}, Arrays.copyOf(thumbnail, 2), "a JPEG");
    }

    @Test
    void uploadErrors() throws Exception {
        SimAdmin.Response noName = c.get(WITHOUT_IMAGE + "/image/_upload");
        assertEquals(400, noName.status());
        assertEquals("filename is missing", noName.json().at("/errors/0/source/filename/0").asText());
        assertEquals(400, c.get("/api/v1.1/entity/versions/6001/code/_upload?filename=a.txt").status());

        JsonNode start = c.get(WITHOUT_IMAGE + "/image/_upload?filename=late.png").json();
        c.advanceClock(Duration.ofSeconds(901));
        HttpResponse<byte[]> late = send(HttpRequest.newBuilder(URI.create(start.at("/links/upload").asText()))
                .PUT(HttpRequest.BodyPublishers.ofString("x")));
        assertEquals(403, late.statusCode());
        c.realClock();

        // FPTR completes an upload whose bytes never came: the file is empty.
        SimAdmin.Response done = c.postJson(start.at("/links/complete_upload").asText(),
                "{\"upload_info\":" + start.get("data") + ",\"upload_data\":{}}");
        assertEquals(201, done.status());
        assertEquals(0, get(location(WITHOUT_IMAGE + "/image?alt=original")).body().length);

        SimAdmin.Response unknown = c.postJson(start.at("/links/complete_upload").asText(),
                "{\"upload_info\":{\"original_filename\":\"never.png\",\"timestamp\":\"2020-01-01T00:00:00Z\"}}");
        assertEquals(400, unknown.status());
        assertEquals(400, c.postJson(start.at("/links/complete_upload").asText(), "{}").status());
    }

    @Test
    void uploadToUrlFieldMakesAnAttachment() throws Exception {
        JsonNode start = c.get("/api/v1.1/entity/versions/6001/sg_uploaded_movie/_upload?filename=take.mov").json();
        assertEquals("Attachment", start.at("/data/upload_type").asText());
        byte[] movie = "not really a movie".getBytes(StandardCharsets.UTF_8);
        assertEquals(200, send(HttpRequest.newBuilder(URI.create(start.at("/links/upload").asText()))
                .header("Content-Type", "video/quicktime").PUT(HttpRequest.BodyPublishers.ofByteArray(movie))).statusCode());
        assertEquals(201, c.postJson(start.at("/links/complete_upload").asText(),
                "{\"upload_info\":" + start.get("data") + ",\"upload_data\":{}}").status());

        JsonNode value = c.get("/api/v1.1/entity/versions/6001/sg_uploaded_movie").json().get("data");
        assertEquals("upload", value.get("link_type").asText());
        assertEquals("Attachment", value.get("type").asText());
        assertEquals("take.mov", value.get("name").asText());
        assertTrue(value.get("url").asText().contains("X-Amz-Signature="), value.toString());
        HttpResponse<byte[]> bytes = get(location("/api/v1.1/entity/versions/6001/sg_uploaded_movie?alt=original"));
        assertArrayEquals(movie, bytes.body());
        assertEquals("video/quicktime", bytes.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(200, c.get("/api/v1.1/entity/attachments/" + value.get("id").asLong()).status());
    }

    @Test
    void anUploadedFileReadsOverRestAsAPresignedUrlSignedAnewOnEveryRead() throws Exception {
        byte[] movie = "a take".getBytes(StandardCharsets.UTF_8);
        c.upload("versions", 6001, "sg_uploaded_movie", "take.mov", "video/quicktime", movie);

        JsonNode first = c.get("/api/v1.1/entity/versions/6001?fields=sg_uploaded_movie").json().at("/data/attributes/sg_uploaded_movie");
        String url = first.get("url").asText();
        assertTrue(url.startsWith(sim.baseUrl() + "/_storage/") && url.contains("X-Amz-Signature="), first.toString());
        assertFalse(url.contains("/file_serve/"), "REST gives the storage URL, not the RPC API's file_serve link");
        assertArrayEquals(movie, get(url).body());

        c.advanceClock(Duration.ofSeconds(2));
        String again = c.get("/api/v1.1/entity/versions/6001?fields=sg_uploaded_movie").json()
                .at("/data/attributes/sg_uploaded_movie/url").asText();
        assertNotEquals(url, again, "signed anew on every read");
        assertEquals(stable(url), stable(again));

        long attachment = first.get("id").asLong();
        String thisFile = c.get("/api/v1.1/entity/attachments/" + attachment + "?fields=this_file").json()
                .at("/data/attributes/this_file/url").asText();
        assertTrue(thisFile.contains("X-Amz-Signature="), "the Attachment's this_file reads the same way: " + thisFile);
        c.advanceClock(Duration.ofSeconds(901));
        assertEquals(403, get(url).statusCode(), "and it expires like any presigned URL");
    }

    // ---- PUT /_sim/files ---------------------------------------------------------------------------------

    @Test
    void adminSetsALargeFileStreamedAndReadyAtOnce() throws Exception {
        long size = 24L * 1024 * 1024;
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/_sim/files/Note/7004/image?filename=big.bin"))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(size))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put.body());
        JsonNode answer = SimJson.parse(put.body().getBytes(StandardCharsets.UTF_8));
        assertEquals(size, answer.get("size").asLong());

        String image = c.get(WITHOUT_IMAGE + "?fields=image").json().at("/data/attributes/image").asText();
        assertFalse(image.contains("/images/status/transient/"), "no pending thumbnail for admin files");
        HttpResponse<InputStream> download = http.send(HttpRequest.newBuilder(URI.create(location(WITHOUT_IMAGE + "/image?alt=original"))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(size, download.headers().firstValueAsLong("Content-Length").orElseThrow());
        assertEquals("application/octet-stream", download.headers().firstValue("Content-Type").orElseThrow());
        try (InputStream in = download.body(); InputStream expected = new PatternStream(size)) {
            assertEquals(digest(expected), digest(in));
        }

        assertEquals(400, SimAdmin.of(sim).put("/_sim/files/Note/7004/subject", "x").status());
        assertEquals(400, SimAdmin.of(sim).put("/_sim/files/Note/999999/image", "x").status());
    }

    @Test
    void resetForgetsUploadedFiles() throws Exception {
        c.putFile("Note", 7004, "image", null, "image/png", () -> new java.io.ByteArrayInputStream(new byte[]{1, 2, 3}));
        String url = location(WITHOUT_IMAGE + "/image?alt=original");
        assertEquals(200, get(url).statusCode());
        c.reset();
        assertEquals(404, get(url).statusCode(), "the file is gone with the reset");
        assertEquals(200, get(location(WITH_IMAGE + "/image?alt=original")).statusCode(), "seed images are back");
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private String location(String apiPath) {
        SimAdmin.Response r = c.get(apiPath);
        assertEquals(302, r.status(), r.text());
        return r.header("Location");
    }

    private HttpResponse<byte[]> get(String url) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String stable(String url) {
        return url.substring(0, url.indexOf('?'));
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }

    private static String digest(InputStream in) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) >= 0) {
            d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** {@code size} bytes of a repeating pattern, produced on the fly. */
    static final class PatternStream extends InputStream {
        private final long size;
        private long pos;

        PatternStream(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            return pos < size ? (int) ((pos++ * 31) & 0xff) : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - pos);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) ((pos++ * 31) & 0xff);
            }
            return n;
        }
    }
}
