package io.fptrfunctions.localfiles;

import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MimeTypes;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Guesses a file's content type from its name with Apache Tika's MIME table (the freedesktop/Apache
 * httpd lineage FPTR's own guesses come from: {@code .mov} → {@code video/quicktime}, {@code .ma} →
 * {@code application/mathematica}). Only the name is looked at: the file is on a studio share the
 * function cannot see. Loading the table takes a few hundred milliseconds, so it happens once, on
 * first use or in the local-file function's prefetch ({@link #load}), in the containers that need it.
 */
public final class ContentTypes {

    private ContentTypes() {
    }

    private static final class Table {
        static final MimeTypes MIME_TYPES = MimeTypes.getDefaultMimeTypes();
    }

    /** Loads the table now (a prefetch while the function starts), so the first guess does not wait for it. */
    public static void load() {
        Table.MIME_TYPES.getMediaTypeRegistry();
    }

    /** The content type for a file name, or {@code null} when the extension is unknown. */
    public static String guess(String fileName) {
        if (fileName == null || fileName.isBlank()) {
            return null;
        }
        Metadata metadata = new Metadata();
        metadata.set(TikaCoreProperties.RESOURCE_NAME_KEY, fileName);
        MediaType type;
        try {
            type = Table.MIME_TYPES.detect(null, metadata);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen without a stream
        }
        return type == null || MediaType.OCTET_STREAM.equals(type) ? null : type.toString();
    }
}
