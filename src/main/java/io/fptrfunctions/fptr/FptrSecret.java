package io.fptrfunctions.fptr;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.Optional;

/**
 * The Secrets Manager secret's JSON: {@code {"site_url","script_name","script_key"}} for a script, or
 * {@code "login","password"} for a user. Other keys (a description...) are ignored, except
 * {@code "not_configured"}: the template creates the secret with only that key (a placeholder, never a key
 * that looks real), and the functions refuse it as "not configured" until the credentials are put. Never
 * printed: {@link #toString()} names only which keys are present.
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
record FptrSecret(
        @JsonProperty("site_url") String siteUrl,
        @JsonProperty("script_name") String scriptName,
        @JsonProperty("script_key") String scriptKey,
        @JsonProperty("login") String login,
        @JsonProperty("password") String password,
        @JsonProperty("not_configured") String notConfigured) {

    /** The keys a secret must have, as said in every error about one. */
    static final String SHAPE = "{\"site_url\",\"script_name\",\"script_key\"}";

    static Optional<String> present(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    @Override
    public String toString() {
        return "FptrSecret[site_url=" + siteUrl + ", script_name=" + scriptName + ", script_key="
                + (scriptKey == null ? "absent" : "***") + ", login=" + login + ", password=" + (password == null ? "absent" : "***") + "]";
    }
}
