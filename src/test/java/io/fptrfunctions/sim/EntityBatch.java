package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.List;
import java.util.UUID;

/**
 * {@code POST /entity/_batch} (fptr-rest-notes §2 "Batch"; sg-groundtruth endpoints/post_entity_batch and
 * recipe 002): {@code {"requests": [{"request_type": "create"|"update"|"delete", "entity": "<schema name>",
 * "record_id"?: N, "data"?: {...}}]}}, {@code application/json} only. Every request is checked first,
 * then all run in one store transaction: one failing request (a missing row is its 404, a bad field its
 * 400) leaves nothing applied and fires no webhook. 200 {@code {"data": [one row per request, in order]}}:
 * a create row is the create answer, an update row the update answer, a delete row
 * {@code {"request_type":"delete","type","id","uuid","did_delete":true}}.
 */
final class EntityBatch {

    private static final List<String> REQUEST_TYPES = List.of("create", "update", "delete");

    private final FptrSimulator sim;
    private final EntityApi entities;

    EntityBatch(FptrSimulator sim, EntityApi entities) {
        this.sim = sim;
        this.entities = entities;
    }

    void handle(SimExchange ex) throws IOException {
        ex.requireContentType("application/json");
        JsonNode body = ex.jsonBody();
        if (!body.isObject()) {
            throw SimError.badRequest("Invalid JSON body. Expected Hash but received " + SimJson.rubyClass(body) + ".");
        }
        JsonNode requests = body.get("requests");
        if (requests == null || requests.isNull()) {
            throw SimError.invalidParameter("requests", "requests is missing");
        }
        if (!requests.isArray()) {
            throw SimError.invalidParameter("requests", "requests must be an array");
        }
        for (int i = 0; i < requests.size(); i++) {
            check(i, requests.get(i));
        }
        EntityRef actor = ex.caller().actor();
        ArrayNode rows = sim.store().transaction(() -> {
            ArrayNode out = SimJson.array();
            for (JsonNode r : requests) {
                out.add(run(ex, r, actor));
            }
            return out;
        });
        ObjectNode out = SimJson.object();
        out.set("data", rows);
        ex.json(200, out);
    }

    /** The shape of one request, before anything runs (FPTR names the request's index in {@code source}). */
    private void check(int index, JsonNode r) {
        if (!r.isObject()) {
            throw requestError(index, "request", "each request is a JSON object");
        }
        if (!r.path("entity").isTextual()) {
            throw requestError(index, "entity", "entity is missing");
        }
        if (!REQUEST_TYPES.contains(r.path("request_type").asText())) {
            throw requestError(index, "request_type", "request_type must be one of: create, update, delete");
        }
        if (sim.schema().byName(r.get("entity").textValue()) == null) {
            // as recorded: the schema name only (a slug like "versions" is refused), with an empty type in the text
            throw SimError.badRequest("Invalid entity type: entity type [] does not exist.");
        }
        if (!r.get("request_type").asText().equals("delete") && !r.path("data").isObject()) {
            throw SimError.invalidParameter("data", "data hash containing field/value pairs is required for the given request");
        }
    }

    private static SimError requestError(int index, String key, String message) {
        ObjectNode source = SimJson.object();
        source.putObject("requests").putObject(String.valueOf(index)).putArray(key).add(message);
        return SimError.invalidParameters(source);
    }

    private ObjectNode run(SimExchange ex, JsonNode r, EntityRef actor) {
        EntityDef def = sim.schema().byName(r.get("entity").textValue());
        long id = r.path("record_id").asLong(0);   // no record_id: FPTR looks for id 0 (a 404)
        return switch (r.get("request_type").asText()) {
            case "create" -> entities.createAnswer(ex, def, sim.store().create(def, (ObjectNode) r.get("data"), actor));
            case "update" -> entities.updateAnswer(ex, def, sim.store().update(def, id, (ObjectNode) r.get("data"), actor));
            default -> {
                if (!sim.store().retire(def, id, actor)) {
                    throw SimError.recordMissing(def.name, id);
                }
                ObjectNode row = SimJson.object();
                row.put("request_type", "delete");
                row.put("type", def.name);
                row.put("id", id);
                row.put("uuid", UUID.randomUUID().toString());
                row.put("did_delete", true);
                yield row;
            }
        };
    }
}
