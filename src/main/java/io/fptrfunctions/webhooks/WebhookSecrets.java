package io.fptrfunctions.webhooks;

import io.fptrfunctions.aws.AwsTimeouts;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.lifecycle.SnapshotSafe;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The hook's secret token, from its own Secrets Manager secret: the current version and, during a
 * rotation, the previous one, so deliveries FPTR signed with either verify. Both are kept for
 * {@code fptr.webhook.secret-ttl}; a signature that matches neither reads the secret again (it may just have
 * been rotated), at most once per {@code fptr.webhook.secret-refresh-min-interval}, so forged deliveries
 * cannot turn into a stream of Secrets Manager calls. When the versions kept are due to be read again, the
 * read has half of the delivery's time left, so a slow Secrets Manager leaves it the other half to verify with
 * them and queue. No secret value reaches a log line or an answer.
 */
@ApplicationScoped
public class WebhookSecrets implements SnapshotSafe {

    private static final Logger LOG = Logger.getLogger(WebhookSecrets.class);
    static final String HMAC = "HmacSHA1";

    @Inject
    WebhookSettings settings;

    @Inject
    SecretsManagerClient secretsManager;

    @Inject
    Clock clock;

    /** The versions read at {@code readAt}: current first, then previous when there is one. */
    private record Keys(List<SecretKeySpec> versions, Instant readAt) {

        boolean signed(byte[] body, byte[] signature) {
            for (SecretKeySpec key : versions) {
                if (MessageDigest.isEqual(hmac(key, body), signature)) {
                    return true;
                }
            }
            return false;
        }
    }

    private volatile Keys keys;
    private Instant lastMissRead = Instant.MIN;
    private ProblemException lastFailure;
    private Instant lastFailureAt;

    /**
     * True when one of the secret's versions signed {@code body} with {@code signature} (HMAC-SHA1, raw bytes).
     * A read of the secret it needs is cut to {@code deadline}.
     */
    public boolean signedWithOurSecret(byte[] body, byte[] signature, Deadline deadline) {
        Keys known = current(deadline);
        if (known.signed(body, signature)) {
            return true;
        }
        Keys fresh = readAgainAfterMiss(known, deadline);
        return fresh != null && fresh.signed(body, signature);
    }

    /** Reads the secret before the first delivery needs it (io.fptrfunctions.lifecycle.FirstCall). */
    void prefetch() {
        current(Deadline.none());
    }

    /** A snapshot must not hold the hook's secret: each restored sandbox reads it (it may have been rotated). */
    @Override
    public synchronized void beforeSnapshot() {
        keys = null;
        lastFailure = null;
        lastMissRead = Instant.MIN;
    }

    private Keys current(Deadline deadline) {
        Keys known = keys;
        if (known != null && clock.instant().isBefore(known.readAt().plus(settings.config().secretTtl()))) {
            return known;
        }
        synchronized (this) {
            if (keys == known) {
                // with versions in hand a slow read must not take the delivery's time: at most half of what is left
                keys = refreshed(known, known == null ? deadline : deadline.less(deadline.remaining().dividedBy(2)));
            }
            return keys;
        }
    }

    /** Reads the secret again unless that was done less than the minimum interval ago; null when it was not. */
    private synchronized Keys readAgainAfterMiss(Keys known, Deadline deadline) {
        if (keys != known) {
            return keys;   // another delivery read it meanwhile
        }
        Instant now = clock.instant();
        if (now.isBefore(lastMissRead.plus(settings.config().secretRefreshMinInterval()))) {
            return null;
        }
        lastMissRead = now;
        keys = refreshed(known, deadline);
        return keys;
    }

    /**
     * A fresh read; if Secrets Manager cannot be reached and versions are known, they are kept a little
     * longer. A read that failed is not tried again within the minimum interval (its failure is given
     * again), so deliveries cannot turn a missing or unreachable secret into a stream of calls either.
     */
    private Keys refreshed(Keys known, Deadline deadline) {
        Instant now = clock.instant();
        if (lastFailure != null && now.isBefore(lastFailureAt.plus(settings.config().secretRefreshMinInterval()))) {
            throw lastFailure;
        }
        try {
            Keys fresh = read(deadline);
            lastFailure = null;
            return fresh;
        } catch (ProblemException e) {
            if (known != null && e.status() == 503) {
                LOG.warnf("Keeping the webhook secret read at %s: %s", known.readAt(), e.detail());
                return new Keys(known.versions(), now.minus(settings.config().secretTtl())
                        .plus(settings.config().secretRefreshMinInterval()));
            }
            lastFailure = e;
            lastFailureAt = now;
            throw e;
        }
    }

    private Keys read(Deadline deadline) {
        String secretId = settings.secretId();
        List<SecretKeySpec> versions = new ArrayList<>();
        versions.add(version(secretId, "AWSCURRENT", deadline)
                .orElseThrow(() -> new ProblemException(500, "Webhook receiver not configured",
                        "The webhook secret (FPTR_WEBHOOK_SECRET_ID) does not exist; the log names it.")));
        version(secretId, "AWSPREVIOUS", deadline).ifPresent(versions::add);
        LOG.infof("Read the webhook secret %s (%d version%s)", secretId, versions.size(), versions.size() == 1 ? "" : "s");
        return new Keys(List.copyOf(versions), clock.instant());
    }

    private Optional<SecretKeySpec> version(String secretId, String stage, Deadline deadline) {
        String value;
        try {
            value = secretsManager.getSecretValue(b -> b.secretId(secretId).versionStage(stage)
                    .overrideConfiguration(AwsTimeouts.within(deadline, secretsManager))).secretString();
        } catch (ResourceNotFoundException e) {
            if (stage.equals("AWSCURRENT")) {
                LOG.errorf("The webhook secret %s (FPTR_WEBHOOK_SECRET_ID) does not exist", secretId);
            }
            return Optional.empty();
        } catch (SecretsManagerException e) {
            if (e.statusCode() >= 500 || e.isThrottlingException()) {
                throw new ProblemException(503, "Service Unavailable",
                        "AWS Secrets Manager could not give the webhook secret just now; nothing was queued.");
            }
            // The AWS error names the secret and the reason (access denied...), never its value.
            LOG.errorf("Secrets Manager refused the webhook secret %s (%s): %s", secretId, stage, e.awsErrorDetails().errorCode());
            throw new ProblemException(500, "Webhook receiver not configured",
                    "Secrets Manager refused to give the webhook secret (" + e.awsErrorDetails().errorCode() + ").");
        } catch (SdkClientException e) {
            LOG.warnf("Secrets Manager could not be reached for the webhook secret: %s", e.getMessage());
            throw new ProblemException(503, "Service Unavailable",
                    "AWS Secrets Manager could not be reached to read the webhook secret; nothing was queued.");
        }
        if (value == null || value.isEmpty()) {
            LOG.errorf("The webhook secret %s (%s) has no SecretString", secretId, stage);
            throw new ProblemException(500, "Webhook receiver not configured",
                    "The webhook secret (FPTR_WEBHOOK_SECRET_ID) is empty; it must hold the hook's secret token as text.");
        }
        return Optional.of(new SecretKeySpec(value.getBytes(StandardCharsets.UTF_8), HMAC));
    }

    static byte[] hmac(SecretKeySpec key, byte[] body) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA1 is not available", e);
        }
    }
}
