package io.fptrfunctions.fptr;

import io.fptrfunctions.deadline.Deadline;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.fptrfunctions.telemetry.EmfLines;
import io.fptrfunctions.telemetry.Invocations;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client's happy path and FPTR's refusals, against the simulator over HTTP. */
@QuarkusTest
class FptrClientTest {

    /** The shared FPTR simulator's admin client. */
    private static final SimAdmin SIM = FptrSimTestResource.admin();

    private static final String SEARCH = "/api/v1\\.1/entity/[^/]+/_search";

    @Inject
    FptrClient fptr;

    @Inject
    FptrTokens tokens;

    @Inject
    TestClock clock;

    @Inject
    ObjectMapper mapper;

    @Inject
    Invocations invocations;

    @BeforeEach
    void freshSite() {
        FptrSimTestResource.freshSite(clock);
    }

    @Test
    void searchPageReturnsRecordsAndIsAcceptedWithTheHashVendorType() {
        List<JsonNode> projects = fptr.searchPage(Deadline.none(), "Project", null, List.of("name"), "id", 10, 1);

        assertFalse(projects.isEmpty(), "the seed has projects");
        ObjectNode flat = FptrRecords.flatten(projects.get(0));
        assertEquals("Project", flat.path("type").asText());
        assertTrue(flat.path("id").isNumber());
        JsonNode search = SIM.requests(null, SEARCH).get(0);
        // FPTR (and the simulator) answer 415 to a _search sent as plain application/json.
        assertEquals(200, search.path("status").asInt(), search.toString());
        assertEquals(1, SIM.mints());
    }

    @Test
    void pagePastTheEndIsEmpty() {
        assertTrue(fptr.searchPage(Deadline.none(), "Project", null, List.of("name"), null, 5, 1000).isEmpty());
    }

    @Test
    void readOfAMissingRecordIsRefusedAsNotFoundWithFptrsError() {
        FptrFailure.Refused e = assertThrows(FptrFailure.Refused.class, () -> fptr.read(Deadline.none(), "Project", 987654321L, List.of("name")));

        assertEquals(FptrFailure.Refused.Kind.NOT_FOUND, e.kind());
        assertEquals(404, e.status());
        assertEquals(104, e.code());
        assertNotNull(e.upstream());
        assertEquals(404, e.upstream().path("status").asInt());
    }

    @Test
    void anUnknownEntityTypeAndAnUnknownFieldAreToldApart() {
        FptrFailure.Refused type = assertThrows(FptrFailure.Refused.class, () -> fptr.read(Deadline.none(), "Spaceship", 1, List.of("code")));
        assertEquals(FptrFailure.Refused.Kind.UNKNOWN_ENTITY_TYPE, type.kind(), type.getMessage());
        FptrFailure.Refused schemaType = assertThrows(FptrFailure.Refused.class, () -> fptr.fieldSchema(Deadline.none(), "Spaceship", "code"));
        assertEquals(FptrFailure.Refused.Kind.UNKNOWN_ENTITY_TYPE, schemaType.kind(), schemaType.getMessage());
        FptrFailure.Refused field = assertThrows(FptrFailure.Refused.class, () -> fptr.fieldSchema(Deadline.none(), "Project", "sg_nope"));
        assertEquals(FptrFailure.Refused.Kind.UNKNOWN_FIELD, field.kind(), field.getMessage());
    }

    @Test
    void unknownFieldInAFilterIsRefusedAsAnUnknownFieldWithFptrsCode() throws Exception {
        JsonNode filter = mapper.readTree("""
                {"logical_operator":"and","conditions":[["not_existing_field","is","x"]]}""");

        FptrFailure.Refused e = assertThrows(FptrFailure.Refused.class, () -> fptr.searchPage(Deadline.none(), "Project", filter, null, null, 10, 1));

        assertEquals(FptrFailure.Refused.Kind.UNKNOWN_FIELD, e.kind());
        assertEquals(400, e.status());
        assertEquals(103, e.code());
        assertTrue(e.title().contains("not_existing_field"), e.title());
    }

    @Test
    void anOperatorTheFieldDoesNotTakeIsAnInvalidRequest() throws Exception {
        JsonNode filter = mapper.readTree("""
                {"logical_operator":"and","conditions":[["name","no_such_operator","x"]]}""");

        FptrFailure.Refused e = assertThrows(FptrFailure.Refused.class, () -> fptr.searchPage(Deadline.none(), "Project", filter, null, null, 10, 1));

        assertEquals(FptrFailure.Refused.Kind.INVALID_REQUEST, e.kind(), e.getMessage());
    }

