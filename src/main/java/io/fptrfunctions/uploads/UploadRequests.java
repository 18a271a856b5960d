package io.fptrfunctions.uploads;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.http.ApiRequest;
import io.fptrfunctions.http.Input;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads the upload function's requests into typed values, refusing bad input with a 400 whose
 * {@code pointer} names it, before anything is read from S3 or sent to FPTR.
 */
final class UploadRequests {

    private static final List<String> S3_KEYS = List.of("bucket", "key");
    private static final List<String> ATTACHMENT_KEYS = List.of("project", "s3", "name", "content_type", "attachment_links",
            "description", "tag_list");
    private static final List<String> FIELD_KEYS = List.of("s3", "name", "content_type");
    private static final List<String> IMAGE_KEYS = List.of("s3");
    private static final List<String> LINK_KEYS = List.of("type", "id", "name");
    /**
     * {@code type/subtype[; parameters]}, each a token of RFC 6838's restricted names; the parameters only what an HTTP
     * header value carries (RFC 9110: visible ASCII, space and tab), as the type goes out as the PUT's Content-Type.
     */
    private static final Pattern MEDIA_TYPE = Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}[ \\t]*(;[\\x20-\\x7E\\t]*)?");
    private static final int MAX_BUCKET = 63;
    private static final int MAX_KEY = 1024;
    private static final int MAX_NAME = 255;
    private static final int MAX_DESCRIPTION = 100_000;
    static final int MAX_LINKS = 100;
    static final int MAX_TAGS = 100;

    /** An entity: {@code {"type": "Version", "id": 6003}}. (Jackson writes and reads these into upload jobs.) */
    @RegisterForReflection
    record EntityLink(String type, long id) {
    }

    /** {@code POST /v1/uploads}: the project by id or by name (one is set); links, description, tags null when absent. */
    @RegisterForReflection
    record AttachmentUpload(Long projectId, String projectName, S3Location s3, String name, String contentType,
                            List<EntityLink> attachmentLinks, String description, List<String> tagList) {
    }

    /** {@code PUT /v1/entities/{type}/{id}/files/{field}} ({@code field} = {@code image} for the thumbnail route). */
    @RegisterForReflection
    record FieldUpload(String type, long id, String field, S3Location s3, String name, String contentType) {
    }

    private UploadRequests() {
    }

    static AttachmentUpload attachment(Input body) {
        body.onlyKeys(ATTACHMENT_KEYS);
        Input project = body.member("project");
        JsonNode p = project.node();
        Long projectId = null;
        String projectName = null;
        if (!project.isPresent()) {
            throw project.invalid(project.name() + " is required: the Project's id, its name, or {\"type\": \"Project\", \"id\": ...}.");
        } else if (p.isTextual()) {
            projectName = project.text(MAX_NAME);
        } else if (p.isObject()) {
            EntityLink link = link(project);
            if (!link.type().equals("Project")) {
                throw project.member("type").invalid(project.member("type").name() + " must be \"Project\".");
            }
            projectId = link.id();
        } else {
            projectId = project.id();
        }
        S3Location s3 = s3(body.member("s3"));
        List<EntityLink> links = null;
        if (body.has("attachment_links")) {
            links = new ArrayList<>();
            for (Input l : body.member("attachment_links").list(MAX_LINKS)) {
                links.add(link(l));
            }
        }
        String description = body.member("description").optionalText(MAX_DESCRIPTION).orElse(null);
        List<String> tags = null;
        if (body.has("tag_list")) {
            tags = new ArrayList<>();
            for (Input t : body.member("tag_list").list(MAX_TAGS)) {
                tags.add(t.text(MAX_NAME));
            }
        }
        return new AttachmentUpload(projectId, projectName, s3, name(body.member("name"), s3),
                contentType(body.member("content_type")), links, description, tags);
    }

    static FieldUpload field(ApiRequest request) {
        Input body = request.body().onlyKeys(FIELD_KEYS);
        S3Location s3 = s3(body.member("s3"));
        return new FieldUpload(request.path("type").entityType(), request.path("id").id(), request.path("field").fieldName(),
                s3, name(body.member("name"), s3), contentType(body.member("content_type")));
    }

    static FieldUpload image(ApiRequest request) {
        Input body = request.body().onlyKeys(IMAGE_KEYS, "FPTR names the thumbnail after the object's file name.");
        S3Location s3 = s3(body.member("s3"));
        return new FieldUpload(request.path("type").entityType(), request.path("id").id(), "image", s3,
                keyFileName(s3, body.member("s3").member("key"), "The key's last segment, the file name FPTR stores,"), null);
    }

    private static S3Location s3(Input s3) {
        if (!s3.isPresent()) {
            throw s3.invalid(s3.name() + " is required: {\"bucket\": \"...\", \"key\": \"...\"}, the object to upload.");
        }
        s3.onlyKeys(S3_KEYS);
        String bucket = s3.member("bucket").text(MAX_BUCKET);
        Input keyInput = s3.member("key");
        String key = keyInput.text(MAX_KEY);
        if (key.endsWith("/")) {
            throw keyInput.invalid(keyInput.name() + " names a folder ('" + Input.quote(key) + "'); name the object itself.");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                throw keyInput.invalid(keyInput.name() + " has a '" + segment + "' segment; send the object's own key.");
            }
        }
        return new S3Location(bucket, key);
    }

    /** The file name FPTR stores: {@code name}, else the key's last segment. */
    private static String name(Input name, S3Location s3) {
        if (!name.isPresent()) {
            return keyFileName(s3, name, "The key's last segment, the file name FPTR stores unless 'name' is sent,");
        }
        String given = name.text(MAX_NAME);
        if (given.contains("/") || given.contains("\\") || given.chars().anyMatch(Character::isISOControl)) {
            throw name.invalid(name.name() + " is a file name, without '/', '\\' or control characters; not '"
                    + Input.quote(given) + "'.");
        }
        return given;
    }

    /**
     * The key's last segment as the file name: at most {@value #MAX_NAME} characters and no control characters (an S3
     * key may hold them; FPTR's file names and our log lines should not).
     */
    private static String keyFileName(S3Location s3, Input at, String what) {
        String name = lastSegment(s3.key());
        if (name.length() > MAX_NAME || name.chars().anyMatch(Character::isISOControl)) {
            throw at.invalid(what + " must be at most " + MAX_NAME + " characters without control characters; not '"
                    + Input.quote(name) + "'.");
        }
        return name;
    }

    private static String lastSegment(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    private static String contentType(Input input) {
        String ct = input.optionalText(MAX_NAME).orElse(null);
        if (ct != null && !MEDIA_TYPE.matcher(ct).matches()) {
            throw input.invalid(input.name() + " must be a media type such as video/quicktime (its parameters in visible "
                    + "ASCII: it is sent as an HTTP header); not '" + Input.quote(ct) + "'.");
        }
        return ct;
    }

    private static EntityLink link(Input l) {
        l.object().onlyKeys(LINK_KEYS);
        return new EntityLink(l.member("type").schemaEntityType(), l.member("id").id());
    }
}
