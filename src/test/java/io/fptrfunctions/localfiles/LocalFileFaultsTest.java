package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.fptr.TestClock;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.fptrfunctions.localfiles.LocalFileCalls.awaitTrue;
import static io.fptrfunctions.localfiles.LocalFileCalls.delete;
import static io.fptrfunctions.localfiles.LocalFileCalls.get;
import static io.fptrfunctions.localfiles.LocalFileCalls.newStorage;
import static io.fptrfunctions.localfiles.LocalFileCalls.newVersion;
import static io.fptrfunctions.localfiles.LocalFileCalls.postAttachment;
import static io.fptrfunctions.localfiles.LocalFileCalls.putVersion;
import static io.fptrfunctions.localfiles.LocalFileCalls.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes whose answer is lost: the simulator cuts the connection after the write was applied, answers
 * a gateway error, or is slower than the client's write timeout. The function must send the write once
 * (a repeat mints a second Attachment), say the outcome is unknown, and re-read to tell whether it landed.
 */
@QuarkusTest
class LocalFileFaultsTest {

    /** The shared FPTR simulator's admin client. */
    private static final SimAdmin SIM = FptrSimTestResource.admin();

    @Inject
    TestClock clock;

    String u;
    long version;

    @BeforeEach
    void data() {
        // FPTR's created_at and the function's "since" comparable (other tests of this Quarkus start moved its clock)
        SIM.setClock(clock.instant());
        u = unique();
        newStorage("lf-" + u, null, "/lf/" + u, null);
        version = newVersion();
        // warm the caches (token, schema, storages) so the faults hit the write itself
        assertEquals(200, putVersion(version, "{\"local_path\":\"/lf/" + u + "/warm.mov\"}").status());
        SIM.clearRequests();
    }

    @AfterEach
    void noFaultsLeft() {
        SIM.clearFaults();
    }

    String versionPath() {
        return "^/api/v1(\\.1)?/entity/[Vv]ersions?/" + version + "$";
    }

    List<JsonNode> writes() {
        return SIM.requests("PUT", "/api/v1(\\.1)?/entity/[Vv]ersions?/" + version);
    }

    Answer lost(Answer a, int status, String outcome) {
        assertEquals(status, a.status(), a::toString);
        assertEquals("application/problem+json", a.contentType());
        assertTrue(a.detail().startsWith("The outcome of the write is unknown"), a::toString);
        assertTrue(a.detail().contains("not repeated"), a::toString);
        assertEquals(outcome, a.body().path("write_outcome").asText(), a::toString);
        assertFalse(a.headers().containsKey("Retry-After"));
        return a;
    }

    @Test
    void answerCutAfterTheWriteLandedIsNotRepeatedAndReportedAsLanded() {
        SIM.fault(Map.of("method", "PUT", "path", versionPath(), "cut_after_bytes", 20));
        Answer a = lost(putVersion(version, "{\"local_path\":\"/lf/" + u + "/comp/v002.mov\"}"), 502, "landed");
        assertTrue(a.detail().contains("cut off") && a.detail().contains("it landed"), a::toString);
        assertEquals("comp/v002.mov", a.body().at("/current_value/relative_path").asText());
        assertEquals(1, writes().size(), "the write was sent exactly once");
        // FPTR indeed holds it
        assertEquals("comp/v002.mov", get("Version", version, "sg_uploaded_movie", null).body().path("relative_path").asText());
    }

    @Test
    void connectionCutBeforeFptrActedIsReportedAsNotLanded() {
        // the simulator answers without applying the write, and cuts that answer: a connection lost on the way in
        SIM.fault(Map.of("method", "PUT", "path", versionPath(), "status", 500, "cut_after_bytes", 5));
        Answer a = lost(putVersion(version, "{\"local_path\":\"/lf/" + u + "/comp/v003.mov\"}"), 502, "not_landed");
        assertTrue(a.detail().contains("did not land") && a.detail().contains("safe to send it again"), a::toString);
        assertEquals("warm.mov", a.body().at("/current_value/relative_path").asText(), "the field still holds the old link");
        assertEquals(1, writes().size());
    }

