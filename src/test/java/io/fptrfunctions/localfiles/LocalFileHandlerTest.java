package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.fptrfunctions.localfiles.LocalFileCalls.JSON;
import static io.fptrfunctions.localfiles.LocalFileCalls.delete;
import static io.fptrfunctions.localfiles.LocalFileCalls.get;
import static io.fptrfunctions.localfiles.LocalFileCalls.json;
import static io.fptrfunctions.localfiles.LocalFileCalls.newStorage;
import static io.fptrfunctions.localfiles.LocalFileCalls.newVersion;
import static io.fptrfunctions.localfiles.LocalFileCalls.postAttachment;
import static io.fptrfunctions.localfiles.LocalFileCalls.put;
import static io.fptrfunctions.localfiles.LocalFileCalls.putVersion;
import static io.fptrfunctions.localfiles.LocalFileCalls.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local-file function end to end: API Gateway v2 events into the handler, the FPTR client against
 * the shared simulator over HTTP. Each test makes its own Version and LocalStorages (unique roots), so
 * tests do not depend on each other or on the function's LocalStorage cache.
 */
@QuarkusTest
class LocalFileHandlerTest {

    /** The shared FPTR simulator's admin client. */
    private static final SimAdmin SIM = FptrSimTestResource.admin();

    @Inject
    LocalStorageCatalog catalog;

    String u;
    long storage;
    long version;

    /** A storage on all three platforms, named after a unique {@code u}: /lf/u (linux), /Volumes/lf/u (mac), L: drive lf/u (windows). */
    @BeforeEach
    void data() {
        u = unique();
        storage = newStorage("lf-" + u, "/Volumes/lf/" + u, "/lf/" + u, "L:\\lf\\" + u);
        version = newVersion();
    }

    @AfterEach
    void noFaultsLeft() {
        SIM.clearFaults();
    }

    static String link(String... keysAndValues) {
        ObjectNode n = JSON.createObjectNode();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            n.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return n.toString();
    }

    Answer ok(Answer a) {
        assertEquals(200, a.status(), a::toString);
        assertEquals("application/json", a.contentType());
        return a;
    }

    Answer problem(Answer a, int status) {
        assertEquals(status, a.status(), a::toString);
        assertEquals("application/problem+json", a.contentType());
        assertEquals(status, a.body().path("status").asInt());
        assertFalse(a.body().path("detail").asText().isBlank());
        return a;
    }

    List<JsonNode> writesTo(long versionId) {
        return SIM.requests("PUT", "/api/v1(\\.1)?/entity/[Vv]ersions?/" + versionId);
    }

    // ---- set by absolute path, each platform's style --------------------------------------------------

    @Test
    void linuxPathIsStoredForEveryPlatformAndAnsweredForLinux() {
        JsonNode v = ok(putVersion(version, link("local_path", "/lf/" + u + "/sh010/comp/v001/sh010_comp_v001.mov"))).body();
        assertEquals("local", v.path("link_type").asText());
        assertEquals(storage, v.at("/local_storage/id").asLong());
        assertEquals("lf-" + u, v.at("/local_storage/name").asText());
        assertEquals("sh010/comp/v001/sh010_comp_v001.mov", v.path("relative_path").asText());
        assertEquals("/Volumes/lf/" + u + "/sh010/comp/v001/sh010_comp_v001.mov", v.path("local_path_mac").asText());
        assertEquals("L:\\lf\\" + u + "\\sh010\\comp\\v001\\sh010_comp_v001.mov", v.path("local_path_windows").asText());
        assertEquals("/lf/" + u + "/sh010/comp/v001/sh010_comp_v001.mov", v.path("local_path_linux").asText());
        assertEquals(v.path("local_path_linux").asText(), v.path("local_path").asText(), "linux is the default platform");
        assertEquals("file://" + v.path("local_path_linux").asText(), v.path("url").asText());
        assertEquals("Attachment", v.path("type").asText());
        assertTrue(v.path("id").asLong() > 0);
        assertEquals(1, writesTo(version).size());
    }

