package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulator's url (file/link) fields over HTTP: local links matched against LocalStorages, web links, clearing. */
class LocalFileLinksTest extends SimHttpTest {

    /** The demo seed's storages: 1 primary /mnt/projects | /Volumes/projects | P:\, 2 renders below it. */
    JsonNode setMovie(long version, String link) {
        SimAdmin.Response r = c.put("/api/v1.1/entity/versions/" + version, "{\"sg_uploaded_movie\": " + link + "}");
        assertEquals(200, r.status(), r::toString);
        return r.json().at("/data/attributes/sg_uploaded_movie");
    }

    SimAdmin.Response putMovie(long version, String link) {
        return c.put("/api/v1.1/entity/versions/" + version, "{\"sg_uploaded_movie\": " + link + "}");
    }

    long storage(String code, String mac, String linux, String windows) {
        String body = "{\"records\":[{\"type\":\"LocalStorage\",\"code\":\"" + code + "\",\"mac_path\":" + quote(mac)
                + ",\"linux_path\":" + quote(linux) + ",\"windows_path\":" + quote(windows) + "}]}";
        SimAdmin.Response r = c.postJson("/_sim/records", body);
        assertEquals(201, r.status(), r::toString);
        return r.json().at("/ids/0").asLong();
    }

    static String quote(String s) {
        return s == null ? "null" : "\"" + s.replace("\\", "\\\\") + "\"";
    }

    @Test
    void linuxPathFillsEveryPlatformWithTheFptrShape() {
        JsonNode v = setMovie(6003, "{\"local_path\": \"/mnt/projects/demo/sh030/anim/v001/sh030.mov\"}");
        assertEquals("local", v.path("link_type").asText());
        assertEquals("sh030.mov", v.path("name").asText());
        assertEquals("video/quicktime", v.path("content_type").asText());
        assertEquals(1, v.at("/local_storage/id").asLong());
        assertEquals("LocalStorage", v.at("/local_storage/type").asText());
        assertEquals("primary", v.at("/local_storage/name").asText());
        assertEquals("demo/sh030/anim/v001/sh030.mov", v.path("relative_path").asText());
        assertEquals("/Volumes/projects/demo/sh030/anim/v001/sh030.mov", v.path("local_path_mac").asText());
        assertEquals("/mnt/projects/demo/sh030/anim/v001/sh030.mov", v.path("local_path_linux").asText());
        assertEquals("P:\\demo\\sh030\\anim\\v001\\sh030.mov", v.path("local_path_windows").asText());
        assertEquals("Attachment", v.path("type").asText());
        assertFalse(v.has("url"), "no url key over REST");
        assertFalse(v.has("local_path"), "no local_path key over REST");
        // the id is a real Attachment row holding the same link
        SimAdmin.Response a = c.get("/api/v1.1/entity/attachments/" + v.path("id").asLong() + "?fields=this_file");
        assertEquals(200, a.status(), a::toString);
        assertEquals("demo/sh030/anim/v001/sh030.mov", a.json().at("/data/attributes/this_file/relative_path").asText());
        // and reads give the same value
        JsonNode read = c.get("/api/v1.1/entity/versions/6003?fields=sg_uploaded_movie").json()
                .at("/data/attributes/sg_uploaded_movie");
        assertEquals(v, read);
    }

    @Test
    void macAndForwardSlashWindowsPathsMatchTheirRoots() {
        JsonNode mac = setMovie(6003, "{\"local_path\": \"/Volumes/projects/demo/a.ma\"}");
        assertEquals("demo/a.ma", mac.path("relative_path").asText());
        assertEquals("/mnt/projects/demo/a.ma", mac.path("local_path_linux").asText());
        JsonNode win = setMovie(6003, "{\"local_path\": \"P:/demo/a.ma\"}");
        assertEquals(1, win.at("/local_storage/id").asLong());
        assertEquals("P:\\demo\\a.ma", win.path("local_path_windows").asText());
        JsonNode lower = setMovie(6003, "{\"local_path\": \"p:/demo/a.ma\"}");
        assertEquals("demo/a.ma", lower.path("relative_path").asText());
    }

    @Test
    void deepestRootWinsWhateverTheIdsAndIdenticalRootsGoToTheHigherId() {
        // the seed's renders (id 2) sits inside primary (id 1)
        assertEquals(2, setMovie(6003, "{\"local_path\": \"/mnt/projects/renders/sh030/beauty.0001.exr\"}").at("/local_storage/id").asLong());
        assertEquals(1, setMovie(6003, "{\"local_path\": \"/mnt/projects/rendersX/beauty.0001.exr\"}").at("/local_storage/id").asLong());
        // deeper root created first, shallower second: still the deeper one
        long deep = storage("deep", null, "/srv/m/sub", null);
        long shallow = storage("shallow", null, "/srv/m", null);
        assertTrue(deep < shallow);
        JsonNode v = setMovie(6003, "{\"local_path\": \"/srv/m/sub/deep/plate.exr\"}");
        assertEquals(deep, v.at("/local_storage/id").asLong());
        assertEquals("deep/plate.exr", v.path("relative_path").asText());
        assertEquals(shallow, setMovie(6003, "{\"local_path\": \"/srv/m/other/plate.exr\"}").at("/local_storage/id").asLong());
        long twinA = storage("twin-a", null, "/srv/d", null);
        long twinB = storage("twin-b", null, "/srv/d/", null);
        assertEquals(Math.max(twinA, twinB), setMovie(6003, "{\"local_path\": \"/srv/d/p.exr\"}").at("/local_storage/id").asLong());
    }

