package io.fptrfunctions.uploadworker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.aws.AwsTimeouts;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.idempotency.IdempotentWrites;
import io.fptrfunctions.idempotency.IdempotentWrites.QueuedResult;
import io.fptrfunctions.telemetry.Metric;
import io.fptrfunctions.telemetry.Metrics;
import io.fptrfunctions.thumbnailworker.Delays;
import io.fptrfunctions.thumbnailworker.JobMessage;
import io.fptrfunctions.thumbnailworker.JobMessages;
import io.fptrfunctions.thumbnailworker.WorkerTimeout;
import io.fptrfunctions.uploads.QueuedUploads;
import io.fptrfunctions.uploads.UploadJob;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Runs a batch of upload jobs ({@code Prefer: respond-async} on the upload routes), one after another, with the
 * thumbnail worker's failure model: a partial batch failure leaves on the queue only the messages that failed.
 * Each job runs under the {@code Idempotency-Key} claim the HTTP function made when it queued it
 * ({@link IdempotentWrites#runQueued}), so it is safe to run twice:
 * <ul>
 * <li>done (a success or a final refusal, stored as the key's answer) → deleted;</li>
 * <li>its answer already stored (a redelivery; or the same request, sent again under the key, ran it) → deleted,
 *     nothing uploaded; so is a job whose key now holds another request (its record was freed or expired and the
 *     key used again);</li>
 * <li>another attempt holds the key (the same request sent again without the preference) → sent again after
 *     that attempt's lease, so it then finds the answer (an attempt that stopped holding it is taken over);</li>
 * <li>failed (FPTR, storage or S3 failing, out of time, a bug) → left on the queue, visible again after a delay
 *     doubling with each receive (never before FPTR's Retry-After), until the redrive policy moves it to the
 *     dead-letter queue; the next run looks in FPTR for what this one may have made before uploading. On the
 *     job's last receive (the queue's own maxReceiveCount, read from its redrive policy) a failure is stored as the
 *     key's answer instead ({@link IdempotentWrites.QueuedOutcome#DEAD_LETTERED}: a 502 that says whether the write
 *     may have landed), and the job is visible again at once, so the queue moves it to the dead-letter queue;</li>
 * <li>a body that is not an upload job → visible again at once, so it reaches the dead-letter queue within seconds.</li>
 * </ul>
 * An upload is started only while the deadline leaves {@code fptr.upload-worker.min-time-left}; the jobs after that
 * are sent again as they are. The worker's own queue calls after a job are cut to the deadline too ({@link JobMessages}).
 */
@ApplicationScoped
public class UploadWorker {

    private static final Logger LOG = Logger.getLogger(UploadWorker.class);

    @Inject
    UploadWorkerConfig config;

    @Inject
    QueuedUploads jobs;

    @Inject
    IdempotentWrites writes;

    @Inject
    JobMessages queue;

    @Inject
    Metrics metrics;

    @Inject
    SqsClient sqs;

    @Inject
    ObjectMapper mapper;

    /** The queue's maxReceiveCount, once read (0: not read yet; -1: the queue has none). */
    private volatile int maxReceiveCount;

    private volatile boolean misconfigurationLogged;
    private final WorkerTimeout timeout = new WorkerTimeout("upload worker", "fptr.upload-worker.min-time-left", "FPTR_UPLOAD_WORKER_MIN_TIME_LEFT");

    /** An invocation's batch: refused when the invocation starts with less than min-time-left ({@link WorkerTimeout}). */
    List<String> runInvocation(List<JobMessage> batch, Deadline deadline) {
        timeout.requireAtStart(deadline, config.minTimeLeft());
        return run(batch, deadline);
    }

    /** Runs the batch within {@code deadline}; returns the ids of the messages to leave on the queue. */
    List<String> run(List<JobMessage> batch, Deadline deadline) {
        String queueUrl = queueUrl();
        List<String> stay = new ArrayList<>();
        for (JobMessage message : batch) {
            boolean stays = deadline.allows(config.minTimeLeft()) ? handle(queueUrl, message, deadline)
                    : notStarted(queueUrl, message, deadline);
            if (stays) {
                stay.add(message.messageId());
            }
        }
        LOG.infof("batch of %d: %d left on the queue", batch.size(), stay.size());
        return stay;
    }

    /** True when the message stays on the queue. */
    private boolean handle(String queueUrl, JobMessage message, Deadline deadline) {
        UploadJob job;
        try {
            job = jobs.read(message.body());
        } catch (QueuedUploads.NotAJob e) {
            LOG.errorf("message %s (receive %d) is not an upload job: %s. It goes back on the queue at once, so the "
                    + "queue's redrive policy moves it to the dead-letter queue. Its body: %s", message.messageId(),
                    message.receiveCount(), e.getMessage(), message.bodyForLog());
            queue.visibleAgainIn(queueUrl, message, Duration.ZERO, deadline);
            metrics.count(Metric.JOBS_NOT_A_JOB);
            return true;
        }
        OptionalInt maxReceives = maxReceiveCount(queueUrl, deadline);
        boolean lastTry = maxReceives.isPresent() && message.receiveCount() >= maxReceives.getAsInt();
        String what = job + ", receive " + message.receiveCount() + (maxReceives.isPresent() ? " of " + maxReceives.getAsInt() : "");
        long started = System.nanoTime();
        QueuedResult result;
        try {
            Deadline work = deadline.less(JobMessages.AFTER_THE_JOB);   // the queue call after the job keeps its time
            result = writes.runQueued(job.idempotency(), message.messageId(), message.receiveCount(), lastTry, work,
                    attempt -> jobs.run(job, attempt, work));
        } catch (RuntimeException | StackOverflowError e) {
            // the key's store failing, or a bug: this job's failure, not the batch's
            LOG.errorf(e, "%s failed before it could run", what);
            result = new QueuedResult(IdempotentWrites.QueuedOutcome.FAILED, e instanceof RuntimeException r ? r : null, null);
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        switch (result.outcome()) {
            case DONE -> {
                LOG.infof("%s: done%s (%d ms)", what, result.failure() == null ? ""
                        : ", refused: " + result.failure().getMessage(), millis);
                metrics.count(Metric.JOBS_DONE);
                return false;
            }
            case ALREADY_DONE -> {
                LOG.infof("%s: an earlier delivery of this job stored its answer (a redelivery); nothing uploaded", what);
                metrics.count(Metric.JOBS_DONE);
                return false;
            }
            case ANSWERED_BY_RETRY -> {
                LOG.infof("%s: the same request, sent again under its Idempotency-Key, ran and stored its answer; this job "
                        + "is dropped, nothing uploaded", what);
                metrics.count(Metric.JOBS_DONE);
                return false;
            }
            case KEY_REUSED -> {
                LOG.warnf("%s: its Idempotency-Key now holds another request (this job's record was freed or expired, "
                        + "and the key was used again); this job is dropped, nothing uploaded, and no answer is kept for it", what);
                metrics.count(Metric.JOBS_DONE);
                return false;
            }
            case DEAD_LETTERED -> {
                LOG.errorf("%s: failed (%s) after %d ms on its last receive; its Idempotency-Key now answers the failure "
                        + "(502, job dead_lettered), and the job goes to the dead-letter queue", what,
                        result.failure() == null ? "unknown" : result.failure().getMessage(), millis);
                queue.visibleAgainIn(queueUrl, message, Duration.ZERO, deadline);
                metrics.count(Metric.JOBS_FAILED);
                return true;
            }
            case BUSY -> {
                Duration delay = max(result.retryAfter(), config.retryMinDelay());
                LOG.infof("%s: another attempt holds its Idempotency-Key; looking again in %d s", what, delay.toSeconds());
                metrics.count(Metric.JOBS_WAITING);
                if (queue.sendAgain(queueUrl, message, delay, Map.of(), deadline)) {
                    return false;
                }
                queue.visibleAgainIn(queueUrl, message, delay, deadline);
                return true;
            }
            default -> {
                Duration delay = max(result.retryAfter(),
                        Delays.failure(message.receiveCount(), config.retryMinDelay(), config.retryMaxDelay()));
                LOG.warnf("%s: failed (%s) after %d ms; visible again in %d s (the queue's redrive policy moves it to the "
                        + "dead-letter queue after its maxReceiveCount receives)", what, result.failure() == null ? "unknown"
                        : result.failure().getMessage(), millis, delay.toSeconds());
                queue.visibleAgainIn(queueUrl, message, delay, deadline);
                metrics.count(Metric.JOBS_FAILED);
                return true;
            }
        }
    }

    /** Not enough time left for an upload: the job goes back as it is, for the next invocation. */
    private boolean notStarted(String queueUrl, JobMessage message, Deadline deadline) {
        Duration left = deadline.remaining();
        boolean sent = queue.sendAgain(queueUrl, message, Duration.ZERO, Map.of(), deadline);
        LOG.infof("message %s not started: %d ms left of the invocation (fptr.upload-worker.min-time-left %s); %s",
                message.messageId(), left.toMillis(), config.minTimeLeft(), sent ? "sent again" : "left on the queue");
        metrics.count(Metric.JOBS_NOT_STARTED);
        if (!sent) {
            queue.visibleAgainIn(queueUrl, message, Duration.ZERO, deadline);
        }
        return !sent;
    }

    /**
     * The queue's maxReceiveCount, from its redrive policy (read once; GetQueueAttributes comes with the SQS event):
     * empty when the queue has none or it could not be read (then no receive counts as the last, as before).
     */
    private OptionalInt maxReceiveCount(String queueUrl, Deadline deadline) {
        if (maxReceiveCount != 0) {
            return maxReceiveCount > 0 ? OptionalInt.of(maxReceiveCount) : OptionalInt.empty();
        }
        try {
            String policy = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.REDRIVE_POLICY)
                    .overrideConfiguration(AwsTimeouts.within(deadline, sqs))).attributes().get(QueueAttributeName.REDRIVE_POLICY);
            JsonNode count = policy == null ? null : mapper.readTree(policy).path("maxReceiveCount");
            int value = count == null ? 0 : count.isNumber() ? count.asInt() : count.isTextual() ? Integer.parseInt(count.asText().trim()) : 0;
            if (value > 0) {
                maxReceiveCount = value;
                return OptionalInt.of(value);
            }
            maxReceiveCount = -1;
            LOG.warnf("The upload job queue has no redrive policy with a maxReceiveCount (%s): a job that keeps failing stays "
                    + "on it until its retention ends, its Idempotency-Key answering 409 meanwhile", policy);
        } catch (SdkException | JsonProcessingException | NumberFormatException e) {
            LOG.warnf("The upload job queue's redrive policy could not be read (%s); this job's receive is not known to be its "
                    + "last", e.getMessage());
        }
        return OptionalInt.empty();
    }

    private static Duration max(Duration a, Duration b) {
        return a == null || a.compareTo(b) < 0 ? b : a;
    }

    /** The worker cannot run without its queue: every batch fails (logged once), so no job is lost. */
    private String queueUrl() {
        if (config.queueUrl().filter(v -> !v.isBlank()).isPresent()) {
            return config.queueUrl().get();
        }
        if (!misconfigurationLogged) {
            misconfigurationLogged = true;
            LOG.error("The upload worker is not configured: FPTR_UPLOAD_WORKER_QUEUE_URL (fptr.upload-worker.queue-url) is "
                    + "not set; every batch fails and stays on the queue");
        }
        throw new IllegalStateException("The upload worker is not configured: fptr.upload-worker.queue-url is not set.");
    }
}
