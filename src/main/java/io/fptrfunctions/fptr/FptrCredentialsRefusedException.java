package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * FPTR refused the deployment's own credentials at the token endpoint (e.g. 400 "Can't authenticate
 * script 'x'"). Repeating the call cannot help: whoever manages the secret or configuration must fix it.
 */
public class FptrCredentialsRefusedException extends FptrException {

    public FptrCredentialsRefusedException(int status, Integer code, String title, String detail, JsonNode errors) {
        super(status, code, title, detail, errors);
    }
}
