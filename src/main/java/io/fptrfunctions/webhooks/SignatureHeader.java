package io.fptrfunctions.webhooks;

import io.fptrfunctions.http.ProblemException;

import java.util.HexFormat;
import java.util.Optional;

/** FPTR's {@code X-SG-SIGNATURE: sha1=<40 hex digits>}; anything else is a 401 and the body is never read. */
final class SignatureHeader {

    static final String NAME = "X-SG-SIGNATURE";
    private static final String PREFIX = "sha1=";
    private static final int SHA1_BYTES = 20;

    private SignatureHeader() {
    }

    /** The signature's bytes. */
    static byte[] parse(Optional<String> header) {
        String value = header.map(String::trim).orElse("");
        if (value.isEmpty()) {
            throw unauthorized("The delivery has no X-SG-SIGNATURE header. FPTR signs deliveries only when the webhook "
                    + "has a secret token: set the hook's token to the value of this function's webhook secret.");
        }
        if (!value.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            throw unauthorized("X-SG-SIGNATURE must be 'sha1=<40 hex digits>' (HMAC-SHA1 of the body, as FPTR signs); "
                    + "this one does not start with 'sha1='.");
        }
        String hex = value.substring(PREFIX.length());
        if (hex.length() != 2 * SHA1_BYTES) {
            throw unauthorized("X-SG-SIGNATURE must be 'sha1=<40 hex digits>'; this one has " + hex.length() + " characters after 'sha1='.");
        }
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw unauthorized("X-SG-SIGNATURE must be 'sha1=<40 hex digits>'; this one is not hexadecimal.");
        }
    }

    static ProblemException mismatch() {
        return unauthorized("X-SG-SIGNATURE does not match the body: the hook's secret token is not this function's "
                + "webhook secret, or the body was changed on the way. Nothing was queued.");
    }

    private static ProblemException unauthorized(String detail) {
        return new ProblemException(401, "Unauthorized", detail);
    }
}
