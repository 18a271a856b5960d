package io.fptrfunctions.token;

import io.fptrfunctions.http.Input;

import java.util.List;

/**
 * A {@code POST /v1/token} request, read: its body {@code {}} or {@code {"sudo_as_login": "<login>"}} (the login may be
 * null), and {@code fresh} when its {@code Cache-Control} says {@code no-cache}.
 */
public record TokenRequest(String sudoLogin, boolean fresh) {

    public TokenRequest(String sudoLogin) {
        this(sudoLogin, false);
    }

    /** The same request, asking for a token not taken from the cache (RFC 9111 {@code no-cache}) when {@code fresh}. */
    public TokenRequest fresh(boolean fresh) {
        return new TokenRequest(sudoLogin, fresh);
    }

    /** FPTR logins are user names or e-mail addresses; FPTR's own limit. */
    private static final int MAX_LOGIN = 255;

    public static TokenRequest read(Input body) {
        body.onlyKeys(List.of("sudo_as_login"), "The body is {} or {\"sudo_as_login\": \"<login>\"}.");
        Input login = body.member("sudo_as_login");
        if (!login.isPresent()) {
            return new TokenRequest(null);
        }
        if (!login.node().isTextual()) {
            throw login.invalid(login.name() + " must be a string (an FPTR login), not " + Input.describe(login.node()) + ".");
        }
        String value = login.node().textValue();
        if (!isLogin(value)) {
            throw login.invalid(login.name() + " '" + Input.quote(value) + "' is not an FPTR login: use 1-" + MAX_LOGIN
                    + " letters, digits and . _ @ + ' - with no spaces, starting with a letter or digit.");
        }
        return new TokenRequest(value);
    }

    /**
     * A user name or e-mail address: letters, digits and {@code . _ @ + ' -}, starting with a letter or a
     * digit. No spaces (OAuth scopes are space-separated), no control characters, no ':' (the scope is
     * {@code sudo_as_login:<login>}).
     */
    static boolean isLogin(String value) {
        if (value.isEmpty() || value.length() > MAX_LOGIN || !Character.isLetterOrDigit(value.codePointAt(0))) {
            return false;
        }
        return value.codePoints().allMatch(c -> Character.isLetterOrDigit(c) || "._@+'-".indexOf(c) >= 0);
    }
}