    /**
     * FPTR refuses what the script (or the sudo user) may not do with a 400, not a 403: its words name the user
     * (sg-groundtruth 094 and 027, measured as an Artist). They are the function's permissions, not a mistake of
     * its caller's.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "The field is not editable for this user: [Note.subject].",
            "Entity of type Note cannot be created by this user.",
            "Entity of type Note can not be deleted by this user.",
            "Entity of type Note can not be accessed by this user. Rule: Artist"})
    void fptrsPermissionRefusalsAre400sTheirWordsTellFromABadRequest(String title) throws Exception {
        SIM.fault(Map.of("method", "POST", "path", "/entity/(Note|notes)$", "status", 400, "code", 104, "title", title));

        FptrFailure.Refused e = assertThrows(FptrFailure.Refused.class,
                () -> fptr.create(Deadline.none(), "Note", mapper.readTree("{\"subject\":\"x\"}")));

        assertEquals(FptrFailure.Refused.Kind.PERMISSION_DENIED, e.kind(), e.getMessage());
        assertEquals(400, e.status());
        assertEquals(title, e.title());
    }

    @Test
    void a401ThatAFreshTokenGetsTooAndNamesThePermissionIsAPermissionRefusal() {
        // GET /license_info as an Artist: 401 "Must sudo as Administrator to query license information" (sg-groundtruth 027)
        SIM.fault(Map.of("method", "POST", "path", SEARCH, "times", 2, "status", 401, "code", 102,
                "title", "Must sudo as Administrator to query license information"));

        FptrFailure.Refused e = assertThrows(FptrFailure.Refused.class, () -> fptr.searchPage(Deadline.none(), "Project", null, null, null, 1, 1));

        assertEquals(FptrFailure.Refused.Kind.PERMISSION_DENIED, e.kind(), e.getMessage());
        assertEquals(401, e.status());
        assertEquals(2, SIM.count("POST", SEARCH), "one more try with a fresh token, as for any 401");
    }

    @Test
    void readReturnsTheRecordAndCreateAndUpdateWrite() throws Exception {
        long projectId = fptr.searchPage(Deadline.none(), "Project", null, List.of("name"), "id", 1, 1).get(0).path("id").asLong();
        JsonNode note = fptr.create(Deadline.none(), "Note", mapper.readTree("""
                {"subject":"client test","content":"hello","project":{"type":"Project","id":%d}}""".formatted(projectId)));
        long noteId = note.path("id").asLong();
        assertTrue(noteId > 0);

        fptr.update(Deadline.none(), "Note", noteId, mapper.readTree("{\"subject\":\"client test, updated\"}"));
        JsonNode read = fptr.read(Deadline.none(), "Note", noteId, List.of("subject", "project"));

        ObjectNode flat = FptrRecords.flatten(read);
        assertEquals("client test, updated", flat.path("subject").asText());
        assertEquals(projectId, flat.path("project").path("id").asLong());
        assertEquals(1, SIM.mints(), "one token for all four calls");
    }

    /** Bodies go as UTF-8 JSON: what is written is read back and matched as it was, whatever its characters. */
    @Test
    void unicodeAndJsonSpecialCharactersSurviveAWriteAReadAndAFilter() throws Exception {
        String subject = "Café ✓ 🎬 日本 \"quoted\" back\\slash & % + # ?";
        long projectId = fptr.searchPage(Deadline.none(), "Project", null, List.of("name"), "id", 1, 1).get(0).path("id").asLong();
        ObjectNode body = mapper.createObjectNode().put("subject", subject);
        body.set("project", FptrFilter.entity("Project", projectId));
        long id = fptr.create(Deadline.none(), "Note", body).path("id").asLong();

        assertEquals(subject, fptr.read(Deadline.none(), "Note", id, List.of("subject")).path("attributes").path("subject").asText());
        List<JsonNode> found = fptr.searchPage(Deadline.none(), "Note", FptrFilter.and(FptrFilter.condition("subject", "is", subject)),
                List.of("subject"), null, 10, 1);
        assertEquals(List.of(id), found.stream().map(n -> n.path("id").asLong()).toList());
    }

    @Test
    void a401DropsTheTokenMintsOnceAndRetriesTheCallOnce() {
        fptr.searchPage(Deadline.none(), "Project", null, List.of("name"), null, 1, 1);
        SIM.fault(Map.of("method", "POST", "path", SEARCH, "times", 1, "expire_token", true));
        SIM.clearRequests();

        assertFalse(fptr.searchPage(Deadline.none(), "Project", null, List.of("name"), null, 1, 1).isEmpty());

        List<String> calls = SIM.requests().stream().map(r -> r.path("method").asText() + " " + r.path("status").asInt()).toList();
        assertEquals(1, SIM.mints(), calls.toString());
        assertEquals(2, SIM.count("POST", SEARCH), calls.toString());
        assertEquals(List.of("POST 401", "POST 200", "POST 200"), calls);
    }