    @Test
    void macPathAnsweredForMac() {
        JsonNode v = ok(put("Version", version, "sg_uploaded_movie",
                link("local_path", "/Volumes/lf/" + u + "/ref/board.pdf"), "mac")).body();
        assertEquals("ref/board.pdf", v.path("relative_path").asText());
        assertEquals("/Volumes/lf/" + u + "/ref/board.pdf", v.path("local_path").asText());
        assertEquals("/lf/" + u + "/ref/board.pdf", v.path("local_path_linux").asText());
        assertEquals("application/pdf", v.path("content_type").asText());
    }

    @Test
    void windowsPathsWithBackslashesOrForwardSlashesAnsweredForWindows() {
        for (String path : List.of("L:\\lf\\" + u + "\\plates\\bg.mov", "L:/lf/" + u + "/plates/bg.mov",
                "l:\\LF\\" + u + "\\plates\\bg.mov")) {
            JsonNode v = ok(put("Version", version, "sg_uploaded_movie", link("local_path", path), "windows")).body();
            assertEquals(storage, v.at("/local_storage/id").asLong(), path);
            assertEquals("plates/bg.mov", v.path("relative_path").asText(), path);
            assertEquals("L:\\lf\\" + u + "\\plates\\bg.mov", v.path("local_path").asText(), path);
            assertEquals("file://L:\\lf\\" + u + "\\plates\\bg.mov", v.path("url").asText(), "like the Python API");
            assertEquals("/lf/" + u + "/plates/bg.mov", v.path("local_path_linux").asText(), path);
        }
    }

    /**
     * Whether FPTR compares Windows roots case-insensitively is not measured, so a Windows path in another case
     * than its root is sent as the row spells the root (the part below it as the caller wrote it). The faults
     * play a case-sensitive FPTR: they refuse a write that still carries the caller's spelling of the root.
     */
    @Test
    void aWindowsPathInAnotherCaseThanItsRootIsSentAsTheRowSpellsTheRoot() {
        String versionPath = "/api/v1(\\.1)?/entity/[Vv]ersions?/" + version + "$";
        SIM.fault(Map.of("method", "PUT", "path", versionPath, "body", "\"local_path\":\"l:/LF/", "status", 400, "times", 1));
        JsonNode v = ok(put("Version", version, "sg_uploaded_movie", link("local_path", "l:\\LF\\" + u + "\\Plates\\bg.mov"), "windows")).body();
        assertEquals(storage, v.at("/local_storage/id").asLong());
        assertEquals("Plates/bg.mov", v.path("relative_path").asText(), "below the root, the caller's spelling");
        assertEquals("L:\\lf\\" + u + "\\Plates\\bg.mov", v.path("local_path").asText());

        long unc = newStorage("lf-unc-" + u, null, null, "\\\\fs-" + u + "\\share");
        String shouted = "\\\\FS-" + u.toUpperCase(Locale.ROOT) + "\\SHARE\\comp\\a.mov";
        SIM.fault(Map.of("method", "PUT", "path", versionPath, "body", "\"local_path\":\"//FS-", "status", 400, "times", 1));
        JsonNode w = ok(put("Version", version, "sg_uploaded_movie", link("local_path", shouted), "windows")).body();
        assertEquals(unc, w.at("/local_storage/id").asLong());
        assertEquals("\\\\fs-" + u + "\\share\\comp\\a.mov", w.path("local_path").asText());
        assertEquals(2, writesTo(version).size(), "one write each, neither refused");
    }

    // ---- relative path and storage -------------------------------------------------------------------

    @Test
    void relativePathWithStorageByNameIdOrFptrObject() {
        for (String storageRef : List.of("\"lf-" + u + "\"", String.valueOf(storage),
                "{\"type\":\"LocalStorage\",\"id\":" + storage + "}", "{\"type\":\"LocalStorage\",\"name\":\"lf-" + u + "\"}")) {
            Answer a = putVersion(version, "{\"relative_path\":\"lookdev/charA.v002.ma\",\"local_storage\":" + storageRef + "}");
            JsonNode v = ok(a).body();
            assertEquals(storage, v.at("/local_storage/id").asLong(), storageRef);
            assertEquals("/lf/" + u + "/lookdev/charA.v002.ma", v.path("local_path").asText(), storageRef);
            assertEquals("charA.v002.ma", v.path("name").asText());
            assertEquals("application/mathematica", v.path("content_type").asText(), "what FPTR guesses for .ma");
        }
    }

