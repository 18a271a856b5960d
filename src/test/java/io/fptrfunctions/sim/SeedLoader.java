package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;

/**
 * The seed format: {@code {"records":[{"type":"Project","id":70,"name":"Demo"}, ...],
 * "session_tokens":{"<token>":"<login>"}}} (or just the records array). Records are inserted in order
 * with {@link SimStore#insertSeed}: entity links as {@code {"type","id"}}, timestamps as ISO strings,
 * secrets under "_" keys ({@code _script_key} on ApiUser, {@code _password} on HumanUser).
 */
final class SeedLoader {

    private SeedLoader() {
    }

    /** Call under the store's write lock. */
    static void load(SimStore store, JsonNode seed, Instant now) {
        JsonNode records = seed.isArray() ? seed : seed.path("records");
        for (JsonNode r : records) {
            if (!r.isObject()) {
                throw new IllegalArgumentException("seed records must be JSON objects: " + r);
            }
            store.insertSeed((ObjectNode) r, now);
        }
        JsonNode sessions = seed.path("session_tokens");
        for (Iterator<Map.Entry<String, JsonNode>> it = sessions.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            store.sessionTokens.put(e.getKey(), e.getValue().asText());
        }
    }
}
