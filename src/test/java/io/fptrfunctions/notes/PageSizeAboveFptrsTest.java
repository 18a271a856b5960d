package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.fptr.LogCapture;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.fptrfunctions.sweep.SweepHandler;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code fptr.max-page-size} set above FPTR's own page limit (5000; the simulator's is FPTR's): refused as the
 * function not configured, before anything reaches FPTR, instead of FPTR's 400 to every caller. A configuration of
 * its own.
 */
@QuarkusTest
@TestProfile(PageSizeAboveFptrsTest.PagesOf6000.class)
class PageSizeAboveFptrsTest {

    private static final SimAdmin SIM = FptrSimTestResource.admin();

    public static class PagesOf6000 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fptr.max-page-size", "6000");
        }
    }

    @Inject
    SweepHandler sweep;

    @Inject
    ObjectMapper mapper;

    @BeforeEach
    void cleanSite() {
        SIM.reset();
        SIM.clearRequests();
    }

    /** One test: the ERROR line is the application's first refusal, whichever function meets it. */
    @Test
    void everySearchIsRefusedAsNotConfiguredNamingTheSettingLoggedOnceAndNothingReachesFptr() {
        List<Answer> answers;
        JsonNode swept;
        List<String> errors;
        try (LogCapture log = LogCapture.start()) {
            answers = List.of(search(), search());
            swept = mapper.valueToTree(sweep.handleRequest(mapper.createObjectNode(), null));
            errors = log.lines().stream().filter(l -> l.contains("FPTR_MAX_PAGE_SIZE") && l.contains("is refused until")).toList();
        }

        for (Answer a : answers) {
            assertEquals(500, a.status(), a.raw());
            assertEquals("The function is not configured for FPTR", a.title(), a.raw());
            assertTrue(a.detail().contains("fptr.max-page-size (FPTR_MAX_PAGE_SIZE) is 6000") && a.detail().contains("at most 5000"),
                    a.raw());
        }
        assertEquals(500, swept.path("status").asInt(), "the sweep is refused the same way: " + swept);
        assertTrue(swept.path("detail").asText().contains("FPTR_MAX_PAGE_SIZE"), swept.toString());
        assertEquals(1, errors.size(), "logged once, not once per call: " + errors);
        assertEquals(List.of(), SIM.requests("POST", ".*/_search"), "no page of 6000 was asked of FPTR");
    }

    private static Answer search() {
        return ApiGatewayEvents.route("POST /v1/notes/search", "/v1/notes/search").caller(ApiGatewayEvents.PIPELINE)
                .body("{\"project\": 70}").invoke(NoteSearchHandler.FUNCTION);
    }
}
