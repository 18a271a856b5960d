package io.fptrfunctions.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * openapi.yaml against template.yaml and against itself, without running anything: it is OpenAPI 3.1, it has
 * exactly the template's HttpApi routes with their authorisation, and every example is what its schema says.
 * ({@code OpenApiContractIT} sends the examples through the functions.)
 */
class OpenApiDocumentTest {

    private final OpenApiDocument document = OpenApiDocument.load();

    /** Route key ("POST /v1/token") of every HttpApi event in template.yaml -> whether it is IAM-authorised. */
    static Map<String, Boolean> templateRoutes() throws IOException {
        // YAMLMapper reads CloudFormation's short tags (!Ref, !Sub...) as their plain values, which is all a route needs.
        JsonNode template = new YAMLMapper().readTree(Files.readString(Path.of("template.yaml")));
        Map<String, String> defaultAuthorizer = new TreeMap<>();
        template.path("Resources").fields().forEachRemaining(r -> {
            if (r.getValue().path("Type").asText().equals("AWS::Serverless::HttpApi")) {
                defaultAuthorizer.put(r.getKey(), r.getValue().path("Properties").path("Auth").path("DefaultAuthorizer").asText(""));
            }
        });
        Map<String, Boolean> routes = new TreeMap<>();
        template.path("Resources").fields().forEachRemaining(r -> {
            if (!r.getValue().path("Type").asText().equals("AWS::Serverless::Function")) {
                return;
            }
            r.getValue().path("Properties").path("Events").fields().forEachRemaining(event -> {
                JsonNode e = event.getValue();
                if (!e.path("Type").asText().equals("HttpApi")) {
                    return;
                }
                JsonNode props = e.path("Properties");
                String api = props.path("ApiId").asText("ServerlessHttpApi");
                String authorizer = props.path("Auth").path("Authorizer").asText(defaultAuthorizer.getOrDefault(api, ""));
                routes.put(props.path("Method").asText().toUpperCase() + " " + props.path("Path").asText(),
                        authorizer.equals("AWS_IAM"));
            });
        });
        return routes;
    }

    @Test
    void isAnOpenApi31DocumentTheParserReadsWithoutComplaint() throws IOException {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(Files.readString(OpenApiDocument.FILE), null, options);
        assertNotNull(result.getOpenAPI(), String.valueOf(result.getMessages()));
        assertEquals("3.1.0", result.getOpenAPI().getOpenapi());
        assertEquals(List.of(), result.getMessages());
        assertTrue(result.getOpenAPI().getPaths().size() > 0);
    }

    @Test
    void documentsEveryRouteOfTheTemplateAndNothingElse() throws IOException {
        Map<String, Boolean> template = templateRoutes();
        assertFalse(template.isEmpty(), "template.yaml has HttpApi routes");
        TreeSet<String> documented = document.operations().stream().map(OpenApiDocument.Operation::key)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(template.keySet(), documented, "routes of template.yaml (left) and of openapi.yaml (right)");
    }

    @Test
    void iamRoutesRequireSigV4AndTheOthersNothing() throws IOException {
        Map<String, Boolean> template = templateRoutes();
        assertTrue(document.at("/components/securitySchemes/sigv4/x-amazon-apigateway-authtype").asText().equals("awsSigv4"));
        for (OpenApiDocument.Operation operation : document.operations()) {
            assertEquals(template.get(operation.key()), document.isSigned(operation), operation.key());
            if (document.isSigned(operation)) {
                assertFalse(document.responsePointer(operation, "403") == null, operation.key()
                        + " documents API Gateway's 403 for an unsigned request");
            }
        }
    }

