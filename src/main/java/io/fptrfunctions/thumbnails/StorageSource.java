package io.fptrfunctions.thumbnails;

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

    private static final Map<String, String> EXTENSION_BY_TYPE = Map.ofEntries(
            Map.entry("image/png", ".png"), Map.entry("image/jpeg", ".jpg"), Map.entry("image/jpg", ".jpg"),
            Map.entry("image/gif", ".gif"), Map.entry("image/webp", ".webp"), Map.entry("image/tiff", ".tif"),
            Map.entry("image/bmp", ".bmp"), Map.entry("image/svg+xml", ".svg"), Map.entry("image/x-exr", ".exr"),
            Map.entry("application/pdf", ".pdf"), Map.entry("video/quicktime", ".mov"), Map.entry("video/mp4", ".mp4"));

    /** {@code https://host/path} with no query, user info or fragment: the signature never reaches S3 metadata. */
    String stableUrl() {
        String port = signedUrl.getPort() < 0 ? "" : ":" + signedUrl.getPort();
        return signedUrl.getScheme() + "://" + signedUrl.getHost() + port + signedUrl.getRawPath();
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

    /** The extension for a content type ({@code image/png} → {@code .png}); empty for types we do not know. */
    static Optional<String> extensionFor(String contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        String bare = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return Optional.ofNullable(EXTENSION_BY_TYPE.get(bare));
    }
}
