package io.fptrfunctions.contract;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.fptr.TestClock;
import io.fptrfunctions.http.Answer;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The limits of README "Bounds" as the functions apply them and as openapi.yaml's request schemas state them: each
 * body one past a limit is a 400 from the function (naming the member) and is refused by the route's request schema,
 * and the same body at the limit is valid against it. A client generated from the document then refuses what the
 * function would refuse, before sending it.
 */
@QuarkusTest
class DocumentedBoundsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SEARCH = "POST /v1/notes/search";
    private static final String ATTACH = "POST /v1/attachments";
    private static final String UPLOAD = "POST /v1/uploads";
    private static final String ATTACHMENT = "{\"project\": 70, \"this_file\": {\"local_path\": \"/mnt/projects/demo/a.pdf\"}, ";
    private static final String S3 = "{\"project\": 70, \"s3\": {\"bucket\": \"b\", \"key\": \"uploads/a.pdf\"}, ";

    private final OpenApiDocument document = OpenApiDocument.load();

    @Inject
    TestClock clock;

    @BeforeEach
    void freshSite() {
        FptrSimTestResource.freshSite(clock);
    }

    /** One bound: the member at fault, and the body at the limit and one past it. */
    private record Bound(String route, String pointer, String atTheLimit, String pastIt) {
    }

    private static List<Bound> bounds() {
        return List.of(
                new Bound(SEARCH, "/limit", "{\"limit\": 50000}", "{\"limit\": 50001}"),
                new Bound(SEARCH, "/text", "{\"text\": \"" + "a".repeat(1000) + "\"}", "{\"text\": \"" + "a".repeat(1001) + "\"}"),
                new Bound(SEARCH, "/author", "{\"author\": \"" + "a".repeat(255) + "\"}", "{\"author\": \"" + "a".repeat(256) + "\"}"),
                new Bound(SEARCH, "/shot", "{\"shot\": \"" + "a".repeat(255) + "\"}", "{\"shot\": \"" + "a".repeat(256) + "\"}"),
                new Bound(SEARCH, "/sequence", "{\"sequence\": \"" + "a".repeat(255) + "\"}", "{\"sequence\": \"" + "a".repeat(256) + "\"}"),
                new Bound(SEARCH, "/project", "{\"project\": \"" + "a".repeat(255) + "\"}", "{\"project\": \"" + "a".repeat(256) + "\"}"),
                new Bound(SEARCH, "/created_after", "{\"created_after\": \"" + "1".repeat(64) + "\"}",
                        "{\"created_after\": \"" + "1".repeat(65) + "\"}"),
                new Bound(SEARCH, "/status", "{\"status\": " + strings(50, "opn") + "}", "{\"status\": " + strings(51, "opn") + "}"),
                new Bound(SEARCH, "/status", "{\"status\": \"" + "s".repeat(64) + "\"}", "{\"status\": \"" + "s".repeat(65) + "\"}"),
                new Bound(SEARCH, "/fields", "{\"shot\": \"sh010\", \"fields\": " + strings(100, "code") + "}",
                        "{\"shot\": \"sh010\", \"fields\": " + strings(101, "code") + "}"),
                new Bound(SEARCH, "/sort", "{\"shot\": \"sh010\", \"sort\": \"" + "a".repeat(1000) + "\"}",
                        "{\"shot\": \"sh010\", \"sort\": \"" + "a".repeat(1001) + "\"}"),
                new Bound(SEARCH, "/linked", "{\"linked\": " + links(100) + "}", "{\"linked\": " + links(101) + "}"),
                new Bound(SEARCH, "/linked/name", "{\"linked\": {\"type\": \"Shot\", \"name\": \"" + "a".repeat(255) + "\"}}",
                        "{\"linked\": {\"type\": \"Shot\", \"name\": \"" + "a".repeat(256) + "\"}}"),
                new Bound(ATTACH, "/attachment_links", ATTACHMENT + "\"attachment_links\": " + links(100) + "}",
                        ATTACHMENT + "\"attachment_links\": " + links(101) + "}"),
                new Bound(ATTACH, "/tag_list", ATTACHMENT + "\"tag_list\": " + strings(100, "t") + "}",
                        ATTACHMENT + "\"tag_list\": " + strings(101, "t") + "}"),
                new Bound(UPLOAD, "/attachment_links", S3 + "\"attachment_links\": " + links(100) + "}",
                        S3 + "\"attachment_links\": " + links(101) + "}"),
                new Bound(UPLOAD, "/tag_list", S3 + "\"tag_list\": " + strings(100, "t") + "}",
                        S3 + "\"tag_list\": " + strings(101, "t") + "}"));
    }

    @Test
    void whatAFunctionRefusesAsTooLongTheRequestSchemaRefusesToo() throws IOException {
        List<String> failures = new ArrayList<>();
        for (Bound bound : bounds()) {
            String schema = requestSchema(bound.route());
            Answer refused = ApiGatewayEvents.route(bound.route(), bound.route().substring(bound.route().indexOf(' ') + 1))
                    .body(bound.pastIt()).invoke(function(bound.route()));
            if (refused.status() != 400 || !refused.body().path("pointer").asText().startsWith(bound.pointer())) {
                failures.add(bound.route() + " " + bound.pointer() + " past its limit: the function answered " + refused);
            }
            if (document.validate(schema, JSON.readTree(bound.pastIt())).isEmpty()) {
                failures.add(bound.route() + " " + bound.pointer() + " past its limit: valid against the request schema");
            }
            if (!document.validate(schema, JSON.readTree(bound.atTheLimit())).isEmpty()) {
                failures.add(bound.route() + " " + bound.pointer() + " at its limit: the request schema refuses it: "
                        + document.validate(schema, JSON.readTree(bound.atTheLimit())));
            }
        }
        assertEquals(List.of(), failures);
    }

    private String requestSchema(String route) {
        OpenApiDocument.Operation operation = document.operations().stream().filter(o -> o.key().equals(route)).findFirst()
                .orElseThrow();
        return "/paths/" + OpenApiDocument.escape(operation.path()) + "/" + operation.method()
                + "/requestBody/content/application~1json/schema";
    }

    private static String function(String route) {
        return switch (route) {
            case SEARCH -> "note-search";
            case ATTACH -> "local-file";
            default -> "upload";
        };
    }

    private static String strings(int count, String prefix) {
        return IntStream.range(0, count).mapToObj(i -> "\"" + prefix + i + "\"").collect(Collectors.joining(", ", "[", "]"));
    }

    private static String links(int count) {
        return IntStream.range(1, count + 1).mapToObj(i -> "{\"type\": \"Shot\", \"id\": " + i + "}")
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
