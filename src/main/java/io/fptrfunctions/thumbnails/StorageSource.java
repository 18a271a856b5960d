package io.fptrfunctions.thumbnails;

import org.apache.tika.mime.MimeType;
import org.apache.tika.mime.MimeTypeException;
import org.apache.tika.mime.MimeTypes;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A signed storage URL (FPTR's 302 target) and what about it stays the same across re-signings: the
 * scheme, host and path, without the query string that carries the signature and expiry. That stable
 * part identifies the stored file, so it is what we record in S3 to recognise an unchanged image.
 */
record StorageSource(URI signedUrl) {

    private static final Pattern EXTENSION = Pattern.compile("\\.([A-Za-z0-9]{1,5})$");

    /**
     * Where a studio writes another extension than Tika's first one: QuickTime is {@code .mov} (Tika:
     * {@code .qt}); {@code image/x-exr}, what EXR tools send, is not in Tika (it calls EXR {@code image/aces}).
     */
    private static final Map<String, String> STUDIO_EXTENSIONS = Map.of("video/quicktime", ".mov", "image/x-exr", ".exr");

    /** {@code https://host/path} with no query, user info or fragment: the signature never reaches S3 metadata. */
    String stableUrl() {
        String port = signedUrl.getPort() < 0 ? "" : ":" + signedUrl.getPort();
        return signedUrl.getScheme() + "://" + signedUrl.getHost() + port + signedUrl.getRawPath();
    }

    /** Never the signed URL: its query string is a credential (X-Amz-Signature...) and records print in log lines. */
    @Override
    public String toString() {
        return "StorageSource[" + stableUrl() + "]";
    }

    /** The file extension of the URL's last path segment ({@code .png}), lower-cased, if it has one. */
    Optional<String> pathExtension() {
        String path = signedUrl.getPath();
        if (path == null) {
            return Optional.empty();
        }
        String last = path.substring(path.lastIndexOf('/') + 1);
        Matcher m = EXTENSION.matcher(last);
        return m.find() && m.start() > 0 ? Optional.of("." + m.group(1).toLowerCase(Locale.ROOT)) : Optional.empty();
    }

    /**
     * The extension for a content type, from Apache Tika's MIME table ({@code image/png} → {@code .png},
     * {@code image/jpeg} → {@code .jpg}); empty for a type Tika does not know, or a generic one
     * ({@code application/octet-stream}) whose extension would say nothing. Only asked when the URL has
     * no extension of its own; the table loads on first use.
     */
    static Optional<String> extensionFor(String contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        String bare = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (bare.isEmpty() || bare.equals("application/octet-stream")) {
            return Optional.empty();
        }
        if (STUDIO_EXTENSIONS.containsKey(bare)) {
            return Optional.of(STUDIO_EXTENSIONS.get(bare));
        }
        try {
            // getRegisteredMimeType, not forName: forName would add every unknown name to Tika's shared table.
            MimeType type = MimeTypes.getDefaultMimeTypes().getRegisteredMimeType(bare);
            return type == null || type.getExtension().isEmpty() ? Optional.empty() : Optional.of(type.getExtension());
        } catch (MimeTypeException notAType) {
            return Optional.empty();
        }
    }
}
