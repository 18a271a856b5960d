package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upload flow's multipart, sg and Attachment forms, as a studio tool drives them (sg-groundtruth 044,
 * 039 and the endpoint pages): the chain of get_next_part links, ETags per part, completion with the
 * etags, the 5 MiB floor, aborts, and FPTR's silent completion of an upload that never got its bytes.
 */
class SimUploadsTest extends SimHttpTest {

    private static final int MIB = 1024 * 1024;
    private static final String MOVIE = "/api/v1.1/entity/versions/6003/sg_uploaded_movie";
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aMultipartUploadWalksTheChainAndCompletesWithTheEtags() throws Exception {
        byte[] bytes = bytes(5 * MIB + 17);
        JsonNode start = init(MOVIE, "plate.mov", true);
        assertTrue(start.at("/data/multipart_upload").asBoolean());
        assertTrue(start.at("/data/upload_id").asText().length() > 40);
        assertTrue(start.at("/links/get_next_part").asText().contains("part_number=2"));

        List<String> etags = new ArrayList<>();
        etags.add(put(start.at("/links/upload").asText(), Arrays.copyOfRange(bytes, 0, 5 * MIB)));
        JsonNode next = c.get(start.at("/links/get_next_part").asText()).json();
        assertTrue(next.at("/links/get_next_part").asText().contains("part_number=3"), "each answer links the part after it");
        etags.add(put(next.at("/links/upload").asText(), Arrays.copyOfRange(bytes, 5 * MIB, bytes.length)));
        assertEquals(md5(Arrays.copyOfRange(bytes, 5 * MIB, bytes.length)), etags.get(1).replace("\"", ""), "a part's ETag is its md5");

        ObjectNode info = (ObjectNode) start.get("data").deepCopy();
        info.set("etags", SimJson.NODES.arrayNode().add(etags.get(0)).add(etags.get(1)));
        assertEquals(201, complete(start, info).status());

        String location = c.get(MOVIE + "?alt=original").header("Location");
        assertArrayEquals(bytes, c.download(location));
        assertEquals(0, openUploads().size());
    }

    @Test
    void aCompletionWithoutEtagsOrWithASmallPartIsRefusedAndTheUploadStaysOpen() throws Exception {
        JsonNode start = init(MOVIE, "plate.mov", true);
        String first = put(start.at("/links/upload").asText(), bytes(1024));
        JsonNode next = c.get(start.at("/links/get_next_part").asText()).json();
        String second = put(next.at("/links/upload").asText(), bytes(1024));

        SimAdmin.Response noEtags = complete(start, (ObjectNode) start.get("data").deepCopy());
        ObjectNode info = (ObjectNode) start.get("data").deepCopy();
        info.set("etags", SimJson.NODES.arrayNode().add(first).add(second));
        SimAdmin.Response smallPart = complete(start, info);

        assertEquals(400, noEtags.status());
        assertEquals("'multipart_upload' is True but no 'etags' send with request.", noEtags.json().at("/errors/0/title").asText());
        assertEquals(400, smallPart.status());
        assertEquals("Error completing multipart upload.", smallPart.json().at("/errors/0/title").asText());
        assertEquals(1, openUploads().size(), "a failed completion leaves the upload open");
    }

    @Test
    void anAbortTakesTheFlatUploadInfoOnce() {
        JsonNode start = init(MOVIE, "plate.mov", true);
        String abort = start.at("/links/complete_upload").asText() + "/multipart_abort";

        SimAdmin.Response wrapped = c.postJson(abort, "{\"upload_info\":" + start.get("data") + ",\"upload_data\":{}}");
        SimAdmin.Response flat = c.postJson(abort, start.get("data").toString());
        SimAdmin.Response again = c.postJson(abort, start.get("data").toString());

        assertEquals(400, wrapped.status());
        assertTrue(wrapped.json().at("/errors/0/source").has("upload_id"), wrapped::toString);
        assertEquals(204, flat.status());
        assertEquals(400, again.status());
        assertEquals("Failed to abort S3 multipart upload", again.json().at("/errors/0/title").asText());
        assertEquals(0, openUploads().size());
    }

