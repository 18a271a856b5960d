package io.fptrfunctions.fptr;

import io.fptrfunctions.telemetry.Invocations;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What FPTR hands out for storage and what the site URL may be, checked before anything is fetched or sent:
 * on the old main a Location that was no URI failed with the JDK's message (the whole signed URL, in the
 * log), a {@code file:} Location ended in a ClassCastException (a 500), and an {@code http://} site was used.
 */
class StorageSafetyTest {

    private static final URI SITE = URI.create("https://studio.shotgrid.autodesk.com");
    private static final String SIGNATURE = "X-Amz-Signature=0123456789abcdef";

    private final FptrResponses responses = new FptrResponses();

    {
        responses.invocations = new Invocations();   // outside an invocation: it tags nothing
    }

    private URI location(String location) {
        return responses.location("Locating Note 7001 image", () -> Response.status(302).header("Location", location).build(), SITE);
    }

    @Test
    void aLocationThatIsNoUrlIsFptrsFailureWithoutTheUrl() {
        FptrFailure.Refused e = assertThrows(FptrFailure.Refused.class,
                () -> location("https://storage.example/a b.png?X-Amz-Credential=k&" + SIGNATURE));
        assertEquals(FptrFailure.Refused.Kind.OTHER, e.kind());
        assertFalse(e.getMessage().contains("X-Amz"), e.getMessage());
        assertFalse(e.upstream().toString().contains("X-Amz"), e.upstream().toString());
    }

    @Test
    void aFileOrOtherNonHttpLocationIsFptrsFailure() {
        for (String location : new String[] {"file:///etc/passwd", "ftp://storage.example/a.png", "jar:file:/x!/y", "mailto:a@b"}) {
            FptrFailure.Refused e = assertThrows(FptrFailure.Refused.class, () -> location(location), location);
            assertTrue(e.getMessage().contains("not an http(s) URL"), e.getMessage());
        }
    }

    @Test
    void httpAndHttpsLocationsAndRelativeOnesAreFollowed() {
        assertEquals("https", location("https://s3.example/a.png?" + SIGNATURE).getScheme());
        assertEquals(URI.create("https://studio.shotgrid.autodesk.com/thumbs/a.png"), location("/thumbs/a.png"));
    }

    @Test
    void theSiteMustBeHttpsButOnLoopback() {
        assertEquals("https", FptrCredentialsSource.siteUrl("https://studio.shotgrid.autodesk.com/", "secret 'x'").getScheme());
        for (String loopback : new String[] {"http://127.0.0.1:8090", "http://localhost:1", "http://[::1]:80", "http://127.1.2.3"}) {
            assertEquals("http", FptrCredentialsSource.siteUrl(loopback, "configuration").getScheme(), loopback);
        }
        for (String clear : new String[] {"http://studio.shotgrid.autodesk.com", "http://10.0.0.1", "http://127.evil.example",
                "http://127.0.0.1.nip.io", "http://localhost.example"}) {
            FptrFailure.Misconfigured e = assertThrows(FptrFailure.Misconfigured.class,
                    () -> FptrCredentialsSource.siteUrl(clear, "configuration"), clear);
            assertTrue(e.getMessage().contains("travel in clear"), e.getMessage());
        }
        assertThrows(FptrFailure.Misconfigured.class, () -> FptrCredentialsSource.siteUrl("ftp://x.example", "configuration"));
    }

    @Test
    void theSiteIsItsAddressAloneNotAPageOfIt() {
        assertEquals(URI.create("https://studio.shotgrid.autodesk.com:8443"),
                FptrCredentialsSource.siteUrl("https://studio.shotgrid.autodesk.com:8443/", "secret 'x'"));
        // a URL copied from the browser: every REST call would go to https://studio.../page/1234/api/v1.1/...
        for (String page : new String[] {"https://studio.shotgrid.autodesk.com/page/1234", "https://studio.shotgrid.autodesk.com/api/v1.1",
                "https://studio.shotgrid.autodesk.com/?x=1", "https://studio.shotgrid.autodesk.com/#Shot_1001", "http://127.0.0.1:8090/sim/"}) {
            FptrFailure.Misconfigured e = assertThrows(FptrFailure.Misconfigured.class,
                    () -> FptrCredentialsSource.siteUrl(page, "secret 'x'"), page);
            assertTrue(e.getMessage().contains("the site's address alone"), e.getMessage());
        }
    }
}