    @Test
    void unknownStorageIs422ListingTheStoragesAndWritesNothing() {
        SIM.clearRequests();
        Answer a = problem(putVersion(version, json("{'relative_path':'a/b.exr','local_storage':'no-such-" + u + "'}")), 422);
        assertTrue(a.detail().contains("'no-such-" + u + "' does not exist"), a::toString);
        assertTrue(a.body().path("local_storages").toString().contains("lf-" + u));
        assertEquals(0, writesTo(version).size());
    }

    // ---- overlapping roots ----------------------------------------------------------------------------

    @Test
    void deepestRootWinsWhateverTheIdOrder() {
        long deep = newStorage("lf-deep-" + u, null, "/lf/" + u + "/renders", null);
        long deeper = newStorage("lf-deeper-" + u, null, "/lf/" + u + "/renders/sh010", null);
        assertTrue(storage < deep && deep < deeper);
        assertEquals(deeper, ok(putVersion(version, link("local_path", "/lf/" + u + "/renders/sh010/beauty/b.0001.exr")))
                .body().at("/local_storage/id").asLong());
        JsonNode mid = ok(putVersion(version, link("local_path", "/lf/" + u + "/renders/sh020/b.0001.exr"))).body();
        assertEquals(deep, mid.at("/local_storage/id").asLong());
        assertEquals("sh020/b.0001.exr", mid.path("relative_path").asText());
        assertTrue(mid.path("local_path_mac").isNull(), "the renders storage defines no mac root");
        assertEquals(storage, ok(putVersion(version, link("local_path", "/lf/" + u + "/rendersX/a.exr")))
                .body().at("/local_storage/id").asLong(), "a root only matches whole segments");
        // a shallower root created after the deeper one does not win either
        long shallow = newStorage("lf-shallow-" + u, null, "/lf", null);
        assertTrue(shallow > deeper);
        assertEquals(deeper, ok(putVersion(version, link("local_path", "/lf/" + u + "/renders/sh010/b.exr")))
                .body().at("/local_storage/id").asLong());
    }

    @Test
    void identicalRootsGoToTheHigherId() {
        long twinA = newStorage("lf-twin-a-" + u, null, "/twin/" + u, null);
        long twinB = newStorage("lf-twin-b-" + u, null, "/twin/" + u + "/", null);
        assertEquals(Math.max(twinA, twinB), ok(putVersion(version, link("local_path", "/twin/" + u + "/a.exr")))
                .body().at("/local_storage/id").asLong());
    }

    // ---- no matching root -----------------------------------------------------------------------------

    @Test
    void pathUnderNoRootIs422ListingTheRootsAndFptrSawNoWrite() {
        SIM.clearRequests();
        Answer a = problem(putVersion(version, link("local_path", "/nowhere-" + u + "/a.exr")), 422);
        assertTrue(a.detail().contains("/nowhere-" + u + "/a.exr is under no LocalStorage root"), a::toString);
        assertEquals("linux", a.body().path("platform").asText());
        String roots = a.body().path("roots").toString();
        assertTrue(roots.contains("\"path\":\"/mnt/projects\"") && roots.contains("\"name\":\"primary\""), roots);
        assertTrue(roots.contains("/lf/" + u), roots);
        assertEquals(0, writesTo(version).size(), "FPTR must not see the write");
        assertEquals(2, SIM.requests("POST", ".*/entity/(LocalStorage|local_storages)/_search").size(),
                "a miss re-reads the storages once before answering (page 1, and the empty page 2 that ends the read)");

        Answer windows = problem(put("Version", version, "sg_uploaded_movie", link("local_path", "Q:\\nowhere\\a.exr"), "windows"), 422);
        assertTrue(windows.body().path("roots").toString().contains("\"path\":\"P:\\\\\""), windows::toString);
        assertTrue(windows.detail().contains("Roots for windows"), windows::toString);
        assertEquals(0, writesTo(version).size());
    }

