package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The secret's JSON read into FptrSecret: what is accepted, and errors that say what to fix without quoting it. */
class FptrSecretTest {

    private static final String KEY = "s3cr3t-k3y-value";
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void aScriptSecretWithExtraKeys() {
        FptrSecret secret = FptrCredentialsSource.parse(mapper, "fptr/creds", """
                {"site_url":"https://x.example","script_name":"fptr-functions","script_key":"%s","note":"rotated monthly"}""".formatted(KEY));

        assertEquals("https://x.example", secret.siteUrl());
        assertEquals("fptr-functions", secret.scriptName());
        assertEquals(KEY, secret.scriptKey());
        assertNull(secret.login());
        assertFalse(secret.toString().contains(KEY));
    }

    @Test
    void aUserSecret() {
        FptrSecret secret = FptrCredentialsSource.parse(mapper, "fptr/creds",
                "{\"site_url\":\"https://x.example\",\"login\":\"jdoe\",\"password\":\"" + KEY + "\"}");

        assertEquals("jdoe", secret.login());
        assertEquals(KEY, secret.password());
        assertFalse(secret.toString().contains(KEY));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "site_url=x script_key=s3cr3t-k3y-value                            | is not JSON",
            "{\"script_key\":\"s3cr3t-k3y-value\"                              | is not JSON",
            "[\"s3cr3t-k3y-value\"]                                           | must be a JSON object",
            "\"s3cr3t-k3y-value\"                                             | must be a JSON object",
            "null                                                            | must be a JSON object",
            "''                                                              | must be a JSON object",
            "{\"site_url\":\"https://x.example\",\"script_key\":{\"v\":\"s3cr3t-k3y-value\"}} | \"script_key\" must be a string",
    })
    void aMalformedSecretSaysWhatIsWrongWithoutQuotingIt(String secretText, String expected) {
        FptrFailure.Misconfigured e = assertThrows(FptrFailure.Misconfigured.class,
                () -> FptrCredentialsSource.parse(mapper, "fptr/creds", secretText));

        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains("fptr/creds"), "names the secret: " + e.getMessage());
        assertFalse(e.getMessage().contains(KEY), e.getMessage());
        assertNull(e.getCause(), "Jackson's exception (which quotes the text) is not kept as the cause");
    }
}
