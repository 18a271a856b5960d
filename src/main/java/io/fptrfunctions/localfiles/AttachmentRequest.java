package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.http.ProblemException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A {@code POST /v1/attachments} body, validated: {@code project} (id, name or {"type":"Project","id"}),
 * {@code this_file} (a local or a web link), optional {@code attachment_links} ({@code [{"type","id"}]}),
 * {@code description} and {@code tag_list}.
 */
record AttachmentRequest(Long projectId, String projectName, LinkRequest thisFile, List<ObjectNode> attachmentLinks,
                         String description, List<String> tagList) {

    static final Set<String> KEYS = Set.of("project", "this_file", "attachment_links", "description", "tag_list");
    private static final Pattern TYPE = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

    static AttachmentRequest parse(JsonNode body) {
        LinkRequests.rejectUnknownKeys(body, KEYS, "", "");
        JsonNode project = body.get("project");
        Long projectId = null;
        String projectName = null;
        if (project == null || project.isNull()) {
            throw ProblemException.badRequest("'project' is required: the Project's id, its name, or "
                    + "{\"type\": \"Project\", \"id\": ...}. An Attachment without a project is invisible to per-project views.");
        } else if (project.isIntegralNumber()) {
            projectId = positive(project, "project");
        } else if (project.isTextual() && !project.asText().isBlank()) {
            projectName = project.asText();
        } else if (project.isObject()) {
            LinkRequests.rejectUnknownKeys(project, Set.of("type", "id", "name"), "project.", "");
            if (project.has("type") && !"Project".equals(project.get("type").asText())) {
                throw ProblemException.badRequest("'project.type' must be \"Project\".");
            }
            if (project.hasNonNull("id")) {
                if (!project.get("id").isIntegralNumber()) {
                    throw ProblemException.badRequest("'project.id' must be a number.");
                }
                projectId = positive(project.get("id"), "project.id");
            } else {
                throw ProblemException.badRequest("'project' needs an 'id'.");
            }
        } else {
            throw ProblemException.badRequest("'project' must be an id (number), a name (string) or "
                    + "{\"type\": \"Project\", \"id\": ...}, not " + LinkRequests.jsonType(project) + ".");
        }

        JsonNode thisFile = body.get("this_file");
        if (thisFile == null || thisFile.isNull()) {
            throw ProblemException.badRequest("'this_file' is required: {\"local_path\": ...}, {\"relative_path\": ..., "
                    + "\"local_storage\": ...} or {\"url\": ..., \"name\": ...}. It cannot be set after the Attachment exists.");
        }
        if (!thisFile.isObject()) {
            throw ProblemException.badRequest("'this_file' must be an object, not " + LinkRequests.jsonType(thisFile) + ".");
        }
        LinkRequest link = LinkRequests.localOrWeb(thisFile, "this_file.");

        List<ObjectNode> links = null;
        JsonNode linksNode = body.get("attachment_links");
        if (linksNode != null && !linksNode.isNull()) {
            if (!linksNode.isArray()) {
                throw ProblemException.badRequest("'attachment_links' must be an array of {\"type\": ..., \"id\": ...}.");
            }
            links = new ArrayList<>();
            for (int i = 0; i < linksNode.size(); i++) {
                links.add(entityLink(linksNode.get(i), "attachment_links[" + i + "]"));
            }
        }

        String description = LinkRequests.optionalString(body, "description", "", 100_000);

        List<String> tags = null;
        JsonNode tagsNode = body.get("tag_list");
        if (tagsNode != null && !tagsNode.isNull()) {
            if (!tagsNode.isArray()) {
                throw ProblemException.badRequest("'tag_list' must be an array of strings.");
            }
            tags = new ArrayList<>();
            for (int i = 0; i < tagsNode.size(); i++) {
                JsonNode t = tagsNode.get(i);
                if (!t.isTextual() || t.asText().isBlank()) {
                    throw ProblemException.badRequest("'tag_list[" + i + "]' must be a non-empty string.");
                }
                tags.add(t.asText());
            }
        }
        return new AttachmentRequest(projectId, projectName, link, links, description, tags);
    }

    private static ObjectNode entityLink(JsonNode v, String key) {
        if (v == null || !v.isObject()) {
            throw ProblemException.badRequest("'" + key + "' must be {\"type\": ..., \"id\": ...}.");
        }
        LinkRequests.rejectUnknownKeys(v, Set.of("type", "id", "name"), key + ".", "");
        JsonNode type = v.get("type");
        if (type == null || !type.isTextual() || !TYPE.matcher(type.asText()).matches()) {
            throw ProblemException.badRequest("'" + key + ".type' must be an entity type name such as Version.");
        }
        JsonNode id = v.get("id");
        if (id == null || !id.isIntegralNumber()) {
            throw ProblemException.badRequest("'" + key + ".id' must be a number.");
        }
        ObjectNode link = JsonNodeFactory.instance.objectNode();
        link.put("type", type.asText());
        link.put("id", positive(id, key + ".id"));
        return link;
    }

    private static long positive(JsonNode v, String key) {
        if (!v.canConvertToLong() || v.asLong() <= 0) {
            throw ProblemException.badRequest("'" + key + "' must be a positive whole number.");
        }
        return v.asLong();
    }
}
