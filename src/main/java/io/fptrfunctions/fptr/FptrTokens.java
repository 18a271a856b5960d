package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.lifecycle.SnapshotSafe;
import io.fptrfunctions.telemetry.Metric;
import io.fptrfunctions.telemetry.Metrics;
import io.fptrfunctions.deadline.Deadline;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Form;
import org.jboss.logging.Logger;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * FPTR access tokens, one per (site, principal, sudo login), reused until they are within
 * {@code fptr.token-safety-margin} of expiry (never more than half their life), kept in an
 * {@link FptrCache}: when many callers need a new token at once only one mint runs (single flight), the
 * others wait for its result, token or error; a failed mint is not remembered.
 */
@ApplicationScoped
public class FptrTokens implements SnapshotSafe {

    private static final Logger LOG = Logger.getLogger(FptrTokens.class);

    private record Key(URI site, String principal, String sudoLogin) {
    }

    /** A token and when to stop handing it out: its expiry less the safety margin. */
    private record Cached(AccessToken token, Instant renewAt) {
    }

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

    @Inject
    Metrics metrics;

    private FptrCache<Key, Cached> tokens;

    @PostConstruct
    void createCache() {
        // Each token lives until its own renewal time; a failed mint is not kept, so the next call mints again.
        tokens = new FptrCache<>(clock, cached -> Duration.between(clock.instant(), cached.renewAt()));
    }

    /** A token with life left for the configured principal, acting as {@code sudoLogin} when not null. */
    public AccessToken token(Deadline deadline, String sudoLogin) {
        return token(deadline, credentials.current(), sudoLogin, false);
    }

    /**
     * A token minted at most {@code fptr.fresh-token-interval} ago, for a caller whose cached token FPTR may have
     * dropped already (revoked, the site's sessions ended): the cached one when it is that young, else a new one
     * (one mint for every caller asking meanwhile), which the cache then keeps for every caller.
     */
    public AccessToken freshToken(Deadline deadline, String sudoLogin) {
        return token(deadline, credentials.current(), sudoLogin, true);
    }

    AccessToken token(Deadline deadline, FptrCredentials credentials, String sudoLogin) {
        return token(deadline, credentials, sudoLogin, false);
    }

    private AccessToken token(Deadline deadline, FptrCredentials credentials, String sudoLogin, boolean fresh) {
        Key key = new Key(credentials.siteUrl(), credentials.principal(), sudoLogin);
        boolean[] minted = {false};
        Function<Key, Cached> load = k -> {
            minted[0] = true;
            return mint(deadline, credentials, sudoLogin);
        };
        Instant youngest = clock.instant().minus(config.freshTokenInterval());
        AccessToken token = (fresh ? tokens.reloadIf(key, deadline, mintedAt -> mintedAt.isBefore(youngest), load) : tokens.get(key, deadline, load)).token();
        metrics.count(minted[0] ? Metric.TOKEN_MINTS : Metric.TOKEN_CACHE_HITS);
        return token;
    }

    /**
     * What a function's first call to FPTR needs before any token: the credentials and the site's REST
     * clients (io.fptrfunctions.lifecycle.FirstCall); no call to FPTR.
     */
    public void prefetchCredentials() {
        sites.api(credentials.current().siteUrl());
    }

    /** A snapshot must not hold tokens: they expire, and every restored sandbox would share them. */
    @Override
    public void beforeSnapshot() {
        tokens.invalidateAll();
    }

    /** FPTR said 401 with this token: drop it so the next call mints (unless another caller already did). */
    public void invalidate(AccessToken token) {
        tokens.invalidateIf((key, cached) -> cached.token().equals(token));
    }

    /**
     * FPTR refused {@code refused}: forget them and read the secret again. When it now holds another key for
     * the same site and principal (the key was rotated while this container kept the old one), that key;
     * else null (the same credentials, or other ones this call's cache key and site do not fit: the next call
     * reads them). A failure to read the secret again leaves FPTR's refusal as the answer.
     */
    private FptrCredentials rotatedKey(FptrCredentials refused) {
        this.credentials.forget(refused);
        FptrCredentials reread;
        try {
            reread = this.credentials.current();
        } catch (FptrFailure unreadable) {
            LOG.warnf("FPTR refused the credentials of %s, and reading them again failed: %s", refused.describe(), unreadable.getMessage());
            return null;
        }
        boolean sameHolder = reread.siteUrl().equals(refused.siteUrl()) && reread.grant() == refused.grant()
                && reread.principal().equals(refused.principal());
        return sameHolder && !reread.secret().equals(refused.secret()) ? reread : null;
    }

    /**
     * A new token. When FPTR refuses the credentials, the secret is read again: a key rotated since it was
     * cached is picked up by this call (one more mint), not only by the next one.
     */
    private Cached mint(Deadline deadline, FptrCredentials credentials, String sudoLogin) {
        try {
            return mintOnce(deadline, credentials, sudoLogin);
        } catch (FptrFailure.CredentialsRefused refused) {
            FptrCredentials rotated = rotatedKey(credentials);
            if (rotated == null) {
                throw refused;
            }
            LOG.infof("FPTR refused the cached key of %s and the secret holds another one now: minting with that", credentials.describe());
            try {
                return mintOnce(deadline, rotated, sudoLogin);
            } catch (FptrFailure.CredentialsRefused again) {
                this.credentials.forget(rotated);   // the secret itself is wrong, not stale
                throw again;
            }
        }
    }

    private Cached mintOnce(Deadline deadline, FptrCredentials credentials, String sudoLogin) {
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
        String what = "Minting an FPTR token";
        JsonNode answer = responses.safe(what,
                () -> calls.mint(deadline, () -> responses.token(what, sudoLogin, () -> sites.api(credentials.siteUrl()).accessToken(form))));
        String value = answer.path("access_token").asText();
        long expiresIn = answer.path("expires_in").asLong();
        Duration lifetime = Duration.ofSeconds(expiresIn);
        Duration margin = config.tokenSafetyMargin();
        if (margin.compareTo(lifetime.dividedBy(2)) > 0) {
            margin = lifetime.dividedBy(2); // a short-lived token is still reused for half its life
        }
        AccessToken token = new AccessToken(value, sentAt.plus(lifetime), sudoLogin);
        LOG.infof("Minted an FPTR token for %s%s, valid %d s", credentials.describe(),
                sudoLogin == null ? "" : " as '" + sudoLogin + "'", expiresIn);
        return new Cached(token, token.expiresAt().minus(margin));
    }
}
