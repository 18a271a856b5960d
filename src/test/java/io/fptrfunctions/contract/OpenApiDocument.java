package io.fptrfunctions.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code openapi.yaml} as the contract tests read it: its operations, the examples of their answers (each
 * names the request that produced it: the request body example of the same name, and {@code x-request}'s
 * path, query and headers), and JSON Schema validation of any value against the document's own schemas
 * (OpenAPI 3.1's dialect of JSON Schema 2020-12, by networknt's validator).
 */
final class OpenApiDocument {

    static final Path FILE = Path.of("openapi.yaml");
    private static final String IRI = "https://fptr-functions.invalid/openapi.json";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    final JsonNode root;
    private final SchemaRegistry registry;

    record Operation(String path, String method, JsonNode node) {
        String key() {
            return method.toUpperCase() + " " + path;
        }
    }

    /** One documented answer: under {@code status} and {@code mediaType} of {@code operation}, named {@code name}. */
    record Example(Operation operation, String status, String mediaType, String name, JsonNode node) {
        JsonNode value() {
            return node.get("value");
        }

        JsonNode request() {
            return node.path("x-request");
        }

        JsonNode localStack() {
            return node.path("x-local-stack");
        }

        String id() {
            return operation.key() + " -> " + status + " " + name;
        }
    }

    private OpenApiDocument(JsonNode root) {
        this.root = root;
        String json;
        try {
            json = new ObjectMapper().writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The document itself is loaded as the schema resource its schemas live in: its own members (openapi,
        // paths...) are not JSON Schema keywords, and are read as annotations rather than warned about.
        Dialect dialect = Dialect.builder(Dialects.getOpenApi31())
                .unknownKeywordFactory((keyword, context) -> new NonValidationKeyword(keyword)).build();
        this.registry = SchemaRegistry.withDialect(dialect, builder -> builder.schemas(Map.of(IRI, json)));
    }

    static OpenApiDocument load() {
        try {
            return new OpenApiDocument(new YAMLMapper().readTree(Files.readString(FILE)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Operation> operations() {
        List<Operation> operations = new ArrayList<>();
        root.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(method -> {
            if (METHODS.contains(method.getKey())) {
                operations.add(new Operation(path.getKey(), method.getKey(), method.getValue()));
            }
        }));
        return operations;
    }

    /** The operation's own security, else the document's: signed with SigV4 unless it is {@code []}. */
    boolean isSigned(Operation operation) {
        JsonNode security = operation.node().has("security") ? operation.node().get("security") : root.path("security");
        return security.size() > 0;
    }

    /** Every named example of every answer, in document order (the order the contract test sends them). */
    List<Example> examples() {
        List<Example> examples = new ArrayList<>();
        for (Operation operation : operations()) {
            operation.node().path("responses").fields().forEachRemaining(response ->
                    resolve(response.getValue()).path("content").fields().forEachRemaining(media ->
                            media.getValue().path("examples").fields().forEachRemaining(example ->
                                    examples.add(new Example(operation, response.getKey(), media.getKey(),
                                            example.getKey(), example.getValue())))));
        }
        return examples;
    }

    /** The operation's parameters, each as its definition ({@code $ref}s to components followed). */
    List<JsonNode> parameters(Operation operation) {
        List<JsonNode> parameters = new ArrayList<>();
        operation.node().path("parameters").forEach(p -> parameters.add(resolve(p)));
        return parameters;
    }

    /** The request body example of that name, or null. */
    JsonNode requestBodyExample(Operation operation, String name) {
        JsonNode example = operation.node().path("requestBody").path("content").path("application/json").path("examples").path(name);
        return example.isMissingNode() ? null : example.get("value");
    }

    /** The pointer to the answer's object under {@code status} (a {@code $ref} to components followed), or null. */
    String responsePointer(Operation operation, String status) {
        String pointer = "/paths/" + escape(operation.path()) + "/" + operation.method() + "/responses/" + status;
        JsonNode response = root.at(pointer);
        if (response.isMissingNode()) {
            return null;
        }
        return response.has("$ref") ? response.get("$ref").asText().substring(1) : pointer;
    }

    JsonNode at(String pointer) {
        return root.at(pointer);
    }

    /** The schema at a JSON pointer into the document validates {@code value}: the errors, none when it does. */
    List<Error> validate(String schemaPointer, JsonNode value) {
        Schema schema = registry.getSchema(SchemaLocation.of(IRI + "#" + schemaPointer));
        return schema.validate(value);
    }

    /**
     * The member names the schema at the pointer declares: its {@code properties}, through {@code $ref}, {@code allOf},
     * {@code oneOf} and {@code anyOf} (what a problem may carry beside the members RFC 9457 defines).
     */
    Set<String> propertyNames(String schemaPointer) {
        Set<String> names = new TreeSet<>();
        collectPropertyNames(root.at(schemaPointer), names);
        return names;
    }

    private void collectPropertyNames(JsonNode schema, Set<String> names) {
        JsonNode resolved = resolve(schema);
        resolved.path("properties").fieldNames().forEachRemaining(names::add);
        for (String combined : List.of("allOf", "oneOf", "anyOf")) {
            resolved.path(combined).forEach(part -> collectPropertyNames(part, names));
        }
    }

    private JsonNode resolve(JsonNode node) {
        return node.has("$ref") ? root.at(node.get("$ref").asText().substring(1)) : node;
    }

    static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