    /** The roots listed are those of the platform the path is written for, not of ?platform alone. */
    @Test
    void aPathUnderNoRootListsTheRootsOfThePlatformItIsWrittenFor() {
        Answer windows = problem(putVersion(version, link("local_path", "Q:\\nowhere\\a.exr")), 422);   // no ?platform: linux
        assertEquals("windows", windows.body().path("platform").asText(), windows::toString);
        assertTrue(windows.detail().contains("Roots for windows: ") && windows.detail().contains("L:\\lf\\" + u), windows::toString);
        assertTrue(windows.body().path("roots").toString().contains("\"path\":\"P:\\\\\""), windows::toString);

        Answer posix = problem(put("Version", version, "sg_uploaded_movie", link("local_path", "/nowhere-" + u + "/a.exr"), "windows"), 422);
        assertEquals("linux", posix.body().path("platform").asText(), posix::toString);
        assertTrue(posix.detail().contains("Roots for linux: ") && posix.detail().contains("?platform=mac lists"), posix::toString);

        Answer mac = problem(put("Version", version, "sg_uploaded_movie", link("local_path", "/nowhere-" + u + "/a.exr"), "mac"), 422);
        assertTrue(mac.detail().contains("Roots for mac: ") && mac.detail().contains("?platform=linux lists"), mac::toString);
        assertEquals(0, writesTo(version).size());
    }

    @Test
    void aStorageCreatedAfterTheCacheWasFilledIsFoundOnTheMiss() {
        ok(putVersion(version, link("local_path", "/lf/" + u + "/a.exr")));   // fills the cache
        String v = unique();
        long fresh = newStorage("lf-fresh-" + v, null, "/fresh/" + v, null);
        assertEquals(fresh, ok(putVersion(version, link("local_path", "/fresh/" + v + "/a.exr"))).body()
                .at("/local_storage/id").asLong());
    }

    /**
     * Storages retired in FPTR after this container read the rows. The inner of two nested roots: FPTR files the
     * path under the outer one, and the answer says so. Then the outer one: the first write under it is FPTR's
     * own 104 (a 422, nothing written) and drops the rows, so the next one is checked against fresh rows and
     * refused before anything is sent, with roots that no longer name it.
     */
    @Test
    void storagesRetiredAfterTheRowsWereReadAreLeftToFptrOnceThenRefusedBeforeAnyWrite() {
        long outer = newStorage("lf-outer-" + u, null, "/retire-" + u, null);
        long inner = newStorage("lf-inner-" + u, null, "/retire-" + u + "/renders", null);
        assertEquals(inner, ok(putVersion(version, link("local_path", "/retire-" + u + "/renders/a.exr")))
                .body().at("/local_storage/id").asLong(), "the rows are cached, the inner root wins");
        SimAdmin tool = FptrSimTestResource.admin().login();   // a studio tool retires the storages

        assertEquals(204, tool.delete("/api/v1.1/entity/local_storages/" + inner).status());
        JsonNode outerNow = ok(putVersion(version, link("local_path", "/retire-" + u + "/renders/b.exr"))).body();
        assertEquals(outer, outerNow.at("/local_storage/id").asLong(), outerNow::toString);
        assertEquals("renders/b.exr", outerNow.path("relative_path").asText());

        assertEquals(204, tool.delete("/api/v1.1/entity/local_storages/" + outer).status());
        Answer byFptr = problem(putVersion(version, link("local_path", "/retire-" + u + "/c.exr")), 422);
        assertTrue(byFptr.detail().contains("doesn't match any defined Local Storage"), byFptr::toString);
        assertEquals(104, byFptr.body().at("/upstream/code").asInt(), byFptr::toString);
        assertEquals(3, writesTo(version).size(), "two writes, and the one FPTR refused");

        Answer before = problem(putVersion(version, link("local_path", "/retire-" + u + "/d.exr")), 422);
        assertTrue(before.detail().contains("nothing was written"), before::toString);
        assertFalse(before.body().path("roots").toString().contains("/retire-" + u), before::toString);
        assertEquals(3, writesTo(version).size(), "refused before anything is sent");
    }

    // ---- read back and unset -------------------------------------------------------------------------

