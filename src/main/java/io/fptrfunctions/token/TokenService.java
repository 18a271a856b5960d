package io.fptrfunctions.token;

import io.fptrfunctions.access.CallerAccess;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.AccessToken;
import io.fptrfunctions.fptr.FptrTokens;
import io.fptrfunctions.http.Caller;
import io.fptrfunctions.http.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code POST /v1/token}: an FPTR access token for the deployment's script, optionally acting as a user.
 * Served from {@link FptrTokens}' cache while it has life left, so calling it often costs FPTR nothing; a request
 * with {@code Cache-Control: no-cache} gets one minted at most {@code fptr.fresh-token-interval} ago (bounded, so
 * asking so in a loop cannot flood FPTR's token endpoint).
 * Acting as a user is allowed only as {@link CallerAccess} (the access policy) says; every token handed
 * out, and every refusal, is one audit line: who asked, as whom, until when; never the token.
 */
@ApplicationScoped
public class TokenService {

    /** Its own category, so operators can route, keep or alert on it apart from the rest. */
    static final Logger AUDIT = Logger.getLogger("io.fptrfunctions.audit");

    @Inject
    FptrTokens tokens;

    @Inject
    CallerAccess access;

    @Inject
    Clock clock;

    public TokenAnswer token(TokenRequest request, Caller caller, String requestId, Deadline deadline) {
        String login = request.sudoLogin();
        String grant = "-";
        if (login != null) {
            try {
                grant = access.requireSudo(caller, login, deadline);
            } catch (ProblemException refused) {
                AUDIT.infof("token refused: caller=%s principal=%s sudo_as_login=%s status=%d request_id=%s",
                        caller.arn(), caller.principal(), login, refused.status(), requestId);
                throw refused;
            }
        }
        AccessToken token = request.fresh() ? tokens.freshToken(deadline, login) : tokens.token(deadline, login);
        Instant now = clock.instant();
        long expiresIn = Math.max(0, Duration.between(now, token.expiresAt()).toSeconds());
        AUDIT.infof("token issued: caller=%s principal=%s sudo_as_login=%s granted_by=%s expires_at=%s%s request_id=%s",
                caller.arn(), caller.principal(), login == null ? "-" : login, grant, token.expiresAt(),
                request.fresh() ? " cache_control=no-cache" : "", requestId);
        return new TokenAnswer(token.value(), "Bearer", expiresIn, token.expiresAt().toString());
    }
}
