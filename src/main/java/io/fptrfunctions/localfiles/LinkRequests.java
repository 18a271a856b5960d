package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.http.ProblemException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads a link from a request body and says precisely what is wrong with it: FPTR itself ignores
 * unknown keys and answers malformed paths with "doesn't match any defined Local Storage", which
 * does not help anyone fix a typo.
 */
final class LinkRequests {

    static final Set<String> LOCAL_KEYS = Set.of("local_path", "relative_path", "local_storage", "name", "content_type");
    static final Set<String> WEB_KEYS = Set.of("url", "name", "content_type");

    private static final Pattern CONTENT_TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\\s*;.*)?");
    private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):.+", Pattern.DOTALL);
    private static final int MAX_PATH = 4096;
    private static final int MAX_NAME = 255;

    private LinkRequests() {
    }

    /** A PUT body: a local link only ({@code prefix} names the object in messages, e.g. "this_file."). */
    static LinkRequest local(JsonNode body, String prefix) {
        rejectUnknownKeys(body, LOCAL_KEYS, prefix, " A web link ('url') can only be stored by creating an Attachment: POST /v1/attachments.");
        return parseLocal(body, prefix);
    }

    /** An Attachment's {@code this_file}: a local link or a web link. */
    static LinkRequest localOrWeb(JsonNode body, String prefix) {
        if (body.has("url")) {
            if (body.has("local_path") || body.has("relative_path") || body.has("local_storage")) {
                throw ProblemException.badRequest("'" + prefix + "url' makes a web link and cannot be combined with "
                        + "local_path, relative_path or local_storage; send one kind of link.");
            }
            rejectUnknownKeys(body, WEB_KEYS, prefix, "");
            String url = requiredString(body, "url", prefix);
            if (!SCHEME.matcher(url).matches() || url.chars().anyMatch(Character::isWhitespace)) {
                throw ProblemException.badRequest("'" + prefix + "url' must be an absolute URL with a scheme and no "
                        + "spaces, e.g. https://review.example.com/plate.mov or rvlink://...; got '" + url + "'.");
            }
            String name = optionalString(body, "name", prefix, MAX_NAME);
            String contentType = contentType(body, prefix);
            return new LinkRequest.Web(url, name != null ? name : urlName(url), contentType);
        }
        rejectUnknownKeys(body, LOCAL_KEYS, prefix, "");
        return parseLocal(body, prefix);
    }

    private static LinkRequest parseLocal(JsonNode body, String prefix) {
        boolean hasLocal = present(body, "local_path");
        boolean hasRelative = present(body, "relative_path");
        boolean hasStorage = present(body, "local_storage");
        if (hasLocal && (hasRelative || hasStorage)) {
            throw ProblemException.badRequest("Send either '" + prefix + "local_path' or '" + prefix + "relative_path' with '"
                    + prefix + "local_storage', not both.");
        }
        if (!hasLocal && !hasRelative && !hasStorage) {
            throw ProblemException.badRequest("Say which file to link: '" + prefix + "local_path' (an absolute path such as "
                    + "/mnt/projects/demo/plate.v001.exr or M:\\projects\\demo\\plate.v001.exr), or '" + prefix
                    + "relative_path' with '" + prefix + "local_storage'.");
        }
        String name = optionalString(body, "name", prefix, MAX_NAME);
        String contentType = contentType(body, prefix);
        if (hasLocal) {
            String path = requiredString(body, "local_path", prefix);
            checkLocalPath(path, prefix + "local_path");
            String fileName = LocalStorageMatcher.fileName(path);
            return new LinkRequest.LocalPath(path, name != null ? name : fileName,
                    contentType != null ? contentType : ContentTypes.guess(fileName));
        }
        if (!hasRelative) {
            throw ProblemException.badRequest("'" + prefix + "local_storage' needs '" + prefix + "relative_path': the path of "
                    + "the file below that storage's root, with forward slashes.");
        }
        if (!hasStorage) {
            throw ProblemException.badRequest("'" + prefix + "relative_path' needs '" + prefix + "local_storage' (the storage's "
                    + "name or id); or send the absolute path as '" + prefix + "local_path'.");
        }
        String relative = requiredString(body, "relative_path", prefix);
        checkRelativePath(relative, prefix + "relative_path");
        LinkRequest.StorageRef storage = storageRef(body.get("local_storage"), prefix + "local_storage");
        String fileName = LocalStorageMatcher.fileName(relative);
        return new LinkRequest.Relative(relative, storage, name != null ? name : fileName,
                contentType != null ? contentType : ContentTypes.guess(fileName));
    }

    static void rejectUnknownKeys(JsonNode body, Set<String> allowed, String prefix, String hint) {
        Set<String> unknown = new TreeSet<>();
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                unknown.add(prefix + key);
            }
        }
        if (!unknown.isEmpty()) {
            throw ProblemException.badRequest("Unknown key" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + "; allowed: " + String.join(", ", new TreeSet<>(allowed)) + "." + hint)
                    .with("unknown_keys", new ArrayList<>(unknown));
        }
    }

    private static boolean present(JsonNode body, String key) {
        return body.has(key) && !body.get(key).isNull();
    }

    static String requiredString(JsonNode body, String key, String prefix) {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) {
            throw ProblemException.badRequest("'" + prefix + key + "' is required.");
        }
        if (!v.isTextual()) {
            throw ProblemException.badRequest("'" + prefix + key + "' must be a string, not " + jsonType(v) + ".");
        }
        if (v.asText().isBlank()) {
            throw ProblemException.badRequest("'" + prefix + key + "' must not be empty.");
        }
        return v.asText();
    }

    static String optionalString(JsonNode body, String key, String prefix, int maxLength) {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ProblemException.badRequest("'" + prefix + key + "' must be a string, not " + jsonType(v) + ".");
        }
        String s = v.asText();
        if (s.isBlank()) {
            throw ProblemException.badRequest("'" + prefix + key + "' must not be empty; leave it out to use the default.");
        }
        if (s.length() > maxLength) {
            throw ProblemException.badRequest("'" + prefix + key + "' is longer than " + maxLength + " characters.");
        }
        return s;
    }

    private static String contentType(JsonNode body, String prefix) {
        String ct = optionalString(body, "content_type", prefix, 255);
        if (ct != null && !CONTENT_TYPE.matcher(ct).matches()) {
            throw ProblemException.badRequest("'" + prefix + "content_type' must be a media type such as video/quicktime; got '"
                    + ct + "'.");
        }
        return ct;
    }

    private static void checkLocalPath(String path, String key) {
        checkCommon(path, key);
        boolean windows = LocalStorageMatcher.looksWindows(path);
        if (!windows && !path.startsWith("/")) {
            throw ProblemException.badRequest("'" + key + "' must be an absolute path (/mnt/..., /Volumes/..., M:\\... or "
                    + "\\\\server\\share\\...); got '" + path + "'. For a path below a storage root send relative_path "
                    + "with local_storage.");
        }
        String p = windows ? path.replace('\\', '/') : path;
        checkSegments(p, key);
    }

    private static void checkRelativePath(String path, String key) {
        checkCommon(path, key);
        if (path.indexOf('\\') >= 0) {
            throw ProblemException.badRequest("'" + key + "' must use forward slashes only (FPTR refuses backslashes "
                    + "there); got '" + path + "'.");
        }
        if (path.startsWith("/") || LocalStorageMatcher.looksWindows(path)) {
            throw ProblemException.badRequest("'" + key + "' is relative to the storage root and must not start with '/' "
                    + "or a drive; got '" + path + "'. Send an absolute path as local_path instead.");
        }
        if (path.contains("//")) {
            throw ProblemException.badRequest("'" + key + "' has an empty segment ('//'); got '" + path + "'.");
        }
        checkSegments(path, key);
    }

    private static void checkCommon(String path, String key) {
        if (path.length() > MAX_PATH) {
            throw ProblemException.badRequest("'" + key + "' is longer than " + MAX_PATH + " characters.");
        }
        if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw ProblemException.badRequest("'" + key + "' contains a control character (a newline, tab or NUL?).");
        }
        if (!path.equals(path.strip())) {
            throw ProblemException.badRequest("'" + key + "' starts or ends with white space; got '" + path + "'.");
        }
    }

    /** No "." or ".." segments (FPTR stores paths as given, so they must already be normalised) and a file name. */
    private static void checkSegments(String path, String key) {
        if (path.endsWith("/")) {
            throw ProblemException.badRequest("'" + key + "' ends with a separator; link a file, e.g. .../plate.v001.exr; got '"
                    + path + "'.");
        }
        for (String segment : path.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw ProblemException.badRequest("'" + key + "' contains a '" + segment + "' segment; send the normalised "
                        + "path; got '" + path + "'.");
            }
        }
    }

    static LinkRequest.StorageRef storageRef(JsonNode v, String key) {
        if (v.isTextual()) {
            if (v.asText().isBlank()) {
                throw ProblemException.badRequest("'" + key + "' must not be empty.");
            }
            return new LinkRequest.StorageRef(null, v.asText());
        }
        if (v.isIntegralNumber()) {
            if (!v.canConvertToLong() || v.asLong() <= 0) {
                throw ProblemException.badRequest("'" + key + "' id must be a positive whole number.");
            }
            return new LinkRequest.StorageRef(v.asLong(), null);
        }
        if (v.isObject()) {
            // FPTR's own form: {"type": "LocalStorage", "id": 3} or {"type": "LocalStorage", "name": "primary"}
            rejectUnknownKeys(v, Set.of("type", "id", "name"), key + ".", "");
            JsonNode type = v.get("type");
            if (type != null && !type.isNull() && !(type.isTextual() && type.asText().equals("LocalStorage"))) {
                throw ProblemException.badRequest("'" + key + ".type' must be \"LocalStorage\".");
            }
            if (v.hasNonNull("id")) {
                return storageRef(v.get("id"), key + ".id");
            }
            if (v.hasNonNull("name")) {
                return storageRef(v.get("name"), key + ".name");
            }
            throw ProblemException.badRequest("'" + key + "' needs an 'id' or a 'name'.");
        }
        throw ProblemException.badRequest("'" + key + "' must be a storage name (string), an id (number) or "
                + "{\"type\": \"LocalStorage\", \"id\"|\"name\": ...}, not " + jsonType(v) + ".");
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

    static String jsonType(JsonNode v) {
        if (v.isTextual()) return "a string";
        if (v.isNumber()) return "a number";
        if (v.isBoolean()) return "a boolean";
        if (v.isArray()) return "an array";
        if (v.isObject()) return "an object";
        if (v.isNull()) return "null";
        return v.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