    /** The metrics count what the caller got: a call a fresh token gets past is answered, not also refused. */
    @Test
    void a401ThatTheReMintGetsPastIsCountedOnceAsAnswered() {
        fptr.searchPage(Deadline.none(), "Project", null, List.of("name"), null, 1, 1);
        SIM.fault(Map.of("method", "POST", "path", SEARCH, "times", 1, "expire_token", true));

        JsonNode line = EmfLines.of(() -> invocations.run("note-search", null,
                () -> fptr.searchPage(Deadline.none(), "Project", null, List.of("name"), null, 1, 1)));

        assertEquals(0, EmfLines.value(line, "FptrCallsRefused"), line.toString());
        assertEquals(2, EmfLines.value(line, "FptrCallsOk"), "the mint and the search: " + line);
        assertEquals(1, EmfLines.value(line, "TokenMints"), line.toString());
    }

    @Test
    void a401ThatTheReMintGetsTooIsCountedOnceAsRefused() {
        SIM.fault(Map.of("method", "POST", "path", SEARCH, "times", 5, "status", 401));

        JsonNode line = EmfLines.of(() -> invocations.run("note-search", null, () ->
                assertThrows(FptrFailure.Refused.class, () -> fptr.searchPage(Deadline.none(), "Project", null, null, null, 1, 1))));

        assertEquals(1, EmfLines.value(line, "FptrCallsRefused"), "the search, once: " + line);
        assertEquals(2, EmfLines.value(line, "FptrCallsOk"), "the two mints: " + line);
    }

    @Test
    void a401AfterTheReMintIsFptrsErrorNotALoop() {
        SIM.fault(Map.of("method", "POST", "path", SEARCH, "times", 5, "status", 401));

        FptrFailure.Refused e = assertThrows(FptrFailure.Refused.class, () -> fptr.searchPage(Deadline.none(), "Project", null, null, null, 1, 1));

        assertEquals(401, e.status());
        assertEquals(FptrFailure.Refused.Kind.OTHER, e.kind());
        assertEquals(2, SIM.mints());
        assertEquals(2, SIM.count("POST", SEARCH));
    }

    @Test
    void pageSizeAboveTheMaximumIsRefusedBeforeCallingFptr() {
        assertEquals(5000, fptr.maxPageSize());
        assertThrows(IllegalArgumentException.class, () -> fptr.searchPage(Deadline.none(), "Project", null, null, null, 5001, 1));
        assertTrue(SIM.requests().isEmpty());
    }

    @Test
    void aUserCanMintWithThePasswordGrant() {
        URI site = URI.create(FptrSimTestResource.baseUrl());
        AccessToken token = tokens.token(Deadline.none(), new FptrCredentials(site, FptrCredentials.Grant.USER, "jdoe", "demo-password"), null);

        assertFalse(token.value().isBlank());
        assertEquals(1, SIM.mints());
        FptrFailure.CredentialsRefused e = assertThrows(FptrFailure.CredentialsRefused.class, () -> tokens.token(Deadline.none(), 
                new FptrCredentials(site, FptrCredentials.Grant.USER, "jsmith", "not-the-password"), null));
        assertTrue(e.getMessage().contains("Can't authenticate user 'jsmith'"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-password"));
        assertFalse(e.upstream().toString().contains("not-the-password"));
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 308})
    void aSiteThatRedirectsItsTokenEndpointIsMisconfiguredNotFptrRefusing(int status) {
        SIM.fault(Map.of("method", "POST", "path", "/auth/access_token$", "status", status, "times", 5));

        FptrFailure.Misconfigured e = assertThrows(FptrFailure.Misconfigured.class,
                () -> fptr.searchPage(Deadline.none(), "Project", null, null, null, 1, 1));

        assertTrue(e.getMessage().contains("site's current address"), e.getMessage());
        assertEquals(1, SIM.mints(), "not retried, and no data call without a token");
        assertEquals(1, SIM.requests().size());
    }

    @Test
    void credentialsNeverPrintTheirSecret() {
        FptrCredentials credentials = new FptrCredentials(URI.create("https://x.example"), FptrCredentials.Grant.SCRIPT,
                "fptr-functions", "s3cr3t-key");
        assertFalse(credentials.toString().contains("s3cr3t-key"));
        assertFalse(new AccessToken("tok-123", java.time.Instant.now(), null).toString().contains("tok-123"));
    }
}
