package io.fptrfunctions.token;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.fptr.AccessToken;
import io.fptrfunctions.fptr.FptrProblems;
import io.fptrfunctions.fptr.FptrTokens;
import io.fptrfunctions.http.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.regex.Pattern;

/**
 * {@code POST /v1/token}: an FPTR access token for the deployment's script, optionally acting as a user.
 * Served from {@link FptrTokens}' cache while it has life left, so calling it often costs FPTR nothing.
 */
@ApplicationScoped
public class TokenService {

    /**
     * FPTR logins are user names or e-mail addresses. No spaces (OAuth scopes are space-separated), no
     * control characters, no ':' (the scope is {@code sudo_as_login:<login>}).
     */
    static final Pattern LOGIN = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}._@+'\\-]{0,254}");

    @Inject
    FptrTokens tokens;

    @Inject
    Clock clock;

    public TokenAnswer token(JsonNode body) {
        String sudoLogin = sudoLogin(body);
        AccessToken token;
        try {
            token = tokens.token(sudoLogin);
        } catch (RuntimeException e) {
            ProblemException problem = FptrProblems.from(e);
            throw problem == null ? e : problem;
        }
        Instant now = clock.instant();
        long expiresIn = Math.max(0, Duration.between(now, token.expiresAt()).toSeconds());
        return new TokenAnswer(token.value(), "Bearer", expiresIn, token.expiresAt().toString());
    }

    private static String sudoLogin(JsonNode body) {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("sudo_as_login")) {
                throw ProblemException.badRequest("Unknown key '" + name + "': the body is {} or {\"sudo_as_login\": \"<login>\"}.");
            }
        }
        JsonNode login = body.get("sudo_as_login");
        if (login == null || login.isNull()) {
            return null;
        }
        if (!login.isTextual()) {
            throw ProblemException.badRequest("sudo_as_login must be a string (an FPTR login), not " + login.getNodeType().name().toLowerCase() + ".");
        }
        String value = login.asText();
        if (!LOGIN.matcher(value).matches()) {
            throw ProblemException.badRequest("sudo_as_login '" + printable(value) + "' is not an FPTR login: use 1-255 letters, "
                    + "digits and . _ @ + ' - with no spaces, starting with a letter or digit.");
        }
        return value;
    }

    private static String printable(String value) {
        String clipped = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        return clipped.replaceAll("\\p{Cntrl}", "?");
    }
}
