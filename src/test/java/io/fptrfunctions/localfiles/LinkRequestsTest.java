package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.http.ProblemException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinkRequestsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    static String refused(String body) {
        ProblemException e = assertThrows(ProblemException.class, () -> LinkRequests.local(json(body), ""), body);
        assertEquals(400, e.status(), body);
        return e.detail();
    }

    @Test
    void localPathDefaultsNameAndContentTypeFromTheFile() {
        LinkRequest.LocalPath l = (LinkRequest.LocalPath) LinkRequests.local(json("{'local_path':'/mnt/projects/a/plate.v001.mov'}"), "");
        assertEquals("/mnt/projects/a/plate.v001.mov", l.path());
        assertEquals("plate.v001.mov", l.name());
        assertEquals("video/quicktime", l.contentType());
    }

    @Test
    void namesAndContentTypesGivenWin() {
        LinkRequest l = LinkRequests.local(json("{'local_path':'M:\\\\p\\\\a.ma','name':'Rig','content_type':'application/x-maya'}"), "");
        assertEquals("Rig", l.name());
        assertEquals("application/x-maya", l.contentType());
    }

    @Test
    void unknownExtensionLeavesTheContentTypeToFptr() {
        assertNull(LinkRequests.local(json("{'local_path':'/mnt/projects/comp.nk'}"), "").contentType());
    }

    @Test
    void relativePathTakesAStorageByNameIdOrFptrObject() {
        LinkRequest.Relative byName = (LinkRequest.Relative) LinkRequests.local(json("{'relative_path':'a/b.exr','local_storage':'primary'}"), "");
        assertEquals("primary", byName.storage().name());
        assertEquals("b.exr", byName.name());
        LinkRequest.Relative byId = (LinkRequest.Relative) LinkRequests.local(json("{'relative_path':'a/b.exr','local_storage':3}"), "");
        assertEquals(3L, byId.storage().id());
        LinkRequest.Relative byObject = (LinkRequest.Relative) LinkRequests.local(
                json("{'relative_path':'a/b.exr','local_storage':{'type':'LocalStorage','name':'primary'}}"), "");
        assertEquals("primary", byObject.storage().name());
    }

    @Test
    void badBodiesAreRefusedWithTheKeyNamed() {
        assertTrue(refused("{}").contains("local_path"));
        assertTrue(refused("{'local_path':'/a/b.exr','colour':'red'}").contains("Unknown key colour"));
        assertTrue(refused("{'url':'https://x/y.mov'}").contains("POST /v1/attachments"));
        assertTrue(refused("{'local_path':42}").contains("must be a string, not a number"));
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
        assertTrue(refused("{'relative_path':'a/b.exr','local_storage':true}").contains("not a boolean"));
        assertTrue(refused("{'relative_path':'a/b.exr','local_storage':-2}").contains("positive"));
        assertTrue(refused("{'relative_path':'a/b.exr','local_storage':{'type':'Shot','id':2}}").contains("LocalStorage"));
        assertTrue(refused("{'local_path':'/a/b.exr','name':7}").contains("'name' must be a string"));
        assertTrue(refused("{'local_path':'/a/b.exr','content_type':'quicktime'}").contains("media type"));
    }

    @Test
    void attachmentsTakeWebLinksWithAnyScheme() {
        LinkRequest.Web web = (LinkRequest.Web) LinkRequests.localOrWeb(json("{'url':'rvlink://baked/ -play /mnt/a.mov'}".replace(" ", "%20")), "this_file.");
        assertEquals("rvlink://baked/%20-play%20/mnt/a.mov", web.url());
        LinkRequest.Web named = (LinkRequest.Web) LinkRequests.localOrWeb(json("{'url':'https://review.example.com/v/plate.mov?t=3','name':'Plate'}"), "this_file.");
        assertEquals("Plate", named.name());
        assertNull(named.contentType());
        assertEquals("plate.mov", LinkRequests.urlName("https://review.example.com/v/plate.mov?t=3"));
        assertEquals("https://example.com", LinkRequests.urlName("https://example.com"));
        ProblemException noScheme = assertThrows(ProblemException.class,
                () -> LinkRequests.localOrWeb(json("{'url':'review.example.com/a.mov'}"), "this_file."));
        assertTrue(noScheme.detail().contains("'this_file.url' must be an absolute URL"));
        ProblemException mixed = assertThrows(ProblemException.class,
                () -> LinkRequests.localOrWeb(json("{'url':'https://a/b','local_path':'/a/b'}"), "this_file."));
        assertTrue(mixed.detail().contains("cannot be combined"));
        assertInstanceOf(LinkRequest.LocalPath.class, LinkRequests.localOrWeb(json("{'local_path':'/a/b.exr'}"), "this_file."));
    }

    @Test
    void attachmentBodiesAreChecked() {
        AttachmentRequest ok = AttachmentRequest.parse(json("{'project':70,'this_file':{'local_path':'/a/b.exr'},"
                + "'attachment_links':[{'type':'Version','id':5}],'description':'d','tag_list':['x']}"));
        assertEquals(70L, ok.projectId());
        assertEquals(1, ok.attachmentLinks().size());
        assertEquals("Demo", AttachmentRequest.parse(json("{'project':'Demo','this_file':{'url':'https://a/b'}}")).projectName());
        assertEquals(70L, AttachmentRequest.parse(json("{'project':{'type':'Project','id':70},'this_file':{'url':'https://a/b'}}")).projectId());
        for (String[] bad : new String[][]{
                {"{'this_file':{'url':'https://a/b'}}", "'project' is required"},
                {"{'project':70}", "'this_file' is required"},
                {"{'project':70,'this_file':'https://a/b'}", "'this_file' must be an object"},
                {"{'project':true,'this_file':{'url':'https://a/b'}}", "'project' must be"},
                {"{'project':0,'this_file':{'url':'https://a/b'}}", "positive"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'attachment_links':{'type':'Shot','id':1}}", "must be an array"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'attachment_links':[{'type':'Shot','id':'1'}]}", "attachment_links[0].id"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'attachment_links':[{'id':1}]}", "attachment_links[0].type"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'tag_list':'x'}", "'tag_list' must be an array"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'tag_list':[3]}", "tag_list[0]"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'description':5}", "'description' must be a string"},
                {"{'project':70,'this_file':{'url':'https://a/b'},'sg_status_list':'fin'}", "Unknown key sg_status_list"},
        }) {
            ProblemException e = assertThrows(ProblemException.class, () -> AttachmentRequest.parse(json(bad[0])), bad[0]);
            assertEquals(400, e.status());
            assertTrue(e.detail().contains(bad[1]), () -> bad[0] + " → " + e.detail());
        }
    }

    @Test
    void entityFieldsAreChecked() {
        EntityField ok = EntityField.of("Version", "12", "sg_path");
        assertEquals(12L, ok.id());
        assertTrue(EntityField.of("attachments", "1", "this_file").isAttachmentThisFile());
        for (String[] bad : new String[][]{{"Ver sion", "1", "f"}, {"Version", "abc", "f"}, {"Version", "0", "f"},
                {"Version", "-3", "f"}, {"Version", "99999999999999999999", "f"}, {"Version", "1", "entity.Shot.code"},
                {"Version", "1", "sg-path"}}) {
            ProblemException e = assertThrows(ProblemException.class, () -> EntityField.of(bad[0], bad[1], bad[2]));
            assertEquals(400, e.status());
        }
    }

    @Test
    void platformsAreLinuxMacWindows() {
        assertEquals(Platform.LINUX, Platform.fromQuery(null));
        assertEquals(Platform.WINDOWS, Platform.fromQuery("windows"));
        assertEquals(400, assertThrows(ProblemException.class, () -> Platform.fromQuery("win32")).status());
    }
}
