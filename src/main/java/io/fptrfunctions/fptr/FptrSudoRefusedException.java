package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * FPTR refused to act as the requested user (scope {@code sudo_as_login:<login>}): unknown, retired or
 * inactive user, or impersonation turned off for that user. The login came from the caller.
 */
public class FptrSudoRefusedException extends FptrException {

    private final String login;

    public FptrSudoRefusedException(String login, int status, Integer code, String title, String detail, JsonNode errors) {
        super(status, code, title, detail, errors);
        this.login = login;
    }

    public String login() { return login; }
}