    @Test
    void readBackGivesTheStoredValueForTheAskedPlatform() {
        JsonNode written = ok(putVersion(version, link("local_path", "/lf/" + u + "/edit/cut_v3.mov"))).body();
        JsonNode linux = ok(get("Version", version, "sg_uploaded_movie", null)).body();
        assertEquals(written, linux);
        JsonNode windows = ok(get("Version", version, "sg_uploaded_movie", "windows")).body();
        assertEquals("L:\\lf\\" + u + "\\edit\\cut_v3.mov", windows.path("local_path").asText());
        assertEquals(written.path("id"), windows.path("id"));
    }

    @Test
    void deleteClearsTheFieldAndAnswersItEmpty() {
        ok(putVersion(version, link("local_path", "/lf/" + u + "/a.mov")));
        SIM.clearRequests();
        Answer cleared = ok(delete("Version", version, "sg_uploaded_movie"));
        assertEquals("null", cleared.raw());
        assertEquals(1, writesTo(version).size());
        Answer read = ok(get("Version", version, "sg_uploaded_movie", null));
        assertEquals("null", read.raw());
        // and clearing an empty field is fine too
        assertEquals("null", ok(delete("Version", version, "sg_uploaded_movie")).raw());
    }

    @Test
    void anEmptyFieldReadsAsNull() {
        assertEquals("null", ok(get("Version", version, "sg_uploaded_movie", "mac")).raw());
    }

    // ---- content type and name ------------------------------------------------------------------------

    @Test
    void nameAndContentTypeDefaultFromTheFileAndCanBeGiven() {
        JsonNode defaults = ok(putVersion(version, link("local_path", "/lf/" + u + "/rig/charA_rig.v012.ma"))).body();
        assertEquals("charA_rig.v012.ma", defaults.path("name").asText());
        assertEquals("application/mathematica", defaults.path("content_type").asText());
        JsonNode given = ok(putVersion(version, link("local_path", "/lf/" + u + "/rig/charA_rig.v012.ma",
                "name", "charA rig v12", "content_type", "application/x-maya-ascii"))).body();
        assertEquals("charA rig v12", given.path("name").asText());
        assertEquals("application/x-maya-ascii", given.path("content_type").asText());
        JsonNode unknown = ok(putVersion(version, link("local_path", "/lf/" + u + "/comp/sh010.nk"))).body();
        assertEquals("sh010.nk", unknown.path("name").asText());
        assertTrue(unknown.path("content_type").isNull(), "no guess for .nk: " + unknown);
    }

    @Test
    void eachWriteMintsANewAttachment() {
        long first = ok(putVersion(version, link("local_path", "/lf/" + u + "/a.mov"))).body().path("id").asLong();
        long second = ok(putVersion(version, link("local_path", "/lf/" + u + "/a.mov"))).body().path("id").asLong();
        assertNotEquals(first, second);
    }

    // ---- Attachments ---------------------------------------------------------------------------------

    @Test
    void attachmentWithALocalLink() {
        String body = "{\"project\":70,\"this_file\":{\"local_path\":\"L:/lf/" + u + "/ref/mood.jpg\"},"
                + "\"attachment_links\":[{\"type\":\"Version\",\"id\":" + version + "}],"
                + "\"description\":\"Mood board for sh010\",\"tag_list\":[\"reference\",\"lighting\"]}";
        Answer a = postAttachment(body, "windows");
        assertEquals(201, a.status(), a::toString);
        JsonNode att = a.body();
        assertEquals("Attachment", att.path("type").asText());
        long id = att.path("id").asLong();
        JsonNode file = att.path("this_file");
        assertEquals("local", file.path("link_type").asText());
        assertEquals(id, file.path("id").asLong());
        assertEquals("mood.jpg", file.path("name").asText());
        assertEquals("image/jpeg", file.path("content_type").asText());
        assertEquals("L:\\lf\\" + u + "\\ref\\mood.jpg", file.path("local_path").asText());
        assertEquals("/lf/" + u + "/ref/mood.jpg", file.path("local_path_linux").asText());
        assertEquals(70, att.at("/project/id").asLong());
        assertEquals(version, att.at("/attachment_links/0/id").asLong());
        assertEquals("Mood board for sh010", att.path("description").asText());
        assertEquals("[\"reference\",\"lighting\"]", att.path("tag_list").toString());
        // it really exists, and reads back through the field route
        JsonNode read = ok(get("Attachment", id, "this_file", null)).body();
        assertEquals("/lf/" + u + "/ref/mood.jpg", read.path("local_path").asText());
    }

