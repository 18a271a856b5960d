package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.Input;
import io.fptrfunctions.http.ProblemException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalFileRequestsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static Input json(String s) {
        try {
            return Input.of(JSON.readTree(s.replace('\'', '"')));
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** {@code this_file} of an attachment body: the pointers are those of the whole body. */
    static Input thisFile(String s) {
        return json("{'this_file':" + s + "}").member("this_file");
    }

    static String refused(String body) {
        return refusedAt(body, null);
    }

    static String refusedAt(String body, String pointer) {
        ProblemException e = assertThrows(ProblemException.class, () -> LocalFileRequests.local(json(body)), body);
        assertEquals(400, e.status(), body);
        if (pointer != null) {
            assertEquals(pointer, e.extensions().get("pointer"), body);
        }
        return e.detail();
    }

    @Test
    void localPathDefaultsNameAndContentTypeFromTheFile() {
        LinkRequest.LocalPath l = (LinkRequest.LocalPath) LocalFileRequests.local(json("{'local_path':'/mnt/projects/a/plate.v001.mov'}"));
        assertEquals("/mnt/projects/a/plate.v001.mov", l.path());
        assertEquals("plate.v001.mov", l.name());
        assertEquals("video/quicktime", l.contentType());
    }

    @Test
    void namesAndContentTypesGivenWin() {
        LinkRequest l = LocalFileRequests.local(json("{'local_path':'M:\\\\p\\\\a.ma','name':'Rig','content_type':'application/x-maya'}"));
        assertEquals("Rig", l.name());
        assertEquals("application/x-maya", l.contentType());
    }

    @Test
    void unknownExtensionLeavesTheContentTypeToFptr() {
        assertNull(LocalFileRequests.local(json("{'local_path':'/mnt/projects/comp.nk'}")).contentType());
    }

    @Test
    void relativePathTakesAStorageByNameIdOrFptrObject() {
        LinkRequest.Relative byName = (LinkRequest.Relative) LocalFileRequests.local(json("{'relative_path':'a/b.exr','local_storage':'primary'}"));
        assertEquals("primary", byName.storage().name());
        assertEquals("b.exr", byName.name());
        LinkRequest.Relative byId = (LinkRequest.Relative) LocalFileRequests.local(json("{'relative_path':'a/b.exr','local_storage':3}"));
        assertEquals(3L, byId.storage().id());
        LinkRequest.Relative byObject = (LinkRequest.Relative) LocalFileRequests.local(
                json("{'relative_path':'a/b.exr','local_storage':{'type':'LocalStorage','name':'primary'}}"));
        assertEquals("primary", byObject.storage().name());
    }

    @Test
    void badBodiesAreRefusedWithTheKeyNamed() {
        assertTrue(refusedAt("{}", "").contains("local_path"));
        assertTrue(refusedAt("{'local_path':'/a/b.exr','colour':'red'}", "/colour").contains("Unknown key 'colour'"));
        assertTrue(refusedAt("{'url':'https://x/y.mov'}", "/url").contains("POST /v1/attachments"));
        assertTrue(refusedAt("{'local_path':42}", "/local_path").contains("must be a string, not a number"));
        assertTrue(refused("{'local_path':''}").contains("must not be empty"));
        assertTrue(refused("{'local_path':'plate.exr'}").contains("absolute path"));
        assertTrue(refused("{'local_path':'/mnt/projects/../etc/passwd'}").contains("'..' segment"));
        assertTrue(refused("{'local_path':'/mnt/projects/a/'}").contains("ends with a separator"));
        assertTrue(refused("{'local_path':'/mnt/projects/a\\nb.exr'}").contains("control character"));
        assertTrue(refused("{'local_path':'/a/b.exr','relative_path':'b.exr','local_storage':1}").contains("not both"));
        assertTrue(refused("{'relative_path':'a/b.exr'}").contains("needs 'local_storage'"));
        assertTrue(refused("{'local_storage':'primary'}").contains("needs 'relative_path'"));
        assertTrue(refused("{'relative_path':'a\\\\b.exr','local_storage':1}").contains("forward slashes"));
        assertTrue(refused("{'relative_path':'/a/b.exr','local_storage':1}").contains("must not start with '/'"));
        assertTrue(refusedAt("{'relative_path':'a/b.exr','local_storage':true}", "/local_storage").contains("not a boolean"));
        assertTrue(refusedAt("{'relative_path':'a/b.exr','local_storage':-2}", "/local_storage").contains("positive"));
        assertTrue(refusedAt("{'relative_path':'a/b.exr','local_storage':{'type':'Shot','id':2}}", "/local_storage/type")
                .contains("LocalStorage"));
        assertTrue(refused("{'local_path':'/a/b.exr','name':7}").contains("'name' must be a string"));
        assertTrue(refused("{'local_path':'/a/b.exr','content_type':'quicktime'}").contains("media type"));
    }

    @Test
    void attachmentsTakeWebLinksWithAnyScheme() {
        LinkRequest.Web web = (LinkRequest.Web) LocalFileRequests.localOrWeb(thisFile("{'url':'rvlink://baked/ -play /mnt/a.mov'}".replace(" ", "%20")));
        assertEquals("rvlink://baked/%20-play%20/mnt/a.mov", web.url());
        LinkRequest.Web named = (LinkRequest.Web) LocalFileRequests.localOrWeb(thisFile("{'url':'https://review.example.com/v/plate.mov?t=3','name':'Plate'}"));
        assertEquals("Plate", named.name());
        assertNull(named.contentType());
        assertEquals("plate.mov", LocalFileRequests.urlName("https://review.example.com/v/plate.mov?t=3"));
        assertEquals("https://example.com", LocalFileRequests.urlName("https://example.com"));
        ProblemException noScheme = assertThrows(ProblemException.class,
                () -> LocalFileRequests.localOrWeb(thisFile("{'url':'review.example.com/a.mov'}")));
        assertTrue(noScheme.detail().contains("'this_file/url' must be an absolute URL"), noScheme.detail());
        assertEquals("/this_file/url", noScheme.extensions().get("pointer"));
        ProblemException mixed = assertThrows(ProblemException.class,
                () -> LocalFileRequests.localOrWeb(thisFile("{'url':'https://a/b','local_path':'/a/b'}")));
        assertTrue(mixed.detail().contains("cannot be combined"));
        assertInstanceOf(LinkRequest.LocalPath.class, LocalFileRequests.localOrWeb(thisFile("{'local_path':'/a/b.exr'}")));
    }

    @Test
    void attachmentBodiesAreChecked() {
        AttachmentRequest ok = LocalFileRequests.attachment(json("{'project':70,'this_file':{'local_path':'/a/b.exr'},"
                + "'attachment_links':[{'type':'Version','id':5}],'description':'d','tag_list':['x']}"));
        assertEquals(70L, ok.projectId());
        assertEquals(1, ok.attachmentLinks().size());
        assertEquals("Demo", LocalFileRequests.attachment(json("{'project':'Demo','this_file':{'url':'https://a/b'}}")).projectName());
        assertEquals(70L, LocalFileRequests.attachment(json("{'project':{'type':'Project','id':70},'this_file':{'url':'https://a/b'}}")).projectId());
        for (String[] bad : new String[][]{
                {"{'this_file':{'url':'https://a/b'}}", "'project' is required", "/project"},
                {"{'project':70}", "'this_file' is required", "/this_file"},
                {"{'project':70,'this_file':'https://a/b'}", "'this_file' must be an object", "/this_file"},
                {"{'project':true,'this_file':{'url':'https://a/b'}}", "'project' must be", "/project"},
                {"{'project':0,'this_file':{'url':'https://a/b'}}", "positive", "/project"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'attachment_links':{'type':'Shot','id':1}}", "must be a list", "/attachment_links"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'attachment_links':[{'type':'Shot','id':'1'}]}", "'attachment_links/0/id'", "/attachment_links/0/id"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'attachment_links':[{'id':1}]}", "'attachment_links/0/type'", "/attachment_links/0/type"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'tag_list':'x'}", "'tag_list' must be a list", "/tag_list"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'tag_list':[3]}", "'tag_list/0'", "/tag_list/0"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'description':5}", "'description' must be a string", "/description"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'sg_status_list':'fin'}", "Unknown key 'sg_status_list'", "/sg_status_list"},
                {"{'project':70,'this_file':{'url':'https://a/b','colour':1}}", "Unknown key 'this_file/colour'", "/this_file/colour"},
        }) {
            ProblemException e = assertThrows(ProblemException.class, () -> LocalFileRequests.attachment(json(bad[0])), bad[0]);
            assertEquals(400, e.status());
            assertTrue(e.detail().contains(bad[1]), () -> bad[0] + " → " + e.detail());
            assertEquals(bad[2], e.extensions().get("pointer"), bad[0]);
        }
    }

    @Test
    void pathAndQueryParametersAreReadInTheSameStyle() {
        EntityField ok = LocalFileRequests.target(request("Version", "12", "sg_path", null));
        assertEquals(12L, ok.id());
        assertTrue(LocalFileRequests.target(request("attachments", "1", "this_file", null)).isAttachmentThisFile());
        for (String[] bad : new String[][]{{"Ver sion", "1", "f", "{type}"}, {"Version", "abc", "f", "{id}"},
                {"Version", "0", "f", "{id}"}, {"Version", "-3", "f", "{id}"}, {"Version", "99999999999999999999", "f", "{id}"},
                {"Version", "1", "entity.Shot.code", "{field}"}, {"Version", "1", "sg-path", "{field}"}}) {
            ProblemException e = assertThrows(ProblemException.class,
                    () -> LocalFileRequests.target(request(bad[0], bad[1], bad[2], null)));
            assertEquals(400, e.status());
            assertEquals(bad[3], e.extensions().get("pointer"), e.detail());
        }
    }

    @Test
    void platformsAreLinuxMacWindows() {
        assertEquals(Platform.LINUX, LocalFileRequests.platform(request("Version", "1", "f", null)));
        assertEquals(Platform.WINDOWS, LocalFileRequests.platform(request("Version", "1", "f", "windows")));
        ProblemException e = assertThrows(ProblemException.class,
                () -> LocalFileRequests.platform(request("Version", "1", "f", "win32")));
        assertEquals(400, e.status());
        assertEquals("?platform", e.extensions().get("pointer"));
        assertTrue(e.detail().contains("linux, mac, windows"), e.detail());
    }

    private static io.fptrfunctions.http.ApiRequest request(String type, String id, String field, String platform) {
        ApiGatewayEvents event = ApiGatewayEvents.route("GET " + LocalFileHandler.FIELD_ROUTE, "/v1/x")
                .pathParameter("type", type).pathParameter("id", id).pathParameter("field", field);
        if (platform != null) {
            event.query("platform", platform);
        }
        return ApiGatewayEvents.request(event);
    }

    // ---- limits (README "local-file", "Limits") ----

    @Test
    void listsAndNamesOfAnAttachmentAreBounded() {
        StringBuilder links = new StringBuilder();
        for (int i = 1; i <= LocalFileRequests.MAX_LINKS + 1; i++) {
            links.append(i == 1 ? "" : ",").append("{'type':'Version','id':").append(i).append('}');
        }
        String file = "'this_file':{'local_path':'/mnt/projects/a.mov'}";
        ProblemException tooMany = assertThrows(ProblemException.class,
                () -> LocalFileRequests.attachment(json("{'project':70," + file + ",'attachment_links':[" + links + "]}")));
        assertEquals("/attachment_links", tooMany.extensions().get("pointer"));
        assertEquals("'attachment_links' has 101 items; at most 100 are allowed.", tooMany.detail());

        ProblemException tags = assertThrows(ProblemException.class,
                () -> LocalFileRequests.attachment(json("{'project':70," + file + ",'tag_list':[" + "'t',".repeat(100) + "'t']}")));
        assertEquals("/tag_list", tags.extensions().get("pointer"));

        ProblemException project = assertThrows(ProblemException.class,
                () -> LocalFileRequests.attachment(json("{'project':'" + "p".repeat(300) + "'," + file + "}")));
        assertEquals("/project", project.extensions().get("pointer"));

        assertEquals("/local_storage", assertThrows(ProblemException.class, () -> LocalFileRequests.local(
                json("{'relative_path':'a/b.mov','local_storage':'" + "s".repeat(300) + "'}"))).extensions().get("pointer"));
        refusedAt("{'local_path':'/mnt/" + "a".repeat(LocalFileRequests.MAX_PATH) + "'}", "/local_path");
    }
}
