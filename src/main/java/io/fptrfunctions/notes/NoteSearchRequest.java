package io.fptrfunctions.notes;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * The body of {@code POST /v1/notes/search}, as Jackson maps it (every key optional). Only the shape is
 * checked here; {@link NoteSearchRequestReader} checks the values and the combinations.
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = false)
public record NoteSearchRequest(
        @JsonProperty("project") ProjectRef project,
        @JsonProperty("author") String author,
        @JsonProperty("linked") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<LinkedEntity> linked,
        @JsonProperty("sequence") String sequence,
        @JsonProperty("shot") String shot,
        @JsonProperty("text") String text,
        @JsonProperty("status") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> status,
        @JsonProperty("created_after") String createdAfter,
        @JsonProperty("created_before") String createdBefore,
        @JsonProperty("has_thumbnail") Boolean hasThumbnail,
        @JsonProperty("fields") List<String> fields,
        @JsonProperty("sort") String sort,
        @JsonProperty("limit") Integer limit,
        @JsonProperty("filters") JsonNode filters) {

    /** The keys a caller may send, in the order the README lists them (used in the unknown-key message). */
    static final List<String> KEYS = List.of("project", "author", "linked", "sequence", "shot", "text", "status",
            "created_after", "created_before", "has_thumbnail", "fields", "sort", "limit", "filters");

    /** {@code "project": 70} or {@code "project": "Demo"}. */
    @RegisterForReflection
    public record ProjectRef(Long id, String name) {

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static ProjectRef of(JsonNode value) {
            if (value.isIntegralNumber() && value.canConvertToLong() && value.longValue() > 0) {
                return new ProjectRef(value.longValue(), null);
            }
            if (value.isTextual() && !value.textValue().isBlank()) {
                return new ProjectRef(null, value.textValue().strip());
            }
            throw new IllegalArgumentException("must be a project id (a positive whole number) or a project name (a non-empty string)");
        }
    }

    /** One entry of {@code linked}: {@code {"type": "Shot", "id": 7}} or {@code {"type": "Shot", "name": "sh010"}}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = false)
    public record LinkedEntity(@JsonProperty("type") String type,
                               @JsonProperty("id") Long id,
                               @JsonProperty("name") String name) {
    }
}
