package io.fptrfunctions.webhooks;

import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.thumbnails.JobTargets;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link WebhookConfig} checked once: a receiver without its secret (or queue, or table) refuses every
 * delivery with the same 500 problem rather than accept unsigned ones or drop events, and says why in
 * the log once, not once per delivery.
 */
@ApplicationScoped
public class WebhookSettings {

    private static final Logger LOG = Logger.getLogger(WebhookSettings.class);

    @Inject
    WebhookConfig config;

    /** The entity types and variants, a setting the sweep shares. */
    @Inject
    JobTargets targets;

    private final AtomicBoolean logged = new AtomicBoolean();
    private volatile String misconfiguration;

    WebhookSettings() {
    }

    WebhookSettings(WebhookConfig config) {
        this.config = config;
        this.targets = new JobTargets(config.entityTypes(), config.variants());
    }

    /** The 500 problem to answer with while the configuration is incomplete; empty when the receiver can serve. */
    public Optional<ProblemException> problem() {
        String why = misconfiguration();
        if (why.isEmpty()) {
            return Optional.empty();
        }
        if (logged.compareAndSet(false, true)) {
            LOG.errorf("The webhook function refuses every delivery until it is configured: %s", why);
        }
        return Optional.of(new ProblemException(500, "Webhook receiver not configured",
                "The webhook receiver is not configured (" + why + "), so it refuses every delivery. "
                        + "Its log says the same; see README, 'webhook'."));
    }

    private String misconfiguration() {
        String known = misconfiguration;
        if (known == null) {
            List<String> problems = new ArrayList<>();
            if (blank(config.secretId())) {
                problems.add("FPTR_WEBHOOK_SECRET_ID (fptr.webhook.secret-id) names no Secrets Manager secret holding the hook's secret token");
            }
            if (blank(config.queueUrl())) {
                problems.add("FPTR_WEBHOOK_QUEUE_URL (fptr.webhook.queue-url) is not set");
            }
            if (blank(config.tableName())) {
                problems.add("FPTR_WEBHOOK_TABLE_NAME (fptr.webhook.table-name) is not set");
            }
            problems.addAll(targets.problems());
            known = String.join("; ", problems);
            misconfiguration = known;
        }
        return known;
    }

    private static boolean blank(Optional<String> value) {
        return value.filter(v -> !v.isBlank()).isEmpty();
    }

    public String secretId() {
        return config.secretId().orElseThrow();
    }

    public String queueUrl() {
        return config.queueUrl().orElseThrow();
    }

    public String tableName() {
        return config.tableName().orElseThrow();
    }

    public Set<String> entityTypes() {
        return Set.copyOf(targets.entityTypes());
    }

    public List<String> variants() {
        return targets.variants();
    }

    public WebhookConfig config() {
        return config;
    }
}
