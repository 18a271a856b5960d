package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;

/**
 * A note search after {@link NoteSearchRequestReader} checked it: values valid, dates parsed, names
 * trimmed. Absent criteria are {@code null} (lists: empty). {@code limit} null means "every match".
 */
public record NoteQuery(ProjectRef project, String author, List<LinkedEntity> linked, String sequence, String shot,
                        String text, List<String> status, Instant createdAfter, Instant createdBefore,
                        Boolean hasThumbnail, List<String> fields, String sort, Integer limit, JsonNode filters) {

    /** The same query with {@code project} named by id. */
    public NoteQuery withProject(long projectId) {
        return new NoteQuery(new ProjectRef(projectId, null), author, linked, sequence, shot, text, status, createdAfter, createdBefore,
                hasThumbnail, fields, sort, limit, filters);
    }

    /** {@code "project": 70} (id) or {@code "project": "Demo"} (name): exactly one is set. */
    public record ProjectRef(Long id, String name) {
    }

    /**
     * One entry of {@code linked}: {@code {"type": "Shot", "id": 7}} or {@code {"type": "Shot", "name": "sh010"}};
     * {@code typePointer} is where its type was in the request ({@code /linked/1/type}), for a problem found later.
     */
    public record LinkedEntity(String type, Long id, String name, String typePointer) {
    }
}
