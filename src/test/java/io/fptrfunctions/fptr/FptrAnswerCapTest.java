package io.fptrfunctions.fptr;

import io.fptrfunctions.deadline.Deadline;
import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FPTR answers are read up to {@code fptr.max-answer-bytes} (200 kB in the tests' configuration): a bigger one is a typed
 * refusal, never an answer held whole in memory. On the old main any size was buffered and parsed.
 */
@QuarkusTest
class FptrAnswerCapTest {

    private static final SimAdmin SIM = FptrSimTestResource.admin();

    @Inject
    FptrClient fptr;

    private long note;

    @BeforeEach
    void aLongNote() {
        note = SIM.insert(Map.of("type", "Note", "subject", "long", "content", "x".repeat(300_000),
                "project", Map.of("type", "Project", "id", 70)));
    }

    @AfterEach
    void reset() {
        SIM.reset();
    }

    @Test
    void anAnswerOverTheCapIsRefusedByItsLength() {
        FptrFailure.Refused e = assertThrows(FptrFailure.Refused.class, () -> fptr.read(Deadline.none(), "Note", note, List.of("content")));
        assertEquals(FptrFailure.Refused.Kind.ANSWER_TOO_LARGE, e.kind());
        assertTrue(e.getMessage().contains("200000 bytes"), e.getMessage());
        assertEquals("long", fptr.read(Deadline.none(), "Note", note, List.of("subject")).path("attributes").path("subject").asText(), "a small answer of the same record is read");
    }

    @Test
    void aChunkedAnswerWithoutALengthIsCutAtTheCap() {
        SIM.fault(Map.of("method", "GET", "path", "/entity/Note/" + note + "$", "chunked", true, "times", 1));
        FptrFailure.Refused e = assertThrows(FptrFailure.Refused.class, () -> fptr.read(Deadline.none(), "Note", note, List.of("content")));
        assertEquals(FptrFailure.Refused.Kind.ANSWER_TOO_LARGE, e.kind());
        assertTrue(SIM.faults().isEmpty(), "the chunked answer was the one read");
    }

    @Test
    void aNoteSearchWhosePageIsOverTheCapIsA422ThatSaysWhatToDo() throws Exception {
        String body = "{\"project\": 70, \"text\": \"long\", \"fields\": [\"content\"]}";
        Answer response = ApiGatewayEvents.route("POST /v1/notes/search", "/v1/notes/search").body(body).invoke("note-search");
        assertEquals(422, response.status(), response::toString);
        JsonNode problem = response.body();
        assertEquals(1, problem.path("page").asInt(), problem.toString());
        assertTrue(problem.path("detail").asText().contains("fptr.max-answer-bytes"), problem.toString());
    }
}
