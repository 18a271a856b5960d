package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.http.ApiRequest;
import io.fptrfunctions.http.Input;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the local-file function's requests (path, query and body) into typed values and says precisely
 * what is wrong: FPTR itself ignores unknown keys and answers malformed paths with "doesn't match any
 * defined Local Storage", which does not help anyone fix a typo.
 */
final class LocalFileRequests {

    static final List<String> LOCAL_KEYS = List.of("local_path", "relative_path", "local_storage", "name", "content_type");
    static final List<String> WEB_KEYS = List.of("url", "name", "content_type");
    static final List<String> ATTACHMENT_KEYS = List.of("project", "this_file", "attachment_links", "description", "tag_list");
    private static final List<String> LINK_KEYS = List.of("type", "id", "name");

    /** Limits of every input (README "local-file", "Limits"). */
    static final int MAX_PATH = 4096;
    static final int MAX_NAME = 255;
    static final int MAX_CONTENT_TYPE = 255;
    static final int MAX_DESCRIPTION = 100_000;
    static final int MAX_LINKS = 100;
    static final int MAX_TAGS = 100;

    private LocalFileRequests() {
    }

    /** {@code {type}/{id}/{field}} of a local-files route. */
    static EntityField target(ApiRequest request) {
        return new EntityField(request.path("type").entityType(), request.path("id").id(), request.path("field").fieldName());
    }

    /** {@code ?platform=linux|mac|windows}; absent means linux (where these functions run). */
    static Platform platform(ApiRequest request) {
        return request.query("platform").oneOf(List.of(Platform.values()), Platform::key, Platform.LINUX);
    }

    /** A PUT body: a local link only. */
    static LinkRequest local(Input body) {
        body.onlyKeys(LOCAL_KEYS, "A web link ('url') can only be stored by creating an Attachment: POST /v1/attachments.");
        return parseLocal(body);
    }

    /** An Attachment's {@code this_file}: a local link or a web link. */
    static LinkRequest localOrWeb(Input link) {
        link.object();
        if (!link.has("url")) {
            link.onlyKeys(LOCAL_KEYS);
            return parseLocal(link);
        }
        if (link.has("local_path") || link.has("relative_path") || link.has("local_storage")) {
            throw link.member("url").invalid(link.member("url").name() + " makes a web link and cannot be combined with "
                    + "local_path, relative_path or local_storage; send one kind of link.");
        }
        link.onlyKeys(WEB_KEYS);
        Input urlInput = link.member("url");
        String url = urlInput.text(MAX_PATH);
        if (!hasScheme(url) || url.chars().anyMatch(Character::isWhitespace)) {
            throw urlInput.invalid(urlInput.name() + " must be an absolute URL with a scheme and no spaces, e.g. "
                    + "https://review.example.com/plate.mov or rvlink://...; not '" + Input.quote(url) + "'.");
        }
        String name = link.member("name").optionalText(MAX_NAME).orElse(urlName(url));
        return new LinkRequest.Web(url, name, contentType(link.member("content_type")));
    }

    /** A {@code POST /v1/attachments} body. */
    static AttachmentRequest attachment(Input body) {
        body.onlyKeys(ATTACHMENT_KEYS);
        Input project = body.member("project");
        Long projectId = null;
        String projectName = null;
        JsonNode p = project.node();
        if (!project.isPresent()) {
            throw project.invalid(project.name() + " is required: the Project's id, its name, or "
                    + "{\"type\": \"Project\", \"id\": ...}. An Attachment without a project is invisible to per-project views.");
        } else if (p.isIntegralNumber()) {
            projectId = project.id();
        } else if (p.isTextual() && !p.textValue().isBlank()) {
            projectName = project.text(MAX_NAME);
        } else if (p.isObject()) {
            project.onlyKeys(LINK_KEYS);
            Input type = project.member("type");
            if (type.isPresent() && !"Project".equals(type.node().asText())) {
                throw type.invalid(type.name() + " must be \"Project\".");
            }
            if (!project.has("id")) {
                throw project.invalid(project.name() + " needs an 'id'.");
            }
            projectId = project.member("id").id();
        } else {
            throw project.invalid(project.name() + " must be an id (number), a name (string) or "
                    + "{\"type\": \"Project\", \"id\": ...}, not " + Input.describe(p) + ".");
        }

        Input thisFile = body.member("this_file");
        if (!thisFile.isPresent()) {
            throw thisFile.invalid(thisFile.name() + " is required: {\"local_path\": ...}, {\"relative_path\": ..., "
                    + "\"local_storage\": ...} or {\"url\": ..., \"name\": ...}. It cannot be set after the Attachment exists.");
        }
        LinkRequest link = localOrWeb(thisFile);

        List<AttachmentRequest.EntityLink> links = null;
        Input linksInput = body.member("attachment_links");
        if (linksInput.isPresent()) {
            links = new ArrayList<>();
            for (Input l : linksInput.list(MAX_LINKS)) {
                l.object().onlyKeys(LINK_KEYS);
                links.add(new AttachmentRequest.EntityLink(l.member("type").schemaEntityType(), l.member("id").id()));
            }
        }

        String description = body.member("description").optionalText(MAX_DESCRIPTION).orElse(null);

        List<String> tags = null;
        Input tagsInput = body.member("tag_list");
        if (tagsInput.isPresent()) {
            tags = new ArrayList<>();
            for (Input t : tagsInput.list(MAX_TAGS)) {
                tags.add(t.text(MAX_NAME));
            }
        }
        return new AttachmentRequest(projectId, projectName, link, links, description, tags);
    }

