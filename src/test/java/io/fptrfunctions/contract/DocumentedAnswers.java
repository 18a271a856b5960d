package io.fptrfunctions.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every answer a test gets from an HTTP function, held against openapi.yaml ({@code ApiGatewayEvents#invoke} calls
 * {@link #mismatches} on each): its status is documented for the route, its media type under that status, its body
 * is valid against that schema, a problem has no member the schema does not name, and each header it carries is
 * documented on that answer (and each required one is there; {@code Idempotent-Replayed} on any answer of a route that
 * takes an {@code Idempotency-Key}, whose parameter documents it). So the hundreds of answers the function tests provoke
 * through the simulator and moto (faults, lost answers, conflicts) keep the document true, not only its examples.
 */
public final class DocumentedAnswers {

    private static final OpenApiDocument DOCUMENT = OpenApiDocument.load();
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final String REPLAYED = "Idempotent-Replayed";

    private DocumentedAnswers() {
    }

    /**
     * What in this answer of {@code routeKey} ("PUT /v1/entities/{type}/{id}/image") openapi.yaml does not say;
     * empty when it says it all, or when the route is not one of the document's (a test's own event).
     */
    public static List<String> mismatches(String routeKey, int status, Map<String, String> headers, JsonNode body) {
        Optional<OpenApiDocument.Operation> operation = DOCUMENT.operations().stream()
                .filter(o -> o.key().equals(routeKey)).findFirst();
        if (operation.isEmpty()) {
            return List.of();
        }
        List<String> failures = new ArrayList<>();
        String response = DOCUMENT.responsePointer(operation.get(), String.valueOf(status));
        if (response == null) {
            return List.of("status " + status + " is not documented");
        }
        String contentType = header(headers, "Content-Type");
        String mediaType = contentType == null ? "" : contentType.split(";")[0].strip().toLowerCase(Locale.ROOT);
        String schema = response + "/content/" + OpenApiDocument.escape(mediaType) + "/schema";
        if (DOCUMENT.at(schema).isMissingNode()) {
            return List.of(status + " " + mediaType + " is not documented");
        }
        DOCUMENT.validate(schema, body).forEach(error -> failures.add(status + " not what the schema says: " + error));
        if (mediaType.equals("application/problem+json") && body.isObject()) {
            Set<String> named = DOCUMENT.propertyNames(schema);
            body.fieldNames().forEachRemaining(member -> {
                if (!named.contains(member)) {
                    failures.add(status + " problem member '" + member + "' is not in its schema " + DOCUMENT.at(schema));
                }
            });
        }
        JsonNode documentedHeaders = DOCUMENT.at(response + "/headers");
        Set<String> documented = new HashSet<>();
        documentedHeaders.fieldNames().forEachRemaining(name -> documented.add(name.toLowerCase(Locale.ROOT)));
        boolean takesKey = DOCUMENT.parameters(operation.get()).stream().anyMatch(p -> p.path("in").asText().equals("header")
                && p.path("name").asText().equalsIgnoreCase(IDEMPOTENCY_KEY));
        headers.forEach((name, value) -> {
            if (name.equalsIgnoreCase("Content-Type")) {
                return;
            }
            if (name.equalsIgnoreCase(REPLAYED) && takesKey) {
                // the Idempotency-Key parameter documents it for every answer replayed under a key, problems included
                if (!value.equals("true")) {
                    failures.add(status + " header " + name + ": " + value + ", documented as true");
                }
                return;
            }
            if (!documented.contains(name.toLowerCase(Locale.ROOT))) {
                failures.add(status + " header " + name + " is not documented on this answer");
            }
        });
        documentedHeaders.fields().forEachRemaining(h -> {
            String spec = h.getValue().has("$ref") ? h.getValue().get("$ref").asText().substring(1)
                    : response + "/headers/" + OpenApiDocument.escape(h.getKey());
            String value = header(headers, h.getKey());
            if (value == null) {
                if (DOCUMENT.at(spec).path("required").asBoolean()) {
                    failures.add(status + " has no " + h.getKey() + " header, which the document requires");
                }
            } else {
                DOCUMENT.validate(spec + "/schema", JsonNodeFactory.instance.textNode(value)).forEach(error ->
                        failures.add(status + " header " + h.getKey() + ": " + value + ": " + error));
            }
        });
        return failures;
    }

    private static String header(Map<String, String> headers, String name) {
        return headers.entrySet().stream().filter(h -> h.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }
}
