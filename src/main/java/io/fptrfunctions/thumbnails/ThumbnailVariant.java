package io.fptrfunctions.thumbnails;

import java.util.Locale;

/** Which rendition of an entity's image to copy; the name is FPTR's {@code alt} value and the S3 key's last part. */
public enum ThumbnailVariant {
    ORIGINAL, THUMBNAIL;

    /** FPTR's {@code ?alt=} value. */
    public String alt() {
        return name().toLowerCase(Locale.ROOT);
    }
}