    private static LinkRequest parseLocal(Input body) {
        boolean hasLocal = body.has("local_path");
        boolean hasRelative = body.has("relative_path");
        boolean hasStorage = body.has("local_storage");
        if (hasLocal && (hasRelative || hasStorage)) {
            throw body.member("local_path").invalid("Send either " + body.member("local_path").name() + " or "
                    + body.member("relative_path").name() + " with " + body.member("local_storage").name() + ", not both.");
        }
        if (!hasLocal && !hasRelative && !hasStorage) {
            throw body.invalid("Say which file to link: " + body.member("local_path").name() + " (an absolute path such as "
                    + "/mnt/projects/demo/plate.v001.exr or M:\\projects\\demo\\plate.v001.exr), or "
                    + body.member("relative_path").name() + " with " + body.member("local_storage").name() + ".");
        }
        Input nameInput = body.member("name");
        String name = nameInput.isPresent() ? nameOrDefault(nameInput) : null;
        String contentType = contentType(body.member("content_type"));
        if (hasLocal) {
            Input pathInput = body.member("local_path");
            String path = pathInput.text(MAX_PATH);
            checkLocalPath(path, pathInput);
            String fileName = LocalStorageMatcher.fileName(path);
            return new LinkRequest.LocalPath(path, name != null ? name : fileName,
                    contentType != null ? contentType : ContentTypes.guess(fileName));
        }
        if (!hasRelative) {
            throw body.member("local_storage").invalid(body.member("local_storage").name() + " needs "
                    + body.member("relative_path").name() + ": the path of the file below that storage's root, with forward slashes.");
        }
        if (!hasStorage) {
            throw body.member("relative_path").invalid(body.member("relative_path").name() + " needs "
                    + body.member("local_storage").name() + " (the storage's name or id); or send the absolute path as "
                    + body.member("local_path").name() + ".");
        }
        Input relativeInput = body.member("relative_path");
        String relative = relativeInput.text(MAX_PATH);
        checkRelativePath(relative, relativeInput);
        LinkRequest.StorageRef storage = storageRef(body.member("local_storage"));
        String fileName = LocalStorageMatcher.fileName(relative);
        return new LinkRequest.Relative(relative, storage, name != null ? name : fileName,
                contentType != null ? contentType : ContentTypes.guess(fileName));
    }

    private static String nameOrDefault(Input name) {
        if (name.node().isTextual() && name.node().textValue().isBlank()) {
            throw name.invalid(name.name() + " must not be empty; leave it out to use the file name.");
        }
        return name.text(MAX_NAME);
    }

    /** A media type such as {@code video/quicktime} (parameters after {@code ;} allowed); null when absent. */
    private static String contentType(Input input) {
        String ct = input.optionalText(MAX_CONTENT_TYPE).orElse(null);
        if (ct != null && !isMediaType(ct)) {
            throw input.invalid(input.name() + " must be a media type such as video/quicktime; not '" + Input.quote(ct) + "'.");
        }
        return ct;
    }

    /** {@code type/subtype}, each a token of RFC 6838's restricted names; then anything after a ';'. */
    static boolean isMediaType(String value) {
        int semicolon = value.indexOf(';');
        String bare = (semicolon < 0 ? value : value.substring(0, semicolon)).stripTrailing();
        int slash = bare.indexOf('/');
        return slash > 0 && isRestrictedName(bare.substring(0, slash)) && isRestrictedName(bare.substring(slash + 1));
    }

