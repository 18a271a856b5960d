package io.fptrfunctions.localfiles;

/**
 * What a caller asks to store in a file/link field, validated: a local file by absolute path, a local
 * file by storage and relative path, or (Attachments only) a web link.
 */
public sealed interface LinkRequest {

    /** The {@code name} to store; defaults to the file name. */
    String name();

    /** The {@code content_type} to store; guessed from the file name, null when unknown. */
    String contentType();

    /** {@code {"local_path": "/mnt/projects/..."}}: FPTR picks the storage (the deepest matching root). */
    record LocalPath(String path, String name, String contentType) implements LinkRequest {
    }

    /** {@code {"relative_path": "a/b.exr", "local_storage": "primary" | 3}}: the caller names the storage. */
    record Relative(String relativePath, StorageRef storage, String name, String contentType) implements LinkRequest {
    }

    /** {@code {"url": "https://..." | "rvlink://...", "name": ...}}: stored as {@code link_type: web}. */
    record Web(String url, String name, String contentType) implements LinkRequest {
    }

    /** A LocalStorage named by id or by its code (name), as FPTR's {@code local_storage} takes it. */
    record StorageRef(Long id, String name) {
        @Override
        public String toString() {
            return id != null ? "id " + id : "'" + name + "'";
        }
    }
}
