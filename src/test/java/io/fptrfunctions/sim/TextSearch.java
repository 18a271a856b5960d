package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code POST /entity/_text_search} (sg-groundtruth endpoints/post_entity_text_search): words across
 * several types at once. Body {@code {"text", "entity_types": {"<Type>": <that type's filter, [] for none>},
 * "page": {"size", "number"}}} under the api3 vendor types; the filter is read in the format the content
 * type names. Rows are flattened, not the {@code _search} shape:
 * {@code {"id","type","attributes":{"name","links":[<type>, <name>],"status"},"links":{"self"}}}.
 * Chosen (not measured): a row matches when every word of {@code text} is in its display name (any
 * case); {@code links} is the row's {@code entity} link, {@code ["", ""]} without one; rows come by type
 * name, then id.
 */
final class TextSearch {

    private final FptrSimulator sim;
    private final EntityApi entities;

    TextSearch(FptrSimulator sim, EntityApi entities) {
        this.sim = sim;
        this.entities = entities;
    }

    private record Scope(EntityDef def, Predicate<SimRecord> filter) {
    }

    void handle(SimExchange ex) throws IOException {
        String contentType = EntityApi.requireApi3ContentType(ex);
        JsonNode body = ex.jsonBody();
        if (!body.isObject()) {
            throw SimError.badRequest("Request body must be a JSON object");
        }
        JsonNode text = body.get("text");
        if (text == null || text.isNull()) {
            throw SimError.invalidParameter("text", "text is missing");
        }
        if (!text.isTextual() || text.textValue().isBlank()) {
            throw SimError.invalidParameter("text", "text must be filled");
        }
        JsonNode types = body.get("entity_types");
        if (types == null || types.isNull()) {
            throw SimError.invalidParameter("entity_types", "entity_types is missing");
        }
        if (!types.isObject() || types.isEmpty()) {
            throw SimError.invalidParameter("entity_types", "entity_types must map entity types to their filters");
        }
        List<Scope> scopes = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = types.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            EntityDef def = sim.schema().byName(e.getKey());
            if (def == null) {
                throw SimError.fptr(404, 103, "Not Found", null, "Entity type '" + e.getKey() + "' does not exist.");
            }
            JsonNode f = e.getValue();
            boolean none = f == null || f.isNull() || f.isContainerNode() && f.isEmpty();
            Filters filters = new Filters(sim, def);
            scopes.add(new Scope(def, none ? r -> true
                    : EntityApi.HASH_TYPE.equals(contentType) ? filters.hash(f) : filters.array(f)));
        }
        scopes.sort((a, b) -> a.def().name.compareTo(b.def().name));
        JsonNode page = body.path("page");
        int size = entities.pageSize(page.hasNonNull("size") ? page.get("size").asText() : null);
        int number = EntityApi.pageNumber(page.hasNonNull("number") ? page.get("number").asText() : null);
        List<String> words = List.of(text.textValue().toLowerCase(Locale.ROOT).trim().split("\\s+"));

        ArrayNode data = sim.store().read(() -> {
            long skip = (long) (number - 1) * size;
            ArrayNode rows = SimJson.array();
            long seen = 0;
            for (Scope s : scopes) {
                for (SimRecord r : sim.store().all(s.def().name)) {
                    if (r.retired() || !matches(r, words) || !s.filter().test(r)) {
                        continue;
                    }
                    if (seen++ >= skip && rows.size() < size) {
                        rows.add(row(ex, s.def(), r));
                    }
                }
            }
            return rows;
        });
        ObjectNode out = SimJson.object();
        out.set("data", data);
        ex.json(200, out);
    }

    private static boolean matches(SimRecord r, List<String> words) {
        Object name = r.get("cached_display_name");
        String haystack = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        return words.stream().allMatch(haystack::contains);
    }

    private ObjectNode row(SimExchange ex, EntityDef def, SimRecord r) {
        ObjectNode n = SimJson.object();
        n.put("id", r.id);
        n.put("type", def.name);
        ObjectNode a = n.putObject("attributes");
        Object name = r.get("cached_display_name");
        a.put("name", name == null ? null : name.toString());
        ArrayNode links = a.putArray("links");
        if (def.field("entity") != null && r.get("entity") instanceof EntityRef link) {
            links.add(link.type()).add(String.valueOf(sim.store().displayName(link)));
        } else {
            links.add("").add("");
        }
        Object status = def.field("sg_status_list") == null ? null : r.get("sg_status_list");
        a.put("status", status == null ? null : status.toString());
        n.putObject("links").put("self", ex.apiPrefix() + "/entity/" + def.slug + "/" + r.id);
        return n;
    }
}
