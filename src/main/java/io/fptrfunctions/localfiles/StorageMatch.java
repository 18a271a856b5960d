package io.fptrfunctions.localfiles;

/**
 * Where a path lies: the LocalStorage it is under, the platform whose root matched, and the path
 * below that root with forward slashes (FPTR's {@code relative_path}).
 */
public record StorageMatch(LocalStorage storage, Platform matchedPlatform, String relativePath) {

    /**
     * The full path on a platform, joined the way FPTR fills {@code local_path_<platform>}: the root as
     * the row spells it, then the relative path; backslashes on Windows. {@code null} when the row
     * defines no root for that platform.
     */
    public String localPath(Platform platform) {
        return LocalStorageMatcher.join(storage.root(platform), relativePath, platform);
    }
}
