package io.fptrfunctions.thumbnails;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** The answer of {@code PUT /v1/entities/{type}/{id}/thumbnail}: where the image is in S3 and whether we copied it now. */
@RegisterForReflection
public record ThumbnailCopy(
        @JsonProperty("bucket") String bucket,
        @JsonProperty("key") String key,
        @JsonProperty("size") long size,
        @JsonProperty("content_type") String contentType,
        @JsonProperty("etag") String etag,
        @JsonProperty("status") String status) {

    public static final String COPIED = "copied";
    public static final String UNCHANGED = "unchanged";

    /** S3 quotes ETags (a header value); callers compare them as plain strings. */
    static String bareEtag(String etag) {
        return etag != null && etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1) : etag;
    }
}
