package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Form;
import org.jboss.logging.Logger;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * FPTR access tokens, one per (site, principal, sudo login), reused until they are within
 * {@code fptr.token-safety-margin} of expiry (never more than half their life). When many callers need a
 * new token at once only one mint runs (single flight); the others wait for its result, token or error.
 */
@ApplicationScoped
public class FptrTokens {

    private static final Logger LOG = Logger.getLogger(FptrTokens.class);

    private record Key(URI site, String principal, String sudoLogin) {
    }

    private record Cached(AccessToken token, Instant renewAt) {
    }

    private final Map<Key, Cached> tokens = new ConcurrentHashMap<>();
    private final Map<Key, CompletableFuture<AccessToken>> minting = new ConcurrentHashMap<>();

    @Inject
    FptrCredentialsSource credentials;

    @Inject
    FptrSites sites;

    @Inject
    FptrCalls calls;

    @Inject
    FptrResponses responses;

    @Inject
    FptrConfig config;

    @Inject
    Clock clock;

    /** A token with life left for the configured principal, acting as {@code sudoLogin} when not null. */
    public AccessToken token(String sudoLogin) {
        return token(credentials.current(), sudoLogin);
    }

    AccessToken token(FptrCredentials credentials, String sudoLogin) {
        Key key = new Key(credentials.siteUrl(), credentials.principal(), sudoLogin);
        Cached cached = tokens.get(key);
        if (fresh(cached)) {
            return cached.token();
        }
        CompletableFuture<AccessToken> mine = new CompletableFuture<>();
        CompletableFuture<AccessToken> running = minting.putIfAbsent(key, mine);
        if (running != null) {
            return await(running);
        }
        try {
            // Another caller may have finished minting between our first look and taking the lead.
            cached = tokens.get(key);
            AccessToken token = fresh(cached) ? cached.token() : mint(key, credentials, sudoLogin);
            mine.complete(token);
            return token;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            minting.remove(key, mine);
        }
    }

    /** FPTR said 401 with this token: drop it so the next call mints (unless another caller already did). */
    public void invalidate(AccessToken token) {
        tokens.values().removeIf(cached -> cached.token().equals(token));
    }

    private boolean fresh(Cached cached) {
        return cached != null && clock.instant().isBefore(cached.renewAt());
    }

    private static AccessToken await(CompletableFuture<AccessToken> running) {
        try {
            return running.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private AccessToken mint(Key key, FptrCredentials credentials, String sudoLogin) {
        Form form = new Form().param("grant_type", credentials.grant().grantType());
        if (credentials.grant() == FptrCredentials.Grant.SCRIPT) {
            form.param("client_id", credentials.principal()).param("client_secret", credentials.secret());
        } else {
            form.param("username", credentials.principal()).param("password", credentials.secret());
        }
        if (sudoLogin != null) {
            form.param("scope", "sudo_as_login:" + sudoLogin);
        }
        Instant sentAt = clock.instant();
        JsonNode answer;
        try {
            String what = "Minting an FPTR token";
            answer = responses.safe(what,
                    () -> calls.mint(() -> responses.token(what, sudoLogin, () -> sites.api(credentials.siteUrl()).accessToken(form))));
        } catch (FptrFailure.CredentialsRefused refused) {
            this.credentials.forget(credentials);   // read the secret again next time, in case it was rotated
            throw refused;
        }
        String value = answer.path("access_token").asText();
        long expiresIn = answer.path("expires_in").asLong();
        Duration lifetime = Duration.ofSeconds(expiresIn);
        Duration margin = config.tokenSafetyMargin();
        if (margin.compareTo(lifetime.dividedBy(2)) > 0) {
            margin = lifetime.dividedBy(2); // a short-lived token is still reused for half its life
        }
        AccessToken token = new AccessToken(value, sentAt.plus(lifetime), sudoLogin);
        tokens.put(key, new Cached(token, token.expiresAt().minus(margin)));
        LOG.infof("Minted an FPTR token for %s%s, valid %d s", credentials.describe(),
                sudoLogin == null ? "" : " as '" + sudoLogin + "'", expiresIn);
        return token;
    }
}