    private static boolean isRestrictedName(String s) {
        if (s.isEmpty() || !Character.isLetterOrDigit(s.charAt(0)) || s.charAt(0) > 127) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c < 128 && Character.isLetterOrDigit(c)) && "!#$&^_.+-".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    /** {@code scheme:rest}: a letter, then letters, digits, {@code + . -}, then ':' and something. */
    private static boolean hasScheme(String url) {
        int colon = url.indexOf(':');
        if (colon < 1 || colon == url.length() - 1 || !isAsciiLetter(url.charAt(0))) {
            return false;
        }
        for (int i = 1; i < colon; i++) {
            char c = url.charAt(i);
            if (!isAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '.' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static void checkLocalPath(String path, Input input) {
        checkCommon(path, input);
        boolean windows = LocalStorageMatcher.looksWindows(path);
        if (!windows && !path.startsWith("/")) {
            throw input.invalid(input.name() + " must be an absolute path (/mnt/..., /Volumes/..., M:\\... or "
                    + "\\\\server\\share\\...), not '" + Input.quote(path) + "'. For a path below a storage root send "
                    + "relative_path with local_storage.");
        }
        if (!windows && path.indexOf('\\') >= 0) {
            // On mac and linux a backslash is part of a file name, so it cannot be sent as a separator; FPTR
            // refuses any backslash in local_path with its "doesn't match any defined Local Storage".
            throw input.invalid(input.name() + " contains a backslash, which FPTR refuses in a mac or linux path (there it "
                    + "is part of a file name, not a separator): '" + Input.quote(path) + "'. Rename the file, or send a "
                    + "Windows path (M:\\... or \\\\server\\share\\...).");
        }
        checkSegments(windows ? path.replace('\\', '/') : path, input);
    }

    private static void checkRelativePath(String path, Input input) {
        checkCommon(path, input);
        if (path.indexOf('\\') >= 0) {
            throw input.invalid(input.name() + " must use forward slashes only (FPTR refuses backslashes there), not '"
                    + Input.quote(path) + "'.");
        }
        if (path.startsWith("/") || LocalStorageMatcher.looksWindows(path)) {
            throw input.invalid(input.name() + " is relative to the storage root and must not start with '/' or a drive, "
                    + "not '" + Input.quote(path) + "'. Send an absolute path as local_path instead.");
        }
        if (path.contains("//")) {
            throw input.invalid(input.name() + " has an empty segment ('//'): '" + Input.quote(path) + "'.");
        }
        checkSegments(path, input);
    }

    private static void checkCommon(String path, Input input) {
        if (path.length() > MAX_PATH) {
            throw input.invalid(input.name() + " is longer than " + MAX_PATH + " characters.");
        }
        if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw input.invalid(input.name() + " contains a control character (a newline, tab or NUL?).");
        }
        if (!path.equals(path.strip())) {
            throw input.invalid(input.name() + " starts or ends with white space: '" + Input.quote(path) + "'.");
        }
    }

    /** No "." or ".." segments (FPTR stores paths as given, so they must already be normalised) and a file name. */
    private static void checkSegments(String path, Input input) {
        if (path.endsWith("/")) {
            throw input.invalid(input.name() + " ends with a separator; link a file, e.g. .../plate.v001.exr, not '"
                    + Input.quote(path) + "'.");
        }
        for (String segment : path.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw input.invalid(input.name() + " contains a '" + segment + "' segment; send the normalised path, not '"
                        + Input.quote(path) + "'.");
            }
        }
    }

    /** A LocalStorage by name, by id, or FPTR's own {@code {"type": "LocalStorage", "id"|"name"}}. */
    static LinkRequest.StorageRef storageRef(Input v) {
        JsonNode node = v.node();
        if (node.isTextual()) {
            return new LinkRequest.StorageRef(null, v.text(MAX_NAME));
        }
        if (node.isIntegralNumber()) {
            return new LinkRequest.StorageRef(v.id(), null);
        }
        if (node.isObject()) {
            v.onlyKeys(LINK_KEYS);
            Input type = v.member("type");
            if (type.isPresent() && !(type.node().isTextual() && type.node().textValue().equals("LocalStorage"))) {
                throw type.invalid(type.name() + " must be \"LocalStorage\".");
            }
            if (v.has("id")) {
                return storageRef(v.member("id"));
            }
            if (v.has("name")) {
                return storageRef(v.member("name"));
            }
            throw v.invalid(v.name() + " needs an 'id' or a 'name'.");
        }
        throw v.invalid(v.name() + " must be a storage name (string), an id (number) or "
                + "{\"type\": \"LocalStorage\", \"id\"|\"name\": ...}, not " + Input.describe(node) + ".");
    }

    /** The last path segment of a URL (without query), or the URL itself when it has none. */
    static String urlName(String url) {
        String s = url;
        int cut = indexOfAny(s, '?', '#');
        if (cut >= 0) {
            s = s.substring(0, cut);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        int slash = s.lastIndexOf('/');
        String last = slash < 0 ? "" : s.substring(slash + 1);
        return last.isBlank() || s.substring(0, slash + 1).endsWith("://") ? url : last;
    }

    private static int indexOfAny(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        return i < 0 ? j : j < 0 ? i : Math.min(i, j);
    }
}
