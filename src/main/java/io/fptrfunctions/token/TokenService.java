package io.fptrfunctions.token;

import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.AccessToken;
import io.fptrfunctions.fptr.FptrTokens;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code POST /v1/token}: an FPTR access token for the deployment's script, optionally acting as a user.
 * Served from {@link FptrTokens}' cache while it has life left, so calling it often costs FPTR nothing.
 */
@ApplicationScoped
public class TokenService {

    @Inject
    FptrTokens tokens;

    @Inject
    Clock clock;

    public TokenAnswer token(TokenRequest request, Deadline deadline) {
        AccessToken token = tokens.token(deadline, request.sudoLogin());
        Instant now = clock.instant();
        long expiresIn = Math.max(0, Duration.between(now, token.expiresAt()).toSeconds());
        return new TokenAnswer(token.value(), "Bearer", expiresIn, token.expiresAt().toString());
    }
}
