package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.deadline.Deadline;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * Entity field schemas, read once and kept for {@code fptr.schema-cache-ttl}: a site's schema changes far
 * less often than its data. Two ways to ask:
 * <ul>
 * <li>{@link #field}: one field ({@code GET /schema/{type}/fields/{field}}), FPTR's refusal thrown when
 *     it does not know it. Its 404 is remembered too, but only for {@code fptr.unknown-field-ttl}, so a
 *     burst of requests naming it reads FPTR once and a field just added on the site is usable soon after.</li>
 * <li>{@link #fieldOf}: one field out of its whole entity type ({@code GET /schema/{type}/fields}, one
 *     call for every field of the type). Names a caller makes up cost nothing once the type is read: a
 *     name the type lacks reads the type again at most once per {@code fptr.unknown-field-ttl}.</li>
 * </ul>
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

    /** What FPTR said of a field (or a type's fields): its schema, or the refusal saying it (or its entity type) does not exist. */
    private record Answer(JsonNode schema, FptrFailure.Refused unknown) {
    }

    private FptrCache<Key, Answer> answers;
    private FptrCache<String, Answer> types;

    @PostConstruct
    void createCache() {
        answers = new FptrCache<>(clock, a -> a.unknown() == null ? config.schemaCacheTtl() : config.unknownFieldTtl());
        types = new FptrCache<>(clock, a -> a.unknown() == null ? config.schemaCacheTtl() : config.unknownFieldTtl());
    }

    /**
     * The field's schema ({@code data_type}, {@code properties}...).
     *
     * @throws FptrFailure.Refused {@code UNKNOWN_ENTITY_TYPE} or {@code UNKNOWN_FIELD} when FPTR knows neither
     */
    public JsonNode field(Deadline deadline, String entityType, String field) {
        Answer answer = answers.get(new Key(entityType, field), deadline, key -> read(() -> fptr.fieldSchema(deadline, key.entityType(), key.field())));
        if (answer.unknown() != null) {
            throw answer.unknown();
        }
        return answer.schema();
    }

    /** The field's FPTR data type ({@code url}, {@code image}, {@code text}...). */
    public String dataType(Deadline deadline, String entityType, String field) {
        return field(deadline, entityType, field).path("data_type").path("value").asText(null);
    }

    /**
     * The field's schema from its entity type's fields; empty when the type has no such field.
     *
     * @throws FptrFailure.Refused {@code UNKNOWN_ENTITY_TYPE} when FPTR knows no such type
     */
    public Optional<JsonNode> fieldOf(Deadline deadline, String entityType, String field) {
        JsonNode schema = typeFields(types.get(entityType, deadline, type -> read(() -> fptr.entityFieldsSchema(deadline, type)))).get(field);
        if (schema == null) {
            // Perhaps added since the type was read: read it again, but not more than once per unknown-field-ttl.
            Instant readBefore = clock.instant().minus(config.unknownFieldTtl());
            schema = typeFields(types.reloadIf(entityType, deadline, loadedAt -> loadedAt.isBefore(readBefore),
                    type -> read(() -> fptr.entityFieldsSchema(deadline, type)))).get(field);
        }
        return Optional.ofNullable(schema);
    }

    private static JsonNode typeFields(Answer answer) {
        if (answer.unknown() != null) {
            throw answer.unknown();
        }
        return answer.schema();
    }

    private static Answer read(java.util.function.Supplier<JsonNode> schema) {
        try {
            return new Answer(schema.get(), null);
        } catch (FptrFailure.Refused e) {
            if (e.kind() == FptrFailure.Refused.Kind.UNKNOWN_FIELD || e.kind() == FptrFailure.Refused.Kind.UNKNOWN_ENTITY_TYPE) {
                return new Answer(null, e);
            }
            throw e;
        }
    }
}