    @Test
    void attachmentWithWebLinksOfAnyScheme() {
        for (String url : List.of("https://review.example.com/sh010/v003", "rvlink://baked/2d2d706c6179")) {
            Answer a = postAttachment("{\"project\":{\"type\":\"Project\",\"id\":70},\"this_file\":{\"url\":\"" + url
                    + "\",\"name\":\"Review\"},\"attachment_links\":[{\"type\":\"Version\",\"id\":" + version + "}]}", null);
            assertEquals(201, a.status(), a::toString);
            JsonNode file = a.body().path("this_file");
            assertEquals("web", file.path("link_type").asText());
            assertEquals(url, file.path("url").asText());
            assertEquals("Review", file.path("name").asText());
            assertFalse(file.has("local_path"));
        }
    }

    @Test
    void attachmentProjectByName() {
        Answer a = postAttachment("{\"project\":\"Demo Project\",\"this_file\":{\"url\":\"https://x.example.com/a.pdf\"}}", null);
        assertEquals(201, a.status(), a::toString);
        assertEquals(70, a.body().at("/project/id").asLong());
        assertEquals("a.pdf", a.body().at("/this_file/name").asText());
        problem(postAttachment("{\"project\":\"No such project " + u + "\",\"this_file\":{\"url\":\"https://x/a\"}}", null), 422);
    }

    @Test
    void attachmentUnderNoRootIs422AndCreatesNothing() {
        SIM.clearRequests();
        problem(postAttachment("{\"project\":70,\"this_file\":{\"local_path\":\"/nowhere-" + u + "/a.jpg\"}}", null), 422);
        assertEquals(0, SIM.requests("POST", ".*/entity/(Attachment|attachments)").size());
    }

    @Test
    void attachmentThisFileCannotChange() {
        long id = postAttachment("{\"project\":70,\"this_file\":{\"url\":\"https://x.example.com/a\"}}", null).body().path("id").asLong();
        SIM.clearRequests();
        Answer a = problem(put("Attachment", id, "this_file", link("local_path", "/lf/" + u + "/a.mov"), null), 409);
        assertTrue(a.detail().contains("POST /v1/attachments"), a::toString);
        problem(put("attachments", id, "this_file", link("local_path", "/lf/" + u + "/a.mov"), null), 409);
        problem(delete("Attachment", id, "this_file"), 409);
        assertEquals(0, SIM.requests("PUT", ".*").size(), "nothing was sent to FPTR");
    }

    // ---- bad input of every kind -----------------------------------------------------------------------

    @Test
    void badBodiesAre400AndWriteNothing() {
        SIM.clearRequests();
        String[][] cases = {
                {"{\"local_path\":\"/lf/a.mov\",\"colour\":\"red\"}", "Unknown key 'colour'"},
                {"{\"local_path\":5}", "'local_path' must be a string"},
                {"{\"local_path\":\"relative/a.mov\"}", "absolute path"},
                {"{\"local_path\":\"/lf/../etc/a.mov\"}", "'..' segment"},
                {"{\"relative_path\":\"a.mov\"}", "needs 'local_storage'"},
                {"{\"relative_path\":\"a.mov\",\"local_storage\":[1]}", "not a list"},
                {"{\"url\":\"https://x/y\"}", "POST /v1/attachments"},
                {"{}", "Say which file to link"},
                {"[1,2]", "must be a JSON object"},
                {"{\"local_path\":", "not valid JSON"},
                {"{\"local_path\":\"/lf/a.mov\",\"name\":\"\"}", "must not be empty"},
        };
        for (String[] c : cases) {
            Answer a = problem(putVersion(version, c[0]), 400);
            assertTrue(a.detail().contains(c[1]), () -> c[0] + " → " + a);
        }
        assertEquals(0, writesTo(version).size());
    }

