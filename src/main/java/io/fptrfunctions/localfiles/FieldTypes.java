package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.fptr.FptrClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The data type of an entity field ({@code url}, {@code image}, {@code text}...), read from FPTR's
 * schema ({@code GET /schema/{type}/fields/{field}}) and kept as long as the LocalStorage rows: the
 * schema changes even less often. Only answers FPTR gave are kept; a refused lookup is asked again.
 */
@ApplicationScoped
public class FieldTypes {

    @Inject
    FptrClient fptr;

    @Inject
    Clock clock;

    @ConfigProperty(name = "local-files.storage-cache-ttl", defaultValue = "5M")
    Duration ttl;

    private record Known(String dataType, Instant readAt) {
    }

    private final Map<String, Known> known = new HashMap<>();

    public synchronized String dataType(String entityType, String field) {
        String key = entityType + "." + field;
        Known k = known.get(key);
        if (k == null || !clock.instant().isBefore(k.readAt().plus(ttl))) {
            JsonNode schema = fptr.fieldSchema(entityType, field);
            k = new Known(schema.path("data_type").path("value").asText(null), clock.instant());
            known.put(key, k);
        }
        return k.dataType();
    }
}
