package io.fptrfunctions.thumbnailworker;

import io.fptrfunctions.aws.AwsTimeouts;
import io.fptrfunctions.deadline.Deadline;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A worker's own calls on its job queue (the thumbnail worker's, and the upload worker's), besides what Lambda does (receive, delete what succeeded):
 * <ul>
 * <li>{@link #sendAgain}: a new message with the same body, delayed, for a job that is waiting (FPTR
 *     still makes the thumbnail) or was not started. Its receive count starts at 1 again, so waiting never
 *     counts toward the dead-letter queue; the old message is then reported done.</li>
 * <li>{@link #visibleAgainIn}: ChangeMessageVisibility of a failed job, which Lambda then leaves on the
 *     queue (a partial batch failure): it comes back after that delay with its receive count one higher.</li>
 * </ul>
 * Both are cut to the invocation's {@link Deadline} as well as to the client's {@code quarkus.sqs.api-call-timeout}
 * ({@link AwsTimeouts}), like every other AWS call: they come after the job's work, so a slow or silent SQS would
 * otherwise hold the invocation past Lambda's timeout, and Lambda would then bring back the whole batch, the jobs
 * that were done included. A call cut so is a failure like any other:
 * <ul>
 * <li>a send cut is {@code false}, so the worker leaves the old message on the queue (a batch item failure). If SQS
 *     took the send but its answer came late, the job is on the queue twice; that is safe, as every job is
 *     idempotent: a thumbnail copy of an image already in the bucket ends {@code unchanged} (its source is in the
 *     object's metadata), and an upload runs under its {@code Idempotency-Key}'s claim, so its second delivery
 *     finds the answer stored (or the key held) and uploads nothing.</li>
 * <li>a visibility change cut leaves the message as it was: reported as a batch item failure, it comes back after
 *     the queue's visibility timeout instead of the delay asked for (later, and with its receive counted, as it
 *     would be anyway), so it is neither lost nor doubled, and the redrive policy still counts it toward the
 *     dead-letter queue.</li>
 * </ul>
 */
@ApplicationScoped
public class JobMessages {

    private static final Logger LOG = Logger.getLogger(JobMessages.class);
    /** When the job first found the image pending (epoch ms). */
    static final String PENDING_SINCE = "fptr-pending-since";
    /** How many times it found it pending. */
    static final String PENDING_CHECKS = "fptr-pending-checks";
    /** SQS's limits: DelaySeconds up to 15 minutes, a visibility timeout up to 12 hours. */
    static final Duration MAX_DELAY = Duration.ofMinutes(15);
    static final Duration MAX_VISIBILITY = Duration.ofHours(12);

    /**
     * What a job's own work leaves of the invocation's deadline for the queue call after it: a job cut by the
     * deadline (a slow copy) still gets its visibility change, so it comes back after its failure's backoff,
     * not after the queue's 90 min visibility timeout. SQS answers in tens of milliseconds.
     */
    public static final Duration AFTER_THE_JOB = Duration.ofMillis(500);

    @Inject
    SqsClient sqs;

    /**
     * Sends the job again, visible after {@code delay}, with these attributes, by {@code deadline}; false when SQS
     * did not take it, or did not say so in time.
     */
    public boolean sendAgain(String queueUrl, JobMessage message, Duration delay, Map<String, Long> attributes, Deadline deadline) {
        Map<String, MessageAttributeValue> values = new LinkedHashMap<>();
        attributes.forEach((name, value) -> values.put(name,
                MessageAttributeValue.builder().dataType("Number").stringValue(Long.toString(value)).build()));
        int seconds = (int) Math.min(MAX_DELAY.toSeconds(), seconds(delay));
        try {
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(message.body()).delaySeconds(seconds).messageAttributes(values)
                    .overrideConfiguration(AwsTimeouts.within(deadline, sqs)));
            return true;
        } catch (SdkException e) {
            LOG.warnf("The job of message %s could not be sent again (%s); it stays on the queue instead", message.messageId(),
                    e.getMessage());
            return false;
        }
    }

    /**
     * Makes the message visible again after {@code delay}, by {@code deadline}; a failure (or no answer in time) is
     * logged, and the queue's visibility timeout then applies.
     */
    public void visibleAgainIn(String queueUrl, JobMessage message, Duration delay, Deadline deadline) {
        int seconds = (int) Math.min(MAX_VISIBILITY.toSeconds(), seconds(delay));
        try {
            sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()).visibilityTimeout(seconds)
                    .overrideConfiguration(AwsTimeouts.within(deadline, sqs)));
        } catch (SdkException e) {
            LOG.warnf("The visibility of message %s could not be changed (%s); it comes back after the queue's visibility timeout",
                    message.messageId(), e.getMessage());
        }
    }

    /** Whole seconds, rounded up (SQS takes whole seconds); never negative. */
    static long seconds(Duration d) {
        return d.isNegative() ? 0 : (d.toMillis() + 999) / 1000;
    }
}
