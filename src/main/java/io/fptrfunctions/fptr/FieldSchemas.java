package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;

/**
 * Entity field schemas ({@code GET /schema/{type}/fields/{field}}), read once and kept for
 * {@code fptr.schema-cache-ttl}: a site's schema changes far less often than its data. A field (or entity
 * type) FPTR does not know, its 404, is remembered too, but only for {@code fptr.unknown-field-ttl}, so a
 * burst of requests naming it reads FPTR once and a field just added on the site is usable soon after.
 * A read that fails otherwise (FPTR down, no permission) is not remembered.
 */
@ApplicationScoped
public class FieldSchemas {

    @Inject
    FptrClient fptr;

    @Inject
    FptrConfig config;

    @Inject
    Clock clock;

    private record Key(String entityType, String field) {
    }

    /** What FPTR said of a field: its schema, or the refusal saying it (or its entity type) does not exist. */
    private record Answer(JsonNode schema, FptrFailure.Refused unknown) {
    }

    private FptrCache<Key, Answer> answers;

    @PostConstruct
    void createCache() {
        answers = new FptrCache<>(clock, a -> a.unknown() == null ? config.schemaCacheTtl() : config.unknownFieldTtl());
    }

    /**
     * The field's schema ({@code data_type}, {@code properties}...).
     *
     * @throws FptrFailure.Refused {@code UNKNOWN_ENTITY_TYPE} or {@code UNKNOWN_FIELD} when FPTR knows neither
     */
    public JsonNode field(String entityType, String field) {
        Answer answer = answers.get(new Key(entityType, field), this::read);
        if (answer.unknown() != null) {
            throw answer.unknown();
        }
        return answer.schema();
    }

    /** The field's FPTR data type ({@code url}, {@code image}, {@code text}...). */
    public String dataType(String entityType, String field) {
        return field(entityType, field).path("data_type").path("value").asText(null);
    }

    private Answer read(Key key) {
        try {
            return new Answer(fptr.fieldSchema(key.entityType(), key.field()), null);
        } catch (FptrFailure.Refused e) {
            if (e.kind() == FptrFailure.Refused.Kind.UNKNOWN_FIELD || e.kind() == FptrFailure.Refused.Kind.UNKNOWN_ENTITY_TYPE) {
                return new Answer(null, e);
            }
            throw e;
        }
    }
}