    @Test
    void everyRouteOfAThrottledApiDocumentsApiGatewaysTooManyRequests() throws IOException {
        JsonNode template = new YAMLMapper().readTree(Files.readString(Path.of("template.yaml")));
        assertFalse(template.at("/Resources/HttpApi/Properties/DefaultRouteSettings/ThrottlingRateLimit").isMissingNode(),
                "template.yaml throttles every route of its HttpApi");
        List<String> failures = new ArrayList<>();
        for (OpenApiDocument.Operation operation : document.operations()) {
            String response = document.responsePointer(operation, "429");
            if (response == null || !document.at(response + "/content/application~1json/schema/$ref").asText()
                    .equals("#/components/schemas/GatewayMessage")) {
                failures.add(operation.key() + " documents no 429 {\"message\"} of API Gateway");
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void schemasRejectWhatTheyDoNotDescribe() throws IOException {
        JsonNode wrong = new YAMLMapper().readTree("{access_token: abc, token_type: Basic, expires_in: -1}");
        assertEquals(3, document.validate("/components/schemas/TokenAnswer", wrong).size(),
                "token_type, expires_in and the missing expires_at: " + document.validate("/components/schemas/TokenAnswer", wrong));
        JsonNode problem = new YAMLMapper().readTree("{type: about:blank, title: Bad Request, status: 200}");
        assertFalse(document.validate("/components/schemas/Problem", problem).isEmpty());
    }

    @Test
    void everyExampleIsValidAgainstItsSchema() {
        List<String> failures = new ArrayList<>();
        List<OpenApiDocument.Example> examples = document.examples();
        assertTrue(examples.size() >= 30, "examples: " + examples.size());
        for (OpenApiDocument.Example example : examples) {
            String schema = document.responsePointer(example.operation(), example.status()) + "/content/"
                    + OpenApiDocument.escape(example.mediaType()) + "/schema";
            var errors = document.validate(schema, example.value());
            if (!errors.isEmpty()) {
                failures.add(example.id() + ": " + errors);
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void everyRequestExampleHasItsAnswerAndSuccessfulOnesAreValidRequests() {
        List<String> failures = new ArrayList<>();
        List<OpenApiDocument.Example> examples = document.examples();
        for (OpenApiDocument.Operation operation : document.operations()) {
            JsonNode bodies = operation.node().path("requestBody").path("content").path("application/json").path("examples");
            for (String name : OpenApiDocument.fieldNames(bodies)) {
                List<OpenApiDocument.Example> answers = examples.stream()
                        .filter(e -> e.operation().equals(operation) && e.name().equals(name)).toList();
                if (answers.size() != 1) {
                    failures.add(operation.key() + " request example " + name + " has " + answers.size() + " answers (one expected)");
                } else if (answers.get(0).status().startsWith("2")) {
                    var errors = document.validate("/paths/" + OpenApiDocument.escape(operation.path()) + "/" + operation.method()
                            + "/requestBody/content/application~1json/schema", bodies.get(name).get("value"));
                    if (!errors.isEmpty()) {
                        failures.add(operation.key() + " request example " + name + ": " + errors);
                    }
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void preferRespondAsyncIsAParameterOfExactlyTheRoutesThatAnswer202() {
        List<String> failures = new ArrayList<>();
        for (OpenApiDocument.Operation operation : document.operations()) {
            boolean prefer = document.parameters(operation).stream()
                    .anyMatch(p -> p.path("in").asText().equals("header") && p.path("name").asText().equalsIgnoreCase("Prefer"));
            boolean accepted = document.responsePointer(operation, "202") != null;
            if (prefer != accepted) {
                failures.add(operation.key() + (prefer ? " takes Prefer but never answers 202" : " answers 202 but takes no Prefer"));
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void everyExampleRequestGoesToItsOwnRoute() {
        for (OpenApiDocument.Example example : document.examples()) {
            String path = example.request().path("path").asText(example.operation().path());
            Pattern route = Pattern.compile(example.operation().path().replaceAll("\\{[^}]+}", "[^/{}]+"));
            assertTrue(route.matcher(path).matches(), example.id() + ": " + path + " is not a path of the route");
        }
    }
}
