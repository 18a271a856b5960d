package io.fptrfunctions.localfiles;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ContentTypesTest {

    @Test
    void guessesLikeFptrForTheExamplesItDocuments() {
        assertEquals("video/quicktime", ContentTypes.guess("plate.mov"));
        assertEquals("application/mathematica", ContentTypes.guess("charA.v001.ma"));
    }

    @Test
    void guessesCommonStudioFormatsCaseInsensitively() {
        assertEquals("image/jpeg", ContentTypes.guess("ref.JPG"));
        assertEquals("video/mp4", ContentTypes.guess("review.mp4"));
        assertEquals("image/aces", ContentTypes.guess("plate.1001.exr"));
        assertEquals("application/pdf", ContentTypes.guess("brief.pdf"));
    }

    @Test
    void unknownExtensionsAndMissingNamesGiveNull() {
        assertNull(ContentTypes.guess("comp.nk"));
        assertNull(ContentTypes.guess("plate_final"));
        assertNull(ContentTypes.guess(""));
        assertNull(ContentTypes.guess(null));
    }
}
