package io.fptrfunctions.fptr;

import java.net.URI;

/**
 * What the functions authenticate to FPTR with: a script (client_credentials grant) or a user (password
 * grant). {@link #toString()} never shows the secret half.
 */
public record FptrCredentials(URI siteUrl, Grant grant, String principal, String secret) {

    public enum Grant {
        /** {@code client_credentials}: principal = script name, secret = script key. */
        SCRIPT("client_credentials"),
        /** {@code password}: principal = login, secret = password. */
        USER("password");

        private final String grantType;

        Grant(String grantType) {
            this.grantType = grantType;
        }

        public String grantType() {
            return grantType;
        }
    }

    /** {@code script 'name'} or {@code user 'login'}: safe to show in messages. */
    public String describe() {
        return (grant == Grant.SCRIPT ? "script '" : "user '") + principal + "'";
    }

    @Override
    public String toString() {
        return "FptrCredentials[" + siteUrl + ", " + describe() + ", secret=***]";
    }
}
