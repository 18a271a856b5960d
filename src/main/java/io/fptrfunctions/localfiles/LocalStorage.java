package io.fptrfunctions.localfiles;

/**
 * One LocalStorage row: a named root on each platform ({@code null} where the row leaves it unset).
 * {@code code} is the storage's name as FPTR shows it.
 */
public record LocalStorage(long id, String code, String macPath, String linuxPath, String windowsPath) {

    /** The root this row defines for a platform, or {@code null} when unset or blank. */
    public String root(Platform platform) {
        String root = switch (platform) {
            case MAC -> macPath;
            case LINUX -> linuxPath;
            case WINDOWS -> windowsPath;
        };
        return root == null || root.isBlank() ? null : root;
    }
}
