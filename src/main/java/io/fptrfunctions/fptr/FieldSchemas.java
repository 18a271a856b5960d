package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Entity field schemas ({@code GET /schema/{type}/fields/{field}}), read once and kept for
 * {@code fptr.schema-cache-ttl}: a site's schema changes far less often than its data. Only fields FPTR
 * described are kept; an unknown field (FPTR's 404) or a failed read is asked again next time, so a
 * field just added on the site can be used at once.
 */
@ApplicationScoped
public class FieldSchemas {

    @Inject
    FptrClient fptr;

    @Inject
    FptrConfig config;

    @Inject
    Clock clock;

    private record Known(JsonNode schema, Instant readAt) {
    }

    private final Map<String, Known> known = new ConcurrentHashMap<>();

    /**
     * The field's schema ({@code data_type}, {@code properties}...).
     *
     * @throws FptrFailure.Refused {@code UNKNOWN_ENTITY_TYPE} or {@code UNKNOWN_FIELD} when FPTR knows neither
     */
    public JsonNode field(String entityType, String field) {
        String key = entityType + "." + field;
        Known k = known.get(key);
        if (k == null || !clock.instant().isBefore(k.readAt().plus(config.schemaCacheTtl()))) {
            k = new Known(fptr.fieldSchema(entityType, field), clock.instant());
            known.put(key, k);
        }
        return k.schema();
    }

    /** The field's FPTR data type ({@code url}, {@code image}, {@code text}...). */
    public String dataType(String entityType, String field) {
        return field(entityType, field).path("data_type").path("value").asText(null);
    }
}