    @Test
    void aBackslashInAMacOrLinuxPathIsA400SayingFptrRefusesItAndNothingIsSent() {
        // Was FPTR's 104 refusal answered 422 "under no LocalStorage root" (the path is under one), after a
        // write sent to FPTR and the LocalStorage cache dropped.
        SIM.clearRequests();
        for (String body : List.of(link("local_path", "/lf/" + u + "/sh010\\comp.mov"),
                json("{'project': 70, 'this_file': {'local_path': '/Volumes/lf/" + u + "/a\\\\b.pdf'}}"))) {
            Answer a = problem(body.contains("this_file") ? postAttachment(body, null) : putVersion(version, body), 400);
            assertTrue(a.detail().contains("backslash"), a::toString);
            assertTrue(a.body().path("pointer").asText().endsWith("/local_path"), a::toString);
        }
        assertEquals(0, writesTo(version).size());
        assertEquals(0, SIM.count("POST", "/api/v1(\\.1)?/entity/(Attachment|attachments)"), "no Attachment create was sent");
    }

    @Test
    void badPathPartsAndPlatformAre400() {
        assertTrue(problem(get("Version", version, "sg_uploaded_movie", "win32"), 400).detail().contains("linux, mac, windows"));
        assertTrue(problem(get("Version", "abc", "sg_uploaded_movie", null), 400).detail().contains("positive whole number"));
        problem(get("Version", "-1", "sg_uploaded_movie", null), 400);
        problem(get("Ver$ion", version, "sg_uploaded_movie", null), 400);
        assertTrue(problem(get("Version", version, "entity.Shot.code", null), 400).detail().contains("dotted"));
        assertEquals("{id}", problem(get("Version", "abc", "sg_uploaded_movie", null), 400).body().path("pointer").asText());
        assertEquals("?platform", problem(get("Version", version, "sg_uploaded_movie", "win32"), 400).body().path("pointer").asText());
    }

    @Test
    void unknownTypeAndFieldAre400AndAnUnknownIdIs404WithFptrsError() {
        // Before the failure model an unknown type or field was FPTR's own 404 here; now 400 as in every function.
        Answer type = problem(get("Spaceship", 1, "sg_uploaded_movie", null), 400);
        assertEquals("Unknown entity type", type.body().path("title").asText(), type::toString);
        assertTrue(type.body().path("upstream").path("detail").asText().contains("Spaceship"), type::toString);
        Answer field = problem(put("Version", version, "sg_no_such_field", link("local_path", "/lf/" + u + "/a.mov"), null), 400);
        assertEquals("Unknown field", field.body().path("title").asText(), field::toString);
        assertTrue(field.body().path("upstream").toString().contains("sg_no_such_field"), field::toString);
        Answer id = problem(putVersion(999_999_999L, link("local_path", "/lf/" + u + "/a.mov")), 404);
        assertTrue(id.body().path("upstream").toString().contains("999999999"), id::toString);
        Answer readId = problem(get("Version", 999_999_998L, "sg_uploaded_movie", null), 404);
        assertTrue(readId.body().has("upstream"), readId::toString);
    }

    @Test
    void aFieldThatIsNotAFileLinkFieldIs400() {
        SIM.clearRequests();
        Answer text = problem(put("Version", version, "sg_path_to_movie", link("local_path", "/lf/" + u + "/a.mov"), null), 400);
        assertTrue(text.detail().contains("Version.sg_path_to_movie is a text field, not a file/link field"), text::toString);
        assertEquals("text", text.body().path("data_type").asText());
        Answer image = problem(get("Version", version, "image", null), 400);
        assertTrue(image.detail().contains("an image field"), image::toString);
        assertEquals(0, writesTo(version).size());
    }

    @Test
    void unknownRouteIs404() {
        Answer a = LocalFileCalls.invoke(io.fptrfunctions.http.ApiGatewayEvents.route("GET /v1/nope", "/v1/nope"));
        problem(a, 404);
    }

    // ---- the LocalStorage cache ------------------------------------------------------------------------

    @Test
    void aHundredWritesReadTheLocalStoragesOnce() {
        catalog.invalidate();
        SIM.clearRequests();
        for (int i = 0; i < 100; i++) {
            ok(putVersion(version, link("local_path", "/lf/" + u + "/seq/shot_" + i + ".mov")));
        }
        assertEquals(100, writesTo(version).size());
        // One read of the catalog: page 1, then the empty page 2 that proves the end (FPTR's paging rule).
        assertEquals(2, SIM.requests("POST", ".*/entity/(LocalStorage|local_storages)/_search").size());
    }
}
