package io.fptrfunctions.fptr;

import java.time.Instant;

/**
 * An FPTR access token and when it expires (by our clock: the instant the mint request was sent plus
 * FPTR's {@code expires_in}, so we never believe it lives longer than it does). Never printed.
 */
public record AccessToken(String value, Instant expiresAt, String sudoLogin) {

    String bearer() {
        return "Bearer " + value;
    }

    @Override
    public String toString() {
        return "AccessToken[expiresAt=" + expiresAt + (sudoLogin == null ? "" : ", sudo=" + sudoLogin) + ", value=***]";
    }
}
