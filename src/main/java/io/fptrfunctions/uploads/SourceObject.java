package io.fptrfunctions.uploads;

import java.util.regex.Pattern;

/**
 * The S3 object being uploaded, as {@code HeadObject} described it. Every ranged read of it is pinned to
 * this {@code etag} (If-Match), so an object replaced half-way fails instead of mixing two files.
 */
record SourceObject(S3Location location, long size, String etag, String contentType) {

    private static final Pattern PLAIN_MD5 = Pattern.compile("[0-9a-fA-F]{32}");

    /** The object's md5, when its ETag is one (a single PutObject without KMS); multipart ETags are not. */
    String md5() {
        return etag != null && PLAIN_MD5.matcher(etag).matches() ? etag.toLowerCase(java.util.Locale.ROOT) : null;
    }
}
