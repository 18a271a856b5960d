package io.fptrfunctions.thumbnails;

import io.fptrfunctions.http.ProblemException;

import java.util.Locale;

/** Which rendition of an entity's image to copy; the name is FPTR's {@code alt} value and the S3 key's last part. */
public enum ThumbnailVariant {
    ORIGINAL, THUMBNAIL;

    /** FPTR's {@code ?alt=} value. */
    public String alt() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code original} when absent; anything but the two names (an empty value too) is a 400. */
    public static ThumbnailVariant parse(String value) {
        if (value == null) {
            return ORIGINAL;
        }
        for (ThumbnailVariant v : values()) {
            if (v.alt().equals(value)) {
                return v;
            }
        }
        throw ProblemException.badRequest("Query parameter 'variant' must be 'original' or 'thumbnail', not '" + value + "'.")
                .with("allowed", java.util.List.of("original", "thumbnail"));
    }
}