    @Test
    void gatewayErrorLeavesTheOutcomeUnknownWhenTheReadBackShowsNothing() {
        SIM.fault(Map.of("method", "PUT", "path", versionPath(), "status", 502));
        Answer a = lost(putVersion(version, "{\"local_path\":\"/lf/" + u + "/comp/v004.mov\"}"), 502, "unknown");
        assertTrue(a.detail().contains("may still be applying it"), a::toString);
        assertEquals(1, writes().size());
    }

    @Test
    void slowWriteTimesOutAs504AndIsNeverSentTwice() throws Exception {
        // the client gives a write 1.5 s in tests; the simulator takes 3 s, then applies it
        SIM.fault(Map.of("method", "PUT", "path", versionPath(), "latency_ms", 3000));
        Answer a = lost(putVersion(version, "{\"local_path\":\"/lf/" + u + "/comp/v005.mov\"}"), 504, "unknown");
        assertTrue(a.detail().contains("not received in time"), a::toString);
        // the slow write finishes on the "site" 1.5 s after the function stopped waiting
        awaitTrue(Duration.ofSeconds(10), () -> "comp/v005.mov".equals(
                get("Version", version, "sg_uploaded_movie", null).body().path("relative_path").asText()));
        assertEquals("comp/v005.mov", get("Version", version, "sg_uploaded_movie", null).body().path("relative_path").asText(),
                "it landed later, which is why the answer said unknown rather than not landed");
        assertEquals(1, writes().size(), "still exactly one write");
    }

    @Test
    void unsetWithTheAnswerCutIsReportedAsLanded() {
        SIM.fault(Map.of("method", "PUT", "path", versionPath(), "cut_after_bytes", 20));
        Answer a = lost(delete("Version", version, "sg_uploaded_movie"), 502, "landed");
        assertTrue(a.body().path("current_value").isNull(), a::toString);
        assertEquals(1, writes().size());
    }

    @Test
    void attachmentCreateWithTheAnswerCutFindsTheCreatedRowAndDoesNotMakeASecond() {
        SIM.fault(Map.of("method", "POST", "path", "^/api/v1(\\.1)?/entity/[Aa]ttachments?$", "cut_after_bytes", 20));
        Answer a = lost(postAttachment("{\"project\":70,\"this_file\":{\"local_path\":\"/lf/" + u + "/ref/plate.jpg\"},"
                + "\"attachment_links\":[{\"type\":\"Version\",\"id\":" + version + "}]}", null), 502, "landed");
        JsonNode created = a.body().path("created");
        assertEquals(1, created.size(), a::toString);
        assertEquals("ref/plate.jpg", created.at("/0/this_file/relative_path").asText());
        assertEquals(1, SIM.requests("POST", "/api/v1(\\.1)?/entity/[Aa]ttachments?").size());
    }

    @Test
    void attachmentCreateCutBeforeFptrActedIsNotLanded() {
        SIM.fault(Map.of("method", "POST", "path", "^/api/v1(\\.1)?/entity/[Aa]ttachments?$", "status", 500, "cut_after_bytes", 5));
        Answer a = lost(postAttachment("{\"project\":70,\"this_file\":{\"url\":\"https://review.example.com/" + u + "\"}}", null),
                502, "not_landed");
        assertEquals(0, a.body().path("created").size(), a::toString);
        assertEquals(1, SIM.requests("POST", "/api/v1(\\.1)?/entity/[Aa]ttachments?").size());
    }

    @Test
    void fptrUnavailableBeforeAnyWriteIs503AndSaysNothingWasWritten() {
        SIM.fault(Map.of("method", "PUT", "path", versionPath(), "status", 503, "retry_after", "1"));
        Answer a = putVersion(version, "{\"local_path\":\"/lf/" + u + "/comp/v006.mov\"}");
        assertEquals(503, a.status(), a::toString);
        assertTrue(a.detail().contains("Nothing was written"), a::toString);
        assertEquals(1, writes().size());
    }
}
