package io.fptrfunctions.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.aws.MotoTestResource;
import io.fptrfunctions.fptr.TestClock;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every HTTP route answers when FPTR fails in each of the ways the shared failure table ({@code Problems},
 * README "Failure model") turns into a status, checked against openapi.yaml: the route's first successful example
 * request is sent while every FPTR call answers 500, 503, 400, 403 or 404, or has its connection cut, and
 * each answer must be one the document lists for the route ({@code ApiGatewayEvents#invoke} holds it against
 * {@link DocumentedAnswers}). A status a function can answer but its route does not document fails here, rather
 * than in a studio's generated client. (The webhook calls no FPTR while it answers: it queues.) The deadline's
 * 503 and 504 are sent the same way, with FPTR slower than the invocation's deadline.
 */
@QuarkusTest
class DocumentedFailuresTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOCAL_BUCKET = "fptr-functions-local-databucket";   // the examples' (the local stack's)
    private static final Map<String, String> FUNCTIONS = Map.of(
            "/v1/token", "token", "/v1/notes/search", "note-search", "/v1/entities/{type}/{id}/thumbnail", "thumbnail",
            "/v1/entities/{type}/{id}/local-files/{field}", "local-file", "/v1/attachments", "local-file",
            "/v1/uploads", "upload", "/v1/entities/{type}/{id}/files/{field}", "upload", "/v1/entities/{type}/{id}/image", "upload");
    /** Where FPTR fails: minting the function's token, or every call after it (the route's own reads and writes). */
    private static final String TOKEN_ENDPOINT = "/auth/access_token$";
    private static final Map<String, String> SCOPES = Map.of(
            "the token endpoint", TOKEN_ENDPOINT, "the route's calls", "^(?!/api/v1(\\.1)?/auth/access_token)");
    /** A mint fails in three ways only (FptrResponses#tokenFailure): 502 refused, 503 unavailable, 500 not an FPTR site. */
    private static final List<String> TOKEN_FAULTS = List.of("500", "503", "404");
    /** FPTR failing, each as the simulator's fault on every call of a scope (retries included). */
    private static final Map<String, Map<String, Object>> FAULTS = faults();

    private final OpenApiDocument document = OpenApiDocument.load();

    @Inject
    TestClock clock;

    @Inject
    S3Client s3;

    private static Map<String, Map<String, Object>> faults() {
        Map<String, Map<String, Object>> faults = new LinkedHashMap<>();
        faults.put("500", Map.of("status", 500));
        faults.put("503", Map.of("status", 503));   // 429, 502 and 504 take the same path (retried, then 503)
        faults.put("400", Map.of("status", 400, "code", 103, "title", "Request Parameters invalid."));
        faults.put("403", Map.of("status", 403, "title", "Forbidden"));
        faults.put("404", Map.of("status", 404, "code", 104, "title", "Record not found"));
        faults.put("cut", Map.of("cut_after_bytes", 0));
        return faults;
    }

    @Test
    void everyStatusARouteAnswersWhileFptrFailsIsDocumentedForIt() throws Exception {
        List<String> failures = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (OpenApiDocument.Operation operation : document.operations()) {
            String function = FUNCTIONS.get(operation.path());
            if (function == null) {
                continue;
            }
            OpenApiDocument.Example example = firstSuccess(operation).orElseThrow(() ->
                    new AssertionError(operation.key() + " has no successful example to send"));
            TreeSet<Integer> statuses = new TreeSet<>();
            for (Map.Entry<String, String> scope : SCOPES.entrySet()) {
                for (Map.Entry<String, Map<String, Object>> fault : FAULTS.entrySet()) {
                    if (scope.getValue().equals(TOKEN_ENDPOINT) && !TOKEN_FAULTS.contains(fault.getKey())) {
                        continue;
                    }
                    FptrSimTestResource.freshSite(clock);
                    setUp(example.localStack());
                    SimAdmin sim = FptrSimTestResource.admin();
                    Map<String, Object> every = new LinkedHashMap<>(fault.getValue());
                    every.put("path", scope.getValue());
                    every.put("times", 1000);
                    sim.fault(every);
                    String when = operation.key() + " with " + fault.getKey() + " at " + scope.getKey() + ": ";
                    try {
                        statuses.add(event(operation, example).invoke(function).status());
                    } catch (AssertionError undocumented) {
                        failures.add(when + undocumented.getMessage());
                    } finally {
                        sim.clearFaults();
                    }
                }
            }
            seen.add(operation.key() + " " + statuses);
        }
        assertTrue(seen.size() >= FUNCTIONS.size(), "routes sent: " + seen);
        assertEquals(List.of(), failures, "answered: " + seen);
    }

    /**
     * The failure table's deadline rows (README "Failure model", "Deadlines"): the route's example sent while every FPTR
     * call it makes (the token's: its mint) answers only after 4 s, and Lambda gives the invocation 3 s, of which the
     * function keeps fptr.deadline.margin (1 s) to answer. Each route must answer 503 or 504 with Retry-After before
     * Lambda's 3 s, with an answer its route documents (with every call slow, the first read is cut: a 503).
     */
    @Test
    void everyRouteAnswersADocumentedStatusWhenItsDeadlineRunsOut() throws Exception {
        List<String> failures = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (OpenApiDocument.Operation operation : document.operations()) {
            String function = FUNCTIONS.get(operation.path());
            if (function == null) {
                continue;
            }
            String when = operation.key() + " with FPTR slower than its deadline: ";
            Timed t = sendWithin(3000, operation, function, List.of(Map.of("path",
                    function.equals("token") ? TOKEN_ENDPOINT : SCOPES.get("the route's calls"), "latency_ms", 4000, "times", 1000)),
                    when, failures);
            if (t != null) {
                seen.add(operation.key() + " " + t.answer().status() + " in " + t.millis() + " ms");
                if (t.answer().header("Retry-After") == null) {
                    failures.add(when + "no Retry-After: " + t.answer().body());
                }
            }
        }
        assertTrue(seen.size() >= FUNCTIONS.size(), "routes sent: " + seen);
        assertEquals(List.of(), failures, "answered: " + seen);
    }

    /**
     * The 504 rows (a write's answer lost to its timeout; the deadline run out during a copy or an upload): on every
     * route that writes or copies, FPTR's reads answer at once, while its writes (PUT, POST but searches) and its
     * storage's PUTs answer only after 6 s and a storage download stalls after 100 bytes. Each answer must be a
     * documented 503 or 504 before Lambda's 5 s, and both 504 rows must be among them. (5 s, so that the reads before a
     * write, slowed by a loaded machine, still leave it fptr's 1 s minimum for a write: with less it is not sent, a 503.)
     */
    @Test
    void everyRouteThatWritesOrCopiesAnswersADocumented504WhenItsDeadlineRunsOut() throws Exception {
        List<String> failures = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        String routeCalls = SCOPES.get("the route's calls");
        List<Map<String, Object>> slowWrites = List.of(
                Map.of("method", "PUT", "path", routeCalls, "latency_ms", 6000, "times", 1000),
                Map.of("method", "POST", "path", routeCalls + "(?!.*_search)", "latency_ms", 6000, "times", 1000),
                Map.of("method", "GET", "path", "^/_storage/", "stall_after_bytes", 100, "stall_ms", 10_000, "times", 1000));
        for (OpenApiDocument.Operation operation : document.operations()) {
            String function = FUNCTIONS.get(operation.path());
            if (function == null || operation.key().startsWith("GET ") || List.of("token", "note-search").contains(function)) {
                continue;
            }
            String when = operation.key() + " with FPTR's writes and storage slower than its deadline: ";
            Timed t = sendWithin(5000, operation, function, slowWrites, when, failures);
            if (t != null) {
                seen.add(operation.key() + " " + t.answer().status() + " " + t.answer().title() + " in " + t.millis() + " ms");
            }
        }
        assertTrue(seen.size() >= 6, "routes sent: " + seen);
        assertEquals(List.of(), failures, "answered: " + seen);
        // a write cut before it is sent is a 503 (nothing written), which of the two depends on the time left when it starts
        assertTrue(seen.stream().anyMatch(s -> s.contains(" 504 Gateway Timeout ")), "the deadline's 504: " + seen);
        assertTrue(seen.stream().anyMatch(s -> s.contains(" 504 FPTR's answer was lost ")), "a lost write's 504: " + seen);
    }

    /** Whether a token was minted in this JVM (see {@link #sendWithin}). */
    private static boolean warm;

    /** An answer and how long it took. */
    private record Timed(io.fptrfunctions.http.Answer answer, long millis) {
    }

    /**
     * The route's first successful example, sent with these simulator faults and {@code lambdaMillis} of Lambda's time;
     * null when the answer is not one the route documents. Either that, an answer after Lambda's time, or one that is
     * not a 503 or 504 goes into {@code failures}.
     */
    private Timed sendWithin(long lambdaMillis, OpenApiDocument.Operation operation, String function,
                             List<Map<String, Object>> faults, String when, List<String> failures) throws IOException {
        OpenApiDocument.Example example = firstSuccess(operation).orElseThrow(() ->
                new AssertionError(operation.key() + " has no successful example to send"));
        if (!warm) {
            // the first mint in a cold JVM can outlast the tests' 1.5 s mint timeout: the first route's answer would
            // then be the cold start's 503, not its deadline's answer
            FptrSimTestResource.freshSite(clock);
            document.operations().stream().filter(o -> o.path().equals("/v1/token")).findFirst().ifPresent(o -> {
                try {
                    event(o, firstSuccess(o).orElseThrow()).invoke("token");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            warm = true;
        }
        FptrSimTestResource.freshSite(clock);
        setUp(example.localStack());
        SimAdmin sim = FptrSimTestResource.admin();
        faults.forEach(sim::fault);
        long started = System.nanoTime();
        try {
            io.fptrfunctions.http.Answer a = event(operation, example).invoke(function,
                    io.fptrfunctions.http.TestLambdaContext.withRemaining(lambdaMillis));
            long millis = (System.nanoTime() - started) / 1_000_000;
            if (millis >= lambdaMillis) {
                failures.add(when + "answered after " + millis + " ms, not before Lambda's " + lambdaMillis + " ms");
            }
            if (a.status() != 503 && a.status() != 504) {
                failures.add(when + "answered " + a.status() + ", not the deadline's 503 or 504: " + a.body());
            }
            return new Timed(a, millis);
        } catch (AssertionError undocumented) {
            failures.add(when + undocumented.getMessage());
            return null;
        } finally {
            sim.clearFaults();
        }
    }

    private Optional<OpenApiDocument.Example> firstSuccess(OpenApiDocument.Operation operation) {
        return document.examples().stream()
                .filter(e -> e.operation().equals(operation) && e.status().startsWith("2"))
                .filter(e -> !e.request().path("unsigned").asBoolean() && !e.localStack().has("fptr"))
                .filter(e -> !e.request().path("headers").has("Prefer"))
                .findFirst();
    }

    /** The example's request as API Gateway hands it over: path parameters, query, headers, body, the IAM caller. */
    private ApiGatewayEvents event(OpenApiDocument.Operation operation, OpenApiDocument.Example example) throws IOException {
        String path = example.request().path("path").asText(operation.path());
        ApiGatewayEvents event = ApiGatewayEvents.route(operation.key(), path);
        Matcher names = Pattern.compile("\\{([^}]+)}").matcher(operation.path());
        Matcher values = Pattern.compile(operation.path().replaceAll("\\{[^}]+}", "([^/]+)")).matcher(path);
        assertTrue(values.matches(), path);
        for (int group = 1; names.find(); group++) {
            event.pathParameter(names.group(1), values.group(group));
        }
        String query = example.request().path("query").asText("");
        for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
            event.query(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
        example.request().path("headers").fields().forEachRemaining(h -> event.header(h.getKey(),
                h.getKey().equalsIgnoreCase("Idempotency-Key") ? UUID.randomUUID().toString() : h.getValue().asText()));
        JsonNode body = document.requestBodyExample(operation, example.name());
        if (body != null) {
            event.body(JSON.writeValueAsString(body).replace(LOCAL_BUCKET, MotoTestResource.BUCKET));
        }
        return event.caller(document.isSigned(operation) ? ApiGatewayEvents.PIPELINE : null);
    }

    /** What the example asks of the local stack first: objects in the bucket (firstSuccess leaves out simulator set-ups). */
    private void setUp(JsonNode localStack) {
        for (JsonNode object : localStack.path("s3")) {
            byte[] bytes = new byte[object.path("bytes").asInt()];
            s3.putObject(b -> b.bucket(MotoTestResource.BUCKET).key(object.path("key").asText())
                    .contentType(object.path("content_type").asText()), RequestBody.fromBytes(bytes));
        }
    }
}
