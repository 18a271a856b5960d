package io.fptrfunctions.thumbnails;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The key's extension when the storage URL has none: from the content type, by Tika's MIME table. */
class StorageSourceTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "none", value = {
            "image/png, .png",
            "image/jpeg, .jpg",
            "IMAGE/JPEG; charset=binary, .jpg",
            "image/gif, .gif",
            "image/webp, .webp",
            "image/tiff, .tiff",
            "image/x-exr, .exr",
            "image/aces, .exr",
            "video/quicktime, .mov",
            "video/mp4, .mp4",
            "application/pdf, .pdf",
            "application/x-no-such-type, none",
            "application/octet-stream, none",
            "'', none",
            "not a type, none",
    })
    void extensionForAContentType(String contentType, String extension) {
        assertEquals(Optional.ofNullable(extension), StorageSource.extensionFor(contentType));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "none", value = {
            "https://s.example/a/b/plate_v001.PNG?X-Amz-Signature=abc, .png",
            "https://s.example/a/b/thumbnail, none",
            "https://s.example/a/b/.hidden, none",
    })
    void extensionOfTheUrlsLastSegment(String url, String extension) {
        assertEquals(Optional.ofNullable(extension), new StorageSource(URI.create(url)).pathExtension());
    }

    @org.junit.jupiter.api.Test
    void itsTextNeverHoldsTheSignature() {
        StorageSource source = new StorageSource(URI.create("https://s.example/a/plate.png?X-Amz-Credential=AKIA&X-Amz-Signature=abc"));
        assertEquals("StorageSource[https://s.example/a/plate.png]", source.toString());
        org.junit.jupiter.api.Assertions.assertFalse(new ThumbnailStore.Target("b", "k", "Note/1", ThumbnailVariant.ORIGINAL, source)
                .toString().contains("X-Amz"));
    }

    @org.junit.jupiter.api.Test
    void connectionMessagesLoseTheirQueryStrings() {
        assertEquals("Server returned HTTP response code: 500 for URL: https://s.example/a.png?... now",
                StorageTransfer.withoutQueries("Server returned HTTP response code: 500 for URL: https://s.example/a.png?X-Amz-Signature=abc now"));
    }

    /** What the copy records keep at rest (image_source) and the sweep compares: never a signature, URI or not. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "none", value = {
            "https://s.example/a/b/plate.png?X-Amz-Signature=abc&X-Amz-Credential=k, https://s.example/a/b/plate.png",
            "https://s.example:8443/a/plate.png#frag, https://s.example:8443/a/plate.png",
            "https://s.example/a b/plate.png?X-Amz-Signature=abc, https://s.example/a b/plate.png",
            "https://s.example/a|b/plate.png#x?X-Amz-Signature=abc, https://s.example/a|b/plate.png",
            "none, none",
    })
    void theStableUrlHasNoQueryEvenWhenTheUrlIsNoUri(String url, String stable) {
        assertEquals(stable, ThumbnailService.stableUrl(url));
    }
}
