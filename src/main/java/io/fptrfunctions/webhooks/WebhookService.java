package io.fptrfunctions.webhooks;

import io.fptrfunctions.http.ApiRequest;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.telemetry.Invocation;
import io.fptrfunctions.telemetry.Invocations;
import io.fptrfunctions.telemetry.Metric;
import io.fptrfunctions.telemetry.Metrics;
import io.fptrfunctions.thumbnails.ThumbnailJob;
import io.fptrfunctions.thumbnails.ThumbnailJobQueue;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * One FPTR delivery: verify the signature over the raw bytes → read the events → route them → claim the
 * new ones in the {@link EventLedger} → queue their jobs (SendMessageBatch) → mark them queued. Nothing
 * else happens in the request (no FPTR, no S3), so it answers in milliseconds; the worker does the copy.
 * An event that could not be queued is not remembered, and the answer is a 503, so a redelivery queues it.
 * Once the signature holds, FPTR's delivery id joins the invocation's log lines; the outcomes are counted
 * (WebhookAccepted, WebhookDuplicates, WebhookIgnored per event, WebhookRefused per delivery answered 4xx).
 */
@ApplicationScoped
public class WebhookService {

    private static final Logger LOG = Logger.getLogger(WebhookService.class);

    @Inject
    WebhookSettings settings;

    @Inject
    WebhookSecrets secrets;

    @Inject
    DeliveryReader reader;

    @Inject
    EventRouter router;

    @Inject
    EventLedger ledger;

    @Inject
    ThumbnailJobQueue jobQueue;

    @Inject
    Invocations invocations;

    @Inject
    Metrics metrics;

    /** An event this delivery asks to act on, and its jobs. */
    private record Routed(WebhookEvent event, List<ThumbnailJob> jobs) {
    }

    /** Every delivery checks the secret; an accepted one writes to DynamoDB and SQS: their clients are built. */
    void prefetch() {
        secrets.prefetch();
        ledger.prefetch();
        jobQueue.prefetch();
    }

    public WebhookAnswer receive(ApiRequest request) {
        try {
            WebhookAnswer answer = receiveSigned(request);
            metrics.add(Metric.WEBHOOK_ACCEPTED, answer.accepted());
            metrics.add(Metric.WEBHOOK_DUPLICATES, answer.duplicates());
            metrics.add(Metric.WEBHOOK_IGNORED, answer.ignored());
            return answer;
        } catch (ProblemException e) {
            if (e.status() < 500) {
                metrics.count(Metric.WEBHOOK_REFUSED);
            }
            throw e;
        }
    }

    private WebhookAnswer receiveSigned(ApiRequest request) {
        long started = System.nanoTime();
        byte[] body = verifiedBody(request);
        String deliveryId = request.header("x-sg-delivery-id").orElse(null);
        invocations.tagId(Invocation.DELIVERY_ID, deliveryId);   // the body passed the signature check: FPTR sent it
        List<WebhookEvent> events = reader.read(body, deliveryId);
        if (deliveryId == null && !events.isEmpty()) {
            invocations.tagId(Invocation.DELIVERY_ID, events.get(0).deliveryId());
        }

        int ignored = 0;
        int duplicates = 0;
        Map<String, Routed> wanted = new LinkedHashMap<>();
        for (WebhookEvent e : events) {
            List<ThumbnailJob> jobs = router.jobs(e);
            if (jobs.isEmpty()) {
                ignored++;
            } else if (wanted.putIfAbsent(EventLedger.key(e), new Routed(e, jobs)) != null) {
                duplicates++;   // the same event twice in one batch
            }
        }
        long awsStarted = System.nanoTime();
        String claimId = UUID.randomUUID().toString();
        List<String> claimed = claim(wanted, claimId);
        duplicates += wanted.size() - claimed.size();
        Set<String> notQueued = send(claimed, wanted);
        Map<String, WebhookEvent> queued = new LinkedHashMap<>();
        claimed.stream().filter(k -> !notQueued.contains(k)).forEach(k -> queued.put(k, wanted.get(k).event()));
        if (!queued.isEmpty()) {
            ledger.confirm(queued);
        }
        notQueued.forEach(key -> ledger.release(key, claimId));
        long done = System.nanoTime();

        LOG.infof("delivery %s (site %s, hook %s, batch %s %s/%s): %d events: accepted %d, duplicates %d, ignored %d, "
                        + "not queued %d; %.1f ms (%.1f in DynamoDB and SQS)",
                deliveryId != null ? deliveryId : events.get(0).deliveryId(),
                request.header("x-sg-webhook-site-url").orElse("-"), request.header("x-sg-webhook-id").orElse("-"),
                request.header("x-sg-event-batch-id").orElse("-"), request.header("x-sg-event-batch-index").orElse("-"),
                request.header("x-sg-event-batch-size").orElse("-"), events.size(), queued.size(), duplicates, ignored,
                notQueued.size(), (done - started) / 1e6, (done - awsStarted) / 1e6);
        if (!notQueued.isEmpty()) {
            throw new ProblemException(503, "Service Unavailable", notQueued.size() + " of " + claimed.size()
                    + " events could not be queued and were not marked seen, so a redelivery queues them; "
                    + queued.size() + " were queued.");
        }
        return new WebhookAnswer(queued.size(), duplicates, ignored);
    }

    /** The raw body, once its size and signature are right; the signature header is checked before the body is read. */
    private byte[] verifiedBody(ApiRequest request) {
        byte[] signature = SignatureHeader.parse(request.header(SignatureHeader.NAME));
        byte[] body = request.rawBody();
        int max = settings.config().maxBodyBytes();
        if (body.length > max) {
            throw new ProblemException(413, "Content Too Large", "The body is " + body.length + " bytes; FPTR never sends "
                    + "more than " + max + " (it drops old_value/new_value from bigger events). Nothing was queued.");
        }
        if (!secrets.signedWithOurSecret(body, signature)) {
            throw SignatureHeader.mismatch();
        }
        return body;
    }

    /** Sends the jobs of the claimed events; returns the events some of whose jobs SQS did not take. */
    private Set<String> send(List<String> claimed, Map<String, Routed> wanted) {
        List<ThumbnailJob> jobs = new ArrayList<>();
        List<String> jobKeys = new ArrayList<>();
        for (String key : claimed) {
            for (ThumbnailJob job : wanted.get(key).jobs()) {
                jobs.add(job);
                jobKeys.add(key);
            }
        }
        if (jobs.isEmpty()) {
            return Set.of();
        }
        return jobQueue.send(settings.queueUrl(), jobs).stream().map(jobKeys::get).collect(Collectors.toSet());
    }

    /** Claims each wanted event; returns the keys now ours. If DynamoDB fails, nothing stays claimed and nothing is queued. */
    private List<String> claim(Map<String, Routed> wanted, String claimId) {
        List<String> claimed = new ArrayList<>();
        try {
            for (Map.Entry<String, Routed> e : wanted.entrySet()) {
                if (ledger.claim(e.getKey(), claimId, e.getValue().event())) {
                    claimed.add(e.getKey());
                }
            }
            return claimed;
        } catch (SdkException e) {
            LOG.warnf("Recording the delivery's events in %s failed: %s", settings.tableName(), e.getMessage());
            claimed.forEach(key -> ledger.release(key, claimId));
            throw new ProblemException(503, "Service Unavailable", "The delivery's events could not be recorded, so "
                    + "nothing was queued or marked seen; a redelivery queues them.");
        }
    }
}