    @Test
    void pathsUnderNoRootOrWithBackslashesAreCode104() {
        for (String path : new String[]{"/no_such_root/a.mov", "/mnt/projectsX/a.mov", "/mnt/projects",
                "P:\\\\demo\\\\a.mov"}) {
            SimAdmin.Response r = putMovie(6003, "{\"local_path\": \"" + path + "\"}");
            assertEquals(400, r.status(), r::toString);
            assertEquals(104, r.json().at("/errors/0/code").asInt());
            assertEquals("Create failed for [Attachment]: Path " + path.replace("\\\\", "\\")
                    + " doesn't match any defined Local Storage.", r.json().at("/errors/0/title").asText());
        }
        assertTrue(c.get("/api/v1.1/entity/versions/6003?fields=sg_uploaded_movie").json()
                .at("/data/attributes/sg_uploaded_movie").isNull(), "a refused write changes nothing");
    }

    @Test
    void relativePathWithStorageByIdOrName() {
        JsonNode byId = setMovie(6003, "{\"relative_path\": \"demo/b.mov\", \"local_storage\": {\"type\": \"LocalStorage\", \"id\": 2}}");
        assertEquals("/mnt/projects/renders/demo/b.mov", byId.path("local_path_linux").asText());
        assertEquals("P:\\renders\\demo\\b.mov", byId.path("local_path_windows").asText());
        JsonNode byName = setMovie(6003, "{\"relative_path\": \"demo/b.mov\", \"local_storage\": {\"type\": \"LocalStorage\", \"name\": \"primary\"}, \"name\": \"B\", \"content_type\": \"video/x-b\"}");
        assertEquals(1, byName.at("/local_storage/id").asLong());
        assertEquals("B", byName.path("name").asText());
        assertEquals("video/x-b", byName.path("content_type").asText());
    }

    @Test
    void relativePathWithoutStorageIs103AndBackslashesAreRefused() {
        SimAdmin.Response alone = putMovie(6003, "{\"relative_path\": \"demo/b.mov\"}");
        assertEquals(400, alone.status());
        assertEquals(103, alone.json().at("/errors/0/code").asInt());
        assertTrue(alone.json().at("/errors/0/title").asText().startsWith("API update() invalid/missing url hash string 'url'"));
        SimAdmin.Response back = putMovie(6003, "{\"relative_path\": \"demo\\\\b.mov\", \"local_storage\": {\"type\": \"LocalStorage\", \"id\": 1}}");
        assertEquals(400, back.status());
        assertEquals(103, back.json().at("/errors/0/code").asInt());
        SimAdmin.Response string = putMovie(6003, "\"/mnt/projects/a.mov\"");
        assertEquals(400, string.status());
        assertTrue(string.json().at("/errors/0/title").asText().contains("expected [Hash"));
    }

    @Test
    void everyAcceptedWriteMintsANewAttachmentAndNullClears() {
        long first = setMovie(6003, "{\"local_path\": \"/mnt/projects/demo/a.mov\"}").path("id").asLong();
        long second = setMovie(6003, "{\"local_path\": \"/mnt/projects/demo/a.mov\"}").path("id").asLong();
        assertNotEquals(first, second);
        assertEquals(200, c.get("/api/v1.1/entity/attachments/" + first).status(), "the previous Attachment stays");
        SimAdmin.Response cleared = putMovie(6003, "null");
        assertEquals(200, cleared.status());
        assertTrue(cleared.json().at("/data/attributes/sg_uploaded_movie").isNull());
    }

    @Test
    void webLinksKeepTheirUrl() {
        JsonNode v = setMovie(6003, "{\"url\": \"rvlink://baked/-play%20/mnt/a.mov\", \"name\": \"Play in RV\"}");
        assertEquals("web", v.path("link_type").asText());
        assertEquals("rvlink://baked/-play%20/mnt/a.mov", v.path("url").asText());
        assertEquals("Play in RV", v.path("name").asText());
        assertTrue(v.path("content_type").isNull());
        assertEquals("Attachment", v.path("type").asText());
    }

    @Test
    void attachmentThisFileIsCreateOnly() {
        SimAdmin.Response created = c.postJson("/api/v1.1/entity/attachments",
                "{\"project\": {\"type\": \"Project\", \"id\": 70}, \"this_file\": {\"local_path\": \"/mnt/projects/demo/ref.jpg\"},"
                        + " \"attachment_links\": [{\"type\": \"Version\", \"id\": 6003}]}");
        assertEquals(201, created.status(), created::toString);
        long id = created.json().at("/data/id").asLong();
        JsonNode thisFile = created.json().at("/data/attributes/this_file");
        assertEquals("local", thisFile.path("link_type").asText());
        assertEquals("image/jpeg", thisFile.path("content_type").asText());
        assertEquals(id, thisFile.path("id").asLong(), "an Attachment's own file is itself");
        SimAdmin.Response changed = c.put("/api/v1.1/entity/attachments/" + id, "{\"this_file\": {\"url\": \"https://x/y\"}}");
        assertEquals(400, changed.status());
        assertEquals("API update() Attachment.this_file is editable on create only.", changed.json().at("/errors/0/title").asText());
        assertEquals(400, c.put("/api/v1.1/entity/attachments/" + id, "{\"this_file\": null}").status());
    }
}
