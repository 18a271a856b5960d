package io.fptrfunctions.localfiles;

/**
 * Where a path lies: the LocalStorage it is under, the platform whose root matched, and the path
 * below that root with forward slashes (FPTR's {@code relative_path}).
 */
public record StorageMatch(LocalStorage storage, Platform matchedPlatform, String relativePath) {

    /**
     * The path to send FPTR as {@code local_path}: the matched root as the row spells it (forward slashes, no
     * trailing separator), then the relative path. It differs from the caller's only where a Windows root matched
     * in another case ({@code p:\} for {@code P:\}, {@code \\FS01} for {@code \\fs01}), so FPTR finds the same
     * root whether or not it compares Windows roots case-insensitively (not measured on a real site).
     */
    public String sentPath() {
        return LocalStorageMatcher.normalizeRoot(storage.root(matchedPlatform)) + "/" + relativePath;
    }

    /**
     * The full path on a platform, joined the way FPTR fills {@code local_path_<platform>}: the root as
     * the row spells it, then the relative path; backslashes on Windows. {@code null} when the row
     * defines no root for that platform.
     */
    public String localPath(Platform platform) {
        return LocalStorageMatcher.join(storage.root(platform), relativePath, platform);
    }
}
