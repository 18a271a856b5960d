package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.notes.NoteSearchRequest.LinkedEntity;
import io.fptrfunctions.notes.NoteSearchRequest.ProjectRef;

import java.time.Instant;
import java.util.List;

/**
 * A note search after {@link NoteSearchRequestReader} checked it: values valid, dates parsed, names
 * trimmed. Absent criteria are {@code null} (lists: empty). {@code limit} null means "every match".
 */
public record NoteQuery(ProjectRef project, String author, List<LinkedEntity> linked, String sequence, String shot,
                        String text, List<String> status, Instant createdAfter, Instant createdBefore,
                        Boolean hasThumbnail, List<String> fields, String sort, Integer limit, JsonNode filters) {
}
