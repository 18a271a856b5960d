package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * File/link ({@code url}) fields as FPTR stores them (fptr-rest-notes §4; sg-groundtruth finding 058,
 * recipe 004, field_types/url, entity_types/Attachment):
 * <ul>
 *   <li>{@code {"local_path"}} is matched against every LocalStorage root (mac, linux, windows); the
 *       deepest matching root wins whatever the row ids, identical roots go to the higher id; a Windows
 *       root matches a path written with forward slashes. A path with a backslash, or under no root, is
 *       400 code 104 {@code Create failed for [Attachment]: Path <p> doesn't match any defined Local Storage.}</li>
 *   <li>{@code {"relative_path", "local_storage": {"type": "LocalStorage", "id"|"name"}}} names the storage;
 *       {@code relative_path} alone is 400 code 103 {@code invalid/missing url hash string 'url'}.</li>
 *   <li>the stored value: {@code link_type "local"}, {@code name} (default: file name), {@code content_type}
 *       (default: guessed from the extension), {@code local_storage}, {@code relative_path} and every
 *       {@code local_path_<platform>} the row defines a root for (Windows with backslashes), no {@code url}
 *       and no {@code local_path}; {@code type "Attachment"} and the {@code id} of an Attachment row minted
 *       for each accepted write.</li>
 *   <li>{@code {"url", "name"}} is a web link; null clears; {@code Attachment.this_file} is create-only.</li>
 * </ul>
 * Windows roots compare case-insensitively, mac and linux roots case-sensitively (not measured on a
 * real site). This matcher is written independently of the function's {@code LocalStorageMatcher}: the
 * simulator is what that one is tested against.
 */
public final class LocalFileLinks implements SimExtension {

    static final String[] PLATFORMS = {"mac", "windows", "linux"};

    @Override
    public void install(FptrSimulator sim) {
        sim.fieldHooks().onWrite(DataType.URL, LocalFileLinks::write);
    }

    static Object write(FieldHooks.FieldWrite w) {
        JsonNode v = w.value();
        boolean thisFile = w.entity().name.equals("Attachment") && w.field().name.equals("this_file");
        if (thisFile && "update".equals(w.operation())) {
            throw w.invalid("is editable on create only.");
        }
        if (v == null || v.isNull() || v.isMissingNode()) {
            return null;
        }
        if (!v.isObject()) {
            throw w.invalid("expected [Hash, ActiveSupport::HashWithIndifferentAccess, ActionDispatch::Http::Parameters, "
                    + "ActionDispatch::Http::ParamsHashWithIndifferentAccess, NilClass] data type(s) but got "
                    + SimJson.rubyClass(v) + ": " + SimJson.rubyInspect(v));
        }
        if ("seed".equals(w.operation()) && v.has("link_type")) {
            return v.deepCopy();   // seed data already in stored form
        }
        ObjectNode link;
        if (v.hasNonNull("local_path") && v.get("local_path").isTextual()) {
            link = byLocalPath(w, v);
        } else if (v.hasNonNull("relative_path") && v.hasNonNull("local_storage")) {
            link = byStorage(w, v);
        } else if (v.hasNonNull("url") && v.get("url").isTextual()) {
            link = web(v);
        } else {
            throw SimError.badRequest("API " + w.operation() + "() invalid/missing url hash string 'url': "
                    + SimJson.rubyInspect(v));
        }
        long attachmentId = thisFile ? w.recordId() : mintAttachment(w, link);
        link.put("type", "Attachment");
        link.put("id", attachmentId);
        return link;
    }

    // ---- local links ------------------------------------------------------------------------------

    private static ObjectNode byLocalPath(FieldHooks.FieldWrite w, JsonNode v) {
        String path = v.get("local_path").textValue();
        Match m = path.indexOf('\\') >= 0 ? null : deepest(path, w.store().all("LocalStorage"));
        if (m == null) {
            throw SimError.fptr(400, 104, "Create failed for [Attachment]: Path " + path
                    + " doesn't match any defined Local Storage.", SimJson.object(), null);
        }
        return localLink(v, m.storage(), m.relative());
    }

    private static ObjectNode byStorage(FieldHooks.FieldWrite w, JsonNode v) {
        JsonNode rel = v.get("relative_path");
        if (!rel.isTextual() || rel.textValue().indexOf('\\') >= 0 || rel.textValue().isEmpty()) {
            throw SimError.badRequest("API " + w.operation() + "() invalid/missing relative_path hash string "
                    + "'relative_path': " + SimJson.rubyInspect(v));
        }
        JsonNode ref = v.get("local_storage");
        SimRecord storage = null;
        if (ref.isObject() && (!ref.has("type") || "LocalStorage".equals(ref.get("type").asText()))) {
            for (SimRecord s : w.store().all("LocalStorage")) {
                if (s.retired()) {
                    continue;
                }
                if (ref.hasNonNull("id") ? s.id == ref.get("id").asLong()
                        : ref.hasNonNull("name") && ref.get("name").asText().equals(s.get("code"))) {
                    storage = s;
                }
            }
        } else {
            throw SimError.badRequest("API " + w.operation() + "() invalid/missing local_storage hash string "
                    + "'local_storage': " + SimJson.rubyInspect(v));
        }
        if (storage == null) {
            // FPTR's wording for this case is not recorded anywhere; this follows its 104 "Create failed" style.
            throw SimError.fptr(400, 104, "Create failed for [Attachment]: Local Storage "
                    + SimJson.rubyInspect(ref) + " doesn't exist.", SimJson.object(), null);
        }
        return localLink(v, storage, rel.textValue());
    }

    private static ObjectNode localLink(JsonNode v, SimRecord storage, String relative) {
        String fileName = relative.substring(relative.lastIndexOf('/') + 1);
        ObjectNode link = SimJson.object();
        link.put("link_type", "local");
        link.put("name", v.hasNonNull("name") ? v.get("name").asText() : fileName);
        String contentType = v.hasNonNull("content_type") ? v.get("content_type").asText() : guessContentType(fileName);
        if (contentType == null) {
            link.putNull("content_type");
        } else {
            link.put("content_type", contentType);
        }
        ObjectNode ls = link.putObject("local_storage");
        ls.put("type", "LocalStorage");
        ls.put("id", storage.id);
        ls.put("name", String.valueOf(storage.get("code")));
        link.put("relative_path", relative);
        for (String platform : PLATFORMS) {
            String root = root(storage, platform);
            if (root == null) {
                link.putNull("local_path_" + platform);
            } else if (platform.equals("windows")) {
                link.put("local_path_" + platform, trimEnd(root, "\\/") + "\\" + relative.replace('/', '\\'));
            } else {
                link.put("local_path_" + platform, trimEnd(root, "/") + "/" + relative);
            }
        }
        return link;
    }

    /** A storage, and the path below the root that matched. */
    record Match(SimRecord storage, int depth, String relative) {
    }

    /** The LocalStorage with the deepest root that {@code path} lies strictly below; ties go to the higher id. */
    static Match deepest(String path, Iterable<SimRecord> storages) {
        List<String> pathParts = Arrays.asList(path.split("/", -1));
        Match best = null;
        for (SimRecord storage : storages) {
            if (storage.retired()) {
                continue;
            }
            for (String platform : PLATFORMS) {
                String root = root(storage, platform);
                if (root == null) {
                    continue;
                }
                boolean windows = platform.equals("windows");
                List<String> rootParts = new ArrayList<>(Arrays.asList(root.trim().split(windows ? "[\\\\/]" : "/", -1)));
                while (rootParts.size() > 1 && rootParts.get(rootParts.size() - 1).isEmpty()) {
                    rootParts.remove(rootParts.size() - 1);   // a trailing separator
                }
                if (pathParts.size() <= rootParts.size()) {
                    continue;
                }
                boolean under = true;
                for (int i = 0; i < rootParts.size() && under; i++) {
                    under = windows ? rootParts.get(i).equalsIgnoreCase(pathParts.get(i))
                            : rootParts.get(i).equals(pathParts.get(i));
                }
                if (!under) {
                    continue;
                }
                int depth = (int) rootParts.stream().filter(s -> !s.isEmpty()).count();
                if (best == null || depth > best.depth() || depth == best.depth() && storage.id > best.storage().id) {
                    best = new Match(storage, depth,
                            String.join("/", pathParts.subList(rootParts.size(), pathParts.size())));
                }
            }
        }
        return best;
    }

    private static String root(SimRecord storage, String platform) {
        Object root = storage.get(platform + "_path");
        return root == null || root.toString().isBlank() ? null : root.toString();
    }

    private static String trimEnd(String s, String chars) {
        String t = s.trim();
        while (t.length() > 1 && chars.indexOf(t.charAt(t.length() - 1)) >= 0) {
            t = t.substring(0, t.length() - 1);
        }
        return chars.indexOf(t.charAt(t.length() - 1)) >= 0 ? "" : t;
    }

    /** From the extension, like FPTR's own guess; null when the JDK and the OS tables do not know it. */
    static String guessContentType(String fileName) {
        String guess = URLConnection.guessContentTypeFromName(fileName);
        if (guess != null) {
            return guess;
        }
        try {
            return Files.probeContentType(Path.of(fileName));
        } catch (InvalidPathException | java.io.IOException e) {
            return null;
        }
    }

    // ---- web links and Attachment rows ------------------------------------------------------------

    private static ObjectNode web(JsonNode v) {
        String url = v.get("url").textValue();
        ObjectNode link = SimJson.object();
        link.put("url", url);
        link.put("name", v.hasNonNull("name") ? v.get("name").asText() : url);
        link.set("content_type", v.hasNonNull("content_type") ? v.get("content_type") : SimJson.NODES.nullNode());
        link.put("link_type", "web");
        return link;
    }

    /** Each accepted write makes a new Attachment row holding the link (nothing removes the previous one). */
    private static long mintAttachment(FieldHooks.FieldWrite w, ObjectNode link) {
        SimRecord a = w.store().newRow("Attachment");
        ObjectNode own = link.deepCopy();
        own.put("type", "Attachment");
        own.put("id", a.id);
        a.put("this_file", own);
        SimStore.refreshDisplayName(w.store().schema().byName("Attachment"), a);
        a.put("created_at", w.sim().now());
        a.put("updated_at", w.sim().now());
        a.put("created_by", w.user());
        a.put("updated_by", w.user());
        w.store().insertRow(a);
        return a.id;
    }

}
