package io.fptrfunctions.webhooks;

import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.http.ApiRequest;
import io.fptrfunctions.http.Input;
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

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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
 * An event that cannot be read is counted {@code unreadable} and logged, and its neighbours in a batch are
 * handled; only a delivery with no readable event is a 400.
 * Once the signature holds, FPTR's delivery id joins the invocation's log lines; the outcomes are counted
 * (WebhookAccepted, WebhookDuplicates, WebhookIgnored, WebhookUnreadable per event, WebhookRefused per
 * delivery answered 4xx).
 */
@ApplicationScoped
public class WebhookService {

    private static final Logger LOG = Logger.getLogger(WebhookService.class);
    /** Time kept back from the claims and the queueing to release the claims again when the delivery cannot be queued. */
    private static final Duration RELEASE_RESERVE = Duration.ofSeconds(1);

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

    /** Every delivery checks the secret; an accepted one writes to DynamoDB and SQS: their clients are built, each apart. */
    List<Runnable> prefetches() {
        return List.of(secrets::prefetch, ledger::prefetch, jobQueue::prefetch);
    }

    public WebhookAnswer receive(ApiRequest request) {
        try {
            WebhookAnswer answer = receiveSigned(request);
            metrics.add(Metric.WEBHOOK_ACCEPTED, answer.accepted());
            metrics.add(Metric.WEBHOOK_DUPLICATES, answer.duplicates());
            metrics.add(Metric.WEBHOOK_IGNORED, answer.ignored());
            metrics.add(Metric.WEBHOOK_UNREADABLE, answer.unreadable());
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
        String deliveryId = DeliveryReader.deliveryId(request.headerInput("X-SG-Delivery-Id"));
        invocations.tagId(Invocation.DELIVERY_ID, deliveryId);   // the body passed the signature check: FPTR sent it
        DeliveryReader.Delivery delivery = reader.read(body, deliveryId);
        List<WebhookEvent> events = delivery.events();
        // the header's id, else the first event's own: what the log lines name the delivery by
        String logId = deliveryId != null ? deliveryId : events.isEmpty() ? "-" : events.get(0).deliveryId();
        if (deliveryId == null && !events.isEmpty()) {
            invocations.tagId(Invocation.DELIVERY_ID, logId);
        }

        int readable = 0;
        int ignored = 0;
        int duplicates = 0;
        List<UnreadableEvent> unreadable = new ArrayList<>(delivery.unreadable());
        Map<String, Routed> wanted = new LinkedHashMap<>();
        for (WebhookEvent e : events) {
            List<ThumbnailJob> jobs;
            try {
                jobs = router.jobs(e);
            } catch (ProblemException notActionable) {
                unreadable.add(new UnreadableEvent(e, notActionable));
                continue;
            }
            readable++;
            if (jobs.isEmpty()) {
                ignored++;
            } else if (wanted.putIfAbsent(EventLedger.key(e), new Routed(e, jobs)) != null) {
                duplicates++;   // the same event twice in one batch
            }
        }
        unreadable.sort(Comparator.comparingInt(UnreadableEvent::index));
        refuseWhenNothingIsReadable(delivery.batched(), unreadable, readable);
        for (UnreadableEvent u : unreadable) {
            // one line each, so a bad event is found by its ids in FPTR's event log; no value of its payload
            LOG.warnf("delivery %s: %s could not be read (%s): it is not queued or marked seen; the "
                    + "delivery's other events are handled", logId, u.describe(), u.pointer());
        }

        long awsStarted = System.nanoTime();
        Deadline deadline = request.deadline();
        String claimId = UUID.randomUUID().toString();
        List<String> claimed = claim(wanted, claimId, deadline);
        duplicates += wanted.size() - claimed.size();
        // SQS stops short of the deadline by the reserve, so the claims of events it did not take can still be released
        Set<String> notQueued = send(claimed, wanted, deadline.less(RELEASE_RESERVE));
        // releases first: a claim left behind drops a redelivery within the lease, a missed confirm only risks a duplicate job
        notQueued.forEach(key -> ledger.release(key, claimId, deadline));
        Map<String, WebhookEvent> queued = new LinkedHashMap<>();
        claimed.stream().filter(k -> !notQueued.contains(k)).forEach(k -> queued.put(k, wanted.get(k).event()));
        if (!queued.isEmpty()) {
            ledger.confirm(queued, deadline);
        }
        long done = System.nanoTime();

        LOG.infof("delivery %s (site %s, hook %s, batch %s %s/%s): %d events: accepted %d, duplicates %d, ignored %d, "
                        + "unreadable %d, not queued %d; %.1f ms (%.1f in DynamoDB and SQS)",
                logId,
                logged(request, "x-sg-webhook-site-url"), logged(request, "x-sg-webhook-id"),
                logged(request, "x-sg-event-batch-id"), logged(request, "x-sg-event-batch-index"),
                logged(request, "x-sg-event-batch-size"), readable + unreadable.size(), queued.size(),
                duplicates, ignored, unreadable.size(), notQueued.size(), (done - started) / 1e6, (done - awsStarted) / 1e6);
        if (!notQueued.isEmpty()) {
            throw new ProblemException(503, "Service Unavailable", notQueued.size() + " of " + claimed.size()
                    + " events could not be queued and were not marked seen, so a redelivery queues them; "
                    + queued.size() + " were queued.");
        }
        return new WebhookAnswer(queued.size(), duplicates, ignored, unreadable.size());
    }

    /**
     * A delivery none of whose events could be read is not FPTR's shape: the 400 of its first event (with its
     * pointer), so the sender sees what is wrong. One readable event beside them, even one that is ignored, and
     * the delivery is answered 200 with the others counted: a 400 would count as a failed delivery toward the
     * 100 a day that make FPTR stop the hook, and FPTR does not redeliver its good events.
     */
    private static void refuseWhenNothingIsReadable(boolean batched, List<UnreadableEvent> unreadable, int readable) {
        if (readable > 0 || unreadable.isEmpty()) {
            return;
        }
        ProblemException first = unreadable.get(0).problem();
        if (!batched) {
            throw first;
        }
        throw first.withDetail(first.detail() + " None of the batch's " + unreadable.size()
                + " events could be read, so nothing was queued.");
    }

    /** A header as the log line shows it: the sender chose it, so at most 80 characters, no line breaks. */
    private static String logged(ApiRequest request, String header) {
        return request.header(header).map(Input::quote).orElse("-");
    }

    /** The raw body, once its size and signature are right; the signature header is checked before the body is read. */
    private byte[] verifiedBody(ApiRequest request) {
        byte[] signature = SignatureHeader.parse(request.header(SignatureHeader.NAME));
        // more than Lambda would even pass on: refused before it is decoded or hashed
        byte[] body = request.rawBody(settings.config().maxBodyBytes());
        if (!secrets.signedWithOurSecret(body, signature, request.deadline())) {
            throw SignatureHeader.mismatch();
        }
        return body;
    }

    /** Sends the jobs of the claimed events; returns the events some of whose jobs SQS did not take. */
    private Set<String> send(List<String> claimed, Map<String, Routed> wanted, Deadline deadline) {
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
        return jobQueue.send(settings.queueUrl(), jobs, deadline).stream().map(jobKeys::get).collect(Collectors.toSet());
    }

    /**
     * Claims each wanted event; returns the keys now ours. If DynamoDB fails, or the deadline comes so close
     * that the claims could not be released any more, nothing stays claimed and nothing is queued.
     */
    private List<String> claim(Map<String, Routed> wanted, String claimId, Deadline deadline) {
        List<String> claimed = new ArrayList<>();
        try {
            for (Map.Entry<String, Routed> e : wanted.entrySet()) {
                if (!deadline.allows(RELEASE_RESERVE)) {
                    throw new Deadline.Exceeded("the function's time ran out while recording the events");
                }
                if (ledger.claim(e.getKey(), claimId, e.getValue().event(), deadline)) {
                    claimed.add(e.getKey());
                }
            }
            return claimed;
        } catch (SdkException | Deadline.Exceeded e) {
            LOG.warnf("Recording the delivery's events in %s failed: %s", settings.tableName(), e.getMessage());
            claimed.forEach(key -> ledger.release(key, claimId, deadline));
            throw new ProblemException(503, "Service Unavailable", "The delivery's events could not be recorded, so "
                    + "nothing was queued or marked seen; a redelivery queues them.");
        }
    }
}
