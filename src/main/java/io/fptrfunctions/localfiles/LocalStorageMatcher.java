package io.fptrfunctions.localfiles;

import java.util.List;
import java.util.Optional;

/**
 * Finds the LocalStorage a path lies under, the way FPTR resolves {@code {"local_path": ...}}
 * (fptr-rest-notes §4, measured in sg-groundtruth finding 058):
 * <ul>
 *   <li>every root of every row is tried, mac, linux and windows alike;</li>
 *   <li>the deepest matching root wins, whatever the row ids; two rows on the identical root → the higher id;</li>
 *   <li>a Windows root matches with forward slashes too ({@code Z:/x/...} is under {@code Z:\x});</li>
 *   <li>a root only matches at a path-segment boundary ({@code /mnt/pro} is not a root of {@code /mnt/projects/a}).</li>
 * </ul>
 * Windows roots compare case-insensitively (drive letters and NTFS/SMB names are), mac and linux roots
 * case-sensitively. A Windows-style path ({@code M:\...}, {@code \\server\share\...}) may use
 * backslashes: they are read as separators, which FPTR itself would refuse, so callers need not
 * convert. Plain character work, linear in the path (no regular expression walks caller input), no
 * reflection, nothing to register for native.
 */
public final class LocalStorageMatcher {

    private LocalStorageMatcher() {
    }

    /** The storage {@code path} lies under, or empty when it lies under no root of any row. */
    public static Optional<StorageMatch> match(String path, List<LocalStorage> storages) {
        String normalized = normalizePath(path);
        StorageMatch best = null;
        int bestDepth = -1;
        for (LocalStorage storage : storages) {
            for (Platform platform : Platform.values()) {
                String root = storage.root(platform);
                if (root == null) {
                    continue;
                }
                String normalizedRoot = normalizeRoot(root);
                String relative = below(normalized, normalizedRoot, platform == Platform.WINDOWS);
                if (relative == null) {
                    continue;
                }
                int depth = depth(normalizedRoot);
                if (depth > bestDepth
                        || (depth == bestDepth && storage.id() > best.storage().id())) {
                    best = new StorageMatch(storage, platform, relative);
                    bestDepth = depth;
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** True for {@code M:\...}, {@code M:/...} and UNC {@code \\server\share} paths. */
    public static boolean looksWindows(String path) {
        return isDrive(path) || path.startsWith("\\\\") || path.startsWith("//");
    }

    /** {@code M:} alone or followed by a separator. */
    private static boolean isDrive(String path) {
        if (path.length() < 2 || path.charAt(1) != ':') {
            return false;
        }
        char letter = path.charAt(0);
        boolean isLetter = (letter >= 'A' && letter <= 'Z') || (letter >= 'a' && letter <= 'z');
        return isLetter && (path.length() == 2 || path.charAt(2) == '\\' || path.charAt(2) == '/');
    }

    /**
     * Forward slashes (for Windows-style paths only: a backslash is a legal file-name character on
     * mac and linux) and no repeated separators, keeping a leading {@code //} of a UNC path.
     */
    static String normalizePath(String path) {
        String p = looksWindows(path) ? path.replace('\\', '/') : path;
        boolean unc = p.startsWith("//");
        StringBuilder collapsed = new StringBuilder(p.length() + 1);
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c != '/' || i == 0 || p.charAt(i - 1) != '/') {
                collapsed.append(c);
            }
        }
        return unc ? "/" + collapsed : collapsed.toString();
    }

    /** A root as a prefix without its trailing separator: {@code /} → "", {@code M:\} → {@code M:}. */
    static String normalizeRoot(String root) {
        String r = normalizePath(root.trim().replace('\\', '/'));
        while (r.endsWith("/")) {
            r = r.substring(0, r.length() - 1);
        }
        return r;
    }

    /** The part of {@code path} below {@code root} (no leading slash), or null if not strictly under it. */
    private static String below(String path, String root, boolean ignoreCase) {
        String prefix = root + "/";
        if (path.length() <= prefix.length() || !path.regionMatches(ignoreCase, 0, prefix, 0, prefix.length())) {
            return null;
        }
        String rest = path.substring(prefix.length());
        return rest.isEmpty() ? null : rest;
    }

    private static int depth(String normalizedRoot) {
        int depth = 0;
        for (String segment : normalizedRoot.split("/")) {
            if (!segment.isEmpty()) {
                depth++;
            }
        }
        return depth;
    }

    /** Root as the row spells it + relative path, with the platform's separator; null without a root. */
    static String join(String root, String relativePath, Platform platform) {
        if (root == null || root.isBlank()) {
            return null;
        }
        String r = root.trim();
        if (platform == Platform.WINDOWS) {
            while (r.endsWith("\\") || r.endsWith("/")) {
                r = r.substring(0, r.length() - 1);
            }
            return r + "\\" + relativePath.replace('/', '\\');
        }
        while (r.endsWith("/")) {
            r = r.substring(0, r.length() - 1);
        }
        return r + "/" + relativePath;
    }

    /** The last segment of a path, whichever separator it uses: the default {@code name} of a link. */
    public static String fileName(String path) {
        String p = looksWindows(path) ? path.replace('\\', '/') : path;
        int slash = p.lastIndexOf('/');
        return slash < 0 ? p : p.substring(slash + 1);
    }
}
