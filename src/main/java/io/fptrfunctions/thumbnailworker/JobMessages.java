package io.fptrfunctions.thumbnailworker;

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

    @Inject
    SqsClient sqs;

    /** Sends the job again, visible after {@code delay}, with these attributes; false when SQS did not take it. */
    public boolean sendAgain(String queueUrl, JobMessage message, Duration delay, Map<String, Long> attributes) {
        Map<String, MessageAttributeValue> values = new LinkedHashMap<>();
        attributes.forEach((name, value) -> values.put(name,
                MessageAttributeValue.builder().dataType("Number").stringValue(Long.toString(value)).build()));
        int seconds = (int) Math.min(MAX_DELAY.toSeconds(), seconds(delay));
        try {
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(message.body()).delaySeconds(seconds).messageAttributes(values));
            return true;
        } catch (SdkException e) {
            LOG.warnf("The job of message %s could not be sent again (%s); it stays on the queue instead", message.messageId(),
                    e.getMessage());
            return false;
        }
    }

    /** Makes the message visible again after {@code delay}; a failure is logged (the queue's visibility timeout then applies). */
    public void visibleAgainIn(String queueUrl, JobMessage message, Duration delay) {
        int seconds = (int) Math.min(MAX_VISIBILITY.toSeconds(), seconds(delay));
        try {
            sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()).visibilityTimeout(seconds));
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
