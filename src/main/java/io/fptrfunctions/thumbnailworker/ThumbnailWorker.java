package io.fptrfunctions.thumbnailworker;

import io.fptrfunctions.aws.AwsFailure;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrFailure;
import io.fptrfunctions.fptr.StorageFailure;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.telemetry.Invocation;
import io.fptrfunctions.telemetry.Invocations;
import io.fptrfunctions.telemetry.Metric;
import io.fptrfunctions.telemetry.Metrics;
import io.fptrfunctions.thumbnails.CopiedImages;
import io.fptrfunctions.thumbnails.ThumbnailCopy;
import io.fptrfunctions.thumbnails.ThumbnailJob;
import io.fptrfunctions.thumbnails.ThumbnailRequest;
import io.fptrfunctions.thumbnails.ThumbnailService;
import io.fptrfunctions.thumbnails.ThumbnailVariant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a batch of thumbnail jobs, one after another, and says which messages stay on the queue (a
 * partial batch failure: every other message is deleted, so one bad job never brings back its
 * neighbours). What happens to a job is decided by the type of what {@link ThumbnailService#copyImage}
 * threw, never by its words:
 * <ul>
 * <li>copied or unchanged → done, recorded in the state table ({@link CopiedImages}) and acknowledged; a copy whose
 *     image changed while it ran is made again at once, while the deadline leaves {@code min-time-left};</li>
 * <li>the entity, its image or its image field is gone (FPTR's 404, an unknown type) → done, logged and
 *     acknowledged, not retried;</li>
 * <li>FPTR still makes the thumbnail → sent again with a delay ({@link Delays#pending}: a third of the time
 *     waited so far, between {@code fptr.thumbnail-worker.pending-min-delay} and {@code pending-max-delay})
 *     until {@code pending-max-wait}, then given up; waiting never counts toward the dead-letter queue
 *     ({@link JobMessages#sendAgain});</li>
 * <li>anything else (FPTR unavailable, storage or S3 failing, FPTR refusing, a bug) → left on the queue,
 *     visible again after a delay doubling with each receive (never before FPTR's Retry-After), until
 *     the queue's redrive policy moves it to the dead-letter queue;</li>
 * <li>a body that is not a thumbnail job → left on the queue, visible again at once, so it reaches the
 *     dead-letter queue within seconds, where its body can be read (and redriven once its sender is fixed).</li>
 * </ul>
 * A copy is started only while the invocation's deadline (Lambda's remaining time less
 * {@code fptr.deadline.margin}) leaves {@code fptr.thumbnail-worker.min-time-left}; the jobs after that are
 * sent again as they are, so they do not count as failures either. Each job's FPTR calls, download and S3
 * upload are cut to that deadline (less {@link JobMessages#AFTER_THE_JOB}, kept for the queue call after them),
 * so a slow one ends as that job's failure, not as Lambda's timeout of the batch; so are the worker's own queue
 * calls after it ({@link JobMessages}: a send or visibility change SQS does not answer in time leaves the message
 * as a batch item failure).
 */
@ApplicationScoped
public class ThumbnailWorker {

    private static final Logger LOG = Logger.getLogger(ThumbnailWorker.class);

    @Inject
    ThumbnailWorkerConfig config;

    @Inject
    JobReader reader;

    @Inject
    ThumbnailService thumbnails;

    @Inject
    CopiedImages copies;

    @Inject
    JobMessages queue;

    @Inject
    DeliveryAcknowledgements acknowledgements;

    @Inject
    Clock clock;

    @Inject
    Invocations invocations;

    @Inject
    Metrics metrics;

    private volatile boolean misconfigurationLogged;
    private final WorkerTimeout timeout = new WorkerTimeout("thumbnail worker", "fptr.thumbnail-worker.min-time-left", "FPTR_THUMBNAIL_WORKER_MIN_TIME_LEFT");

    /** What became of one message, and the metric that counts it. */
    enum Outcome {
        DONE(Metric.JOBS_DONE), GONE(Metric.JOBS_GONE), WAITING(Metric.JOBS_WAITING), GAVE_UP(Metric.JOBS_GAVE_UP),
        FAILED(Metric.JOBS_FAILED), NOT_A_JOB(Metric.JOBS_NOT_A_JOB), NOT_STARTED(Metric.JOBS_NOT_STARTED);

        final Metric metric;

        Outcome(Metric metric) {
            this.metric = metric;
        }
    }

    /** An outcome, and whether the message stays on the queue (reported as a batch item failure). */
    private record Result(Outcome outcome, boolean stays) {
    }

    /** An invocation's batch: refused when the invocation starts with less than min-time-left ({@link WorkerTimeout}). */
    List<String> runInvocation(List<JobMessage> batch, Deadline deadline) {
        timeout.requireAtStart(deadline, config.minTimeLeft());
        return run(batch, deadline);
    }

    /**
     * Runs the batch within {@code deadline}; returns the ids of the messages to leave on the queue.
     */
    List<String> run(List<JobMessage> batch, Deadline deadline) {
        String queueUrl = required(config.queueUrl(), "FPTR_THUMBNAIL_WORKER_QUEUE_URL (fptr.thumbnail-worker.queue-url)");
        String table = required(config.tableName(), "FPTR_THUMBNAIL_WORKER_TABLE_NAME (fptr.thumbnail-worker.table-name)");
        long started = System.nanoTime();
        List<String> stay = new ArrayList<>();
        Map<Outcome, Integer> counts = new LinkedHashMap<>();
        for (JobMessage message : batch) {
            Result result = deadline.allows(config.minTimeLeft())
                    ? handle(queueUrl, table, message, deadline) : notStarted(queueUrl, message, deadline);
            invocations.untag(Invocation.DELIVERY_ID);
            counts.merge(result.outcome(), 1, Integer::sum);
            metrics.count(result.outcome().metric);
            if (result.stays()) {
                stay.add(message.messageId());
            }
        }
        StringBuilder summary = new StringBuilder();
        counts.forEach((outcome, n) -> summary.append(summary.length() == 0 ? "" : ", ").append(n).append(' ')
                .append(outcome.name().toLowerCase(Locale.ROOT).replace('_', ' ')));
        LOG.infof("batch of %d: %s; %d left on the queue (%d ms)", batch.size(), summary, stay.size(),
                (System.nanoTime() - started) / 1_000_000);
        return stay;
    }

    private Result handle(String queueUrl, String table, JobMessage message, Deadline deadline) {
        ThumbnailJob job;
        try {
            job = reader.read(message.body());
        } catch (JobReader.NotAJob e) {
            LOG.errorf("message %s (receive %d) is not a thumbnail job: %s. It goes back on the queue at once, so the "
                    + "queue's redrive policy moves it to the dead-letter queue. Its body: %s", message.messageId(),
                    message.receiveCount(), clause(e.getMessage()), message.bodyForLog());
            queue.visibleAgainIn(queueUrl, message, Duration.ZERO, deadline);
            return new Result(Outcome.NOT_A_JOB, true);
        }
        invocations.tagId(Invocation.DELIVERY_ID, job.deliveryId());   // this job's lines name the FPTR delivery it came from
        ThumbnailVariant variant = ThumbnailVariant.valueOf(job.variant().toUpperCase(Locale.ROOT));
        String what = "job " + job.entityType() + "/" + job.entityId() + " " + job.variant() + " ("
                + (job.source() == null ? "no source" : job.source())
                + (job.deliveryId() == null ? "" : " delivery " + job.deliveryId()) + ", receive " + message.receiveCount() + ")";
        long started = System.nanoTime();
        Deadline work = deadline.less(JobMessages.AFTER_THE_JOB);
        try {
            ThumbnailService.CopiedImage copied = copyCurrentImage(new ThumbnailRequest(job.entityType(), job.entityId(), variant), what, work);
            ThumbnailCopy copy = copied.copy();
            LOG.infof("%s: %s s3://%s/%s, %d bytes, %d ms", what, copy.status(), copy.bucket(), copy.key(), copy.size(),
                    (System.nanoTime() - started) / 1_000_000);
            record(table, copied, variant, what, work);
            acknowledgements.copied(job, copy, work);
            return new Result(Outcome.DONE, false);
        } catch (ThumbnailService.ImagePending pending) {
            return waitForImage(queueUrl, message, job, what, deadline);
        } catch (ThumbnailService.NoImage | ThumbnailService.NoImageField gone) {
            return gone(job, what, gone.getMessage(), deadline);
        } catch (FptrFailure.Refused refused) {
            return switch (refused.kind()) {
                case NOT_FOUND, UNKNOWN_ENTITY_TYPE, UNKNOWN_FIELD -> gone(job, what, refused.getMessage(), deadline);
                default -> failed(queueUrl, message, what, "FPTR refused", refused, null, deadline);
            };
        } catch (FptrFailure.Unavailable unavailable) {
            return failed(queueUrl, message, what, "FPTR unavailable", unavailable, unavailable.retryAfter().orElse(null), deadline);
        } catch (FptrFailure | StorageFailure | AwsFailure | ProblemException | Deadline.Exceeded known) {
            return failed(queueUrl, message, what, known.getClass().getSimpleName(), known, null, deadline);
        } catch (RuntimeException | StackOverflowError bug) {
            // a bug in one job (even a stack overflow) is that job's failure, not the batch's
            LOG.errorf(bug, "%s failed unexpectedly", what);
            return failed(queueUrl, message, what, "unexpected " + bug.getClass().getSimpleName(), bug, null, deadline);
        }
    }

    /**
     * The copy, made once more at once when the image changed while it ran ({@link ThumbnailService.ImageChanged}):
     * S3 may then hold the older image over the newer one's copy, which is done and recorded, so neither the
     * sweep nor an event would copy it again; left to a failure's backoff, S3 stays so for minutes, or until someone
     * redrives the job when that was its last receive. A second change in a row is a failure like any other.
     */
    private ThumbnailService.CopiedImage copyCurrentImage(ThumbnailRequest request, String what, Deadline deadline) {
        try {
            return thumbnails.copyImage(request, deadline);
        } catch (ThumbnailService.ImageChanged changed) {
            if (!deadline.allows(config.minTimeLeft())) {
                throw changed;
            }
            LOG.infof("%s: the image changed in FPTR while its earlier image was copied; copying the image FPTR shows now", what);
            return thumbnails.copyImage(request, deadline);
        }
    }

    /** The copy is done whatever the record does: without one, the sweep only queues this image once more. */
    private void record(String table, ThumbnailService.CopiedImage copied, ThumbnailVariant variant, String what, Deadline deadline) {
        try {
            copies.record(table, copied, variant, clock.instant(), deadline);
        } catch (AwsFailure e) {
            LOG.warnf("%s: the copy is done but was not recorded in %s: %s", what, table, e.getMessage());
        }
    }

    private Result gone(ThumbnailJob job, String what, String why, Deadline deadline) {
        LOG.infof("%s: gone, not retried: %s", what, why);
        acknowledgements.notCopied(job, "gone", why, deadline);
        return new Result(Outcome.GONE, false);
    }

    /** Sends the job again after a growing delay, or gives up once it has waited {@code pending-max-wait}. */
    private Result waitForImage(String queueUrl, JobMessage message, ThumbnailJob job, String what, Deadline deadline) {
        Instant now = clock.instant();
        Instant since = message.instantAttribute(JobMessages.PENDING_SINCE);
        since = since == null || since.isAfter(now) ? now : since;
        Long looked = message.longAttribute(JobMessages.PENDING_CHECKS);
        long looks = (looked == null ? 0 : looked) + 1;
        Duration waited = Duration.between(since, now);
        Duration left = config.pendingMaxWait().minus(waited);
        if (left.isNegative() || left.isZero()) {
            String why = "FPTR still showed its \"thumbnail pending\" placeholder after " + words(waited) + " (" + looks
                    + " looks; fptr.thumbnail-worker.pending-max-wait is " + words(config.pendingMaxWait()) + ")";
            LOG.warnf("%s: gave up: %s", what, why);
            acknowledgements.notCopied(job, "gave_up", why, deadline);
            return new Result(Outcome.GAVE_UP, false);
        }
        Duration delay = Delays.pending(waited, config.pendingMinDelay(), config.pendingMaxDelay());
        delay = delay.compareTo(left) > 0 ? left : delay;
        if (queue.sendAgain(queueUrl, message, delay, Map.of(JobMessages.PENDING_SINCE, since.toEpochMilli(),
                JobMessages.PENDING_CHECKS, looks), deadline)) {
            LOG.infof("%s: image pending (waited %s, look %d); looking again in %s", what, words(waited), looks, words(delay));
            return new Result(Outcome.WAITING, false);
        }
        queue.visibleAgainIn(queueUrl, message, delay, deadline);
        return new Result(Outcome.WAITING, true);
    }

    /** Leaves the message on the queue, visible again after the doubling delay (and not before {@code retryAfter}). */
    private Result failed(String queueUrl, JobMessage message, String what, String kind, Throwable e, Duration retryAfter,
                          Deadline deadline) {
        Duration delay = Delays.failure(message.receiveCount(), config.retryMinDelay(), config.retryMaxDelay());
        if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
            delay = retryAfter;
        }
        LOG.warnf("%s: failed (%s): %s; visible again in %s (the queue's redrive policy moves it to the dead-letter "
                + "queue after its maxReceiveCount receives)", what, kind, clause(e.getMessage()), words(delay));
        queue.visibleAgainIn(queueUrl, message, delay, deadline);
        return new Result(Outcome.FAILED, true);
    }

    /** Not enough time left for a copy: the job goes back as it is, for the next invocation. */
    private Result notStarted(String queueUrl, JobMessage message, Deadline deadline) {
        Duration left = deadline.remaining();
        Map<String, Long> carried = new LinkedHashMap<>();
        for (String name : List.of(JobMessages.PENDING_SINCE, JobMessages.PENDING_CHECKS)) {
            Long value = message.longAttribute(name);
            if (value != null) {
                carried.put(name, value);
            }
        }
        boolean sent = queue.sendAgain(queueUrl, message, Duration.ZERO, carried, deadline);
        LOG.infof("message %s not started: %s left of the invocation (fptr.thumbnail-worker.min-time-left %s); %s", message.messageId(),
                words(left), words(config.minTimeLeft()), sent ? "sent again" : "left on the queue");
        if (!sent) {
            queue.visibleAgainIn(queueUrl, message, Duration.ZERO, deadline);
        }
        return new Result(Outcome.NOT_STARTED, !sent);
    }

    /** A setting the worker cannot run without: its absence fails every batch (logged once), so no job is lost. */
    private String required(java.util.Optional<String> value, String name) {
        if (value.filter(v -> !v.isBlank()).isPresent()) {
            return value.get();
        }
        if (!misconfigurationLogged) {
            misconfigurationLogged = true;
            LOG.errorf("The thumbnail worker is not configured: %s is not set; every batch fails and stays on the queue", name);
        }
        throw new IllegalStateException("The thumbnail worker is not configured: " + name + " is not set.");
    }

    /** A message without its final full stop, to go on inside a log line. */
    private static String clause(String message) {
        if (message == null) {
            return "";
        }
        int end = message.length();
        while (end > 0 && message.charAt(end - 1) == '.') {   // no regular expression: "\\.+$" is quadratic over many dots
            end--;
        }
        return message.substring(0, end);
    }

    /** {@code 45 s}, {@code 5 min 30 s}: durations as a log line reads them. */
    static String words(Duration d) {
        long seconds = JobMessages.seconds(d);
        return seconds < 60 ? seconds + " s" : seconds / 60 + " min" + (seconds % 60 == 0 ? "" : " " + seconds % 60 + " s");
    }
}