    @Test
    void anUnknownUploadIdGetsAUrlWhosePutFails() throws Exception {
        JsonNode start = init(MOVIE, "plate.mov", true);
        String link = start.at("/links/get_next_part").asText();
        String bogus = link.replaceFirst("upload_id=[0-9a-f]+", "upload_id=nope");

        JsonNode answer = c.get(bogus).json();
        SimAdmin.Response noId = c.get(link.replaceFirst("&upload_id=[0-9a-f]+", ""));

        assertEquals(404, status(answer.at("/links/upload").asText(), bytes(10)), "S3 knows no such upload");
        assertEquals(400, noId.status());
        assertEquals("Could not generate upload url. Check the site settings.", noId.json().at("/errors/0/title").asText());
    }

    @Test
    void sgStorageTakesTheBytesOnTheSiteAndRefusesMultipart() throws Exception {
        c.config(Map.of("storage_service", "sg"));
        byte[] bytes = bytes(3000);

        SimAdmin.Response multipart = c.get(MOVIE + "/_upload?filename=a.mov&multipart_upload=true");
        JsonNode start = init(MOVIE, "a.mov", false);
        String upload = start.at("/links/upload").asText();
        HttpResponse<String> noBearer = http.send(HttpRequest.newBuilder(URI.create(upload))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(upload)).header("Authorization", "Bearer " + c.token())
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode stored = SimJson.parse(put.body().getBytes());
        ObjectNode info = (ObjectNode) start.get("data").deepCopy();
        info.set("upload_id", stored.at("/data/upload_id"));

        assertEquals(400, multipart.status());
        assertEquals("Multi-part is not supported for this upload.", multipart.json().at("/errors/0/title").asText());
        assertEquals("sg", start.at("/data/storage_service").asText());
        assertTrue(upload.startsWith(sim.baseUrl() + "/api/v1.1/entity/versions/6003/sg_uploaded_movie/_upload?expiration="), upload);
        assertEquals(401, noBearer.statusCode());
        assertEquals(200, put.statusCode());
        assertEquals(201, complete(start, info).status());
        assertArrayEquals(bytes, c.download(c.get(MOVIE + "?alt=original").header("Location")));
    }

    @Test
    void anUploadWhoseBytesNeverArrivedCompletesAnywayWithAnEmptyFile() {
        JsonNode start = init(MOVIE, "never.mov", false);

        assertEquals(201, complete(start, (ObjectNode) start.get("data")).status());

        assertEquals(0, c.download(c.get(MOVIE + "?alt=original").header("Location")).length, "FPTR's silent failure");
    }

    @Test
    void anAttachmentUploadNeedsAnAttachmentsFieldAndLinksTheRecord() throws Exception {
        SimAdmin.Response shot = c.get("/api/v1.1/entity/shots/1001/attachments/_upload?filename=a.txt");
        JsonNode start = init("/api/v1.1/entity/notes/7001", "notes.txt", false);
        put(start.at("/links/upload").asText(), bytes(100));
        assertEquals(201, complete(start, (ObjectNode) start.get("data")).status());

        assertEquals(404, shot.status());
        assertEquals("Field 'Shot.attachments' does not exist.", shot.json().at("/errors/0/detail").asText());
        assertEquals("/api/v1.1/entity/notes/7001/attachments/_upload", start.at("/links/complete_upload").asText());
        JsonNode attachments = c.get("/api/v1.1/entity/notes/7001?fields=attachments").json().at("/data/relationships/attachments/data");
        assertEquals("notes.txt", attachments.get(attachments.size() - 1).path("name").asText());
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /** {@code <record>/<field>/_upload}, or for a record path {@code <record>/attachments/_upload}. */
    private JsonNode init(String target, String filename, boolean multipart) {
        String path = (target.contains("versions") ? target : target + "/attachments") + "/_upload?filename=" + filename
                + (multipart ? "&multipart_upload=true" : "");
        SimAdmin.Response r = c.get(path);
        assertEquals(200, r.status(), r::toString);
        return r.json();
    }

    private SimAdmin.Response complete(JsonNode start, ObjectNode info) {
        return c.postJson(start.at("/links/complete_upload").asText(), "{\"upload_info\":" + info + ",\"upload_data\":{}}");
    }

    private String put(String url, byte[] body) throws Exception {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(200, r.statusCode());
        return r.headers().firstValue("ETag").orElseThrow();
    }

    private int status(String url, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private JsonNode openUploads() {
        return c.get("/_sim/uploads").json().path("uploads");
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new java.util.Random(n).nextBytes(b);
        return b;
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }
}
