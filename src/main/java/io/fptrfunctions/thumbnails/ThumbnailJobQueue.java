package io.fptrfunctions.thumbnails;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.aws.AwsTimeouts;
import io.fptrfunctions.deadline.Deadline;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Puts {@link ThumbnailJob}s on the job queue with SendMessageBatch (10 a call, SQS's limit) and says
 * which did not get there. SQS answers per entry: entries it failed on its side ({@code SenderFault}
 * false) are sent once more; refused ones are not. A call that fails as a whole (after the SDK's own
 * retries) fails its entries and the rest are not tried, so the caller answers while it still can.
 */
@ApplicationScoped
public class ThumbnailJobQueue {

    private static final Logger LOG = Logger.getLogger(ThumbnailJobQueue.class);
    static final int MAX_BATCH = 10;

    @Inject
    SqsClient sqs;

    @Inject
    ObjectMapper mapper;

    /** Builds the SQS client before the first batch needs it. */
    public void prefetch() {
        sqs.serviceClientConfiguration();
    }

    /** Sends every job, each call within {@code deadline}; returns the positions (in {@code jobs}) of those that were not queued. */
    public Set<Integer> send(String queueUrl, List<ThumbnailJob> jobs, Deadline deadline) {
        Set<Integer> failed = new TreeSet<>();
        for (int start = 0; start < jobs.size(); start += MAX_BATCH) {
            List<Integer> chunk = new ArrayList<>();
            for (int i = start; i < Math.min(jobs.size(), start + MAX_BATCH); i++) {
                chunk.add(i);
            }
            try {
                List<Integer> retry = new ArrayList<>();
                for (BatchResultErrorEntry e : sendBatch(queueUrl, jobs, chunk, deadline)) {
                    (e.senderFault() ? failed : retry).add(Integer.valueOf(e.id()));
                }
                if (!retry.isEmpty()) {
                    sendBatch(queueUrl, jobs, retry, deadline).forEach(e -> failed.add(Integer.valueOf(e.id())));
                }
            } catch (SdkException e) {
                LOG.warnf("SendMessageBatch to %s failed: %s", queueUrl, e.getMessage());
                for (int i = start; i < jobs.size(); i++) {
                    failed.add(i);
                }
                break;
            }
        }
        return failed;
    }

    /** One SendMessageBatch of the jobs at {@code positions} (entry id = position); returns the failed entries. */
    private List<BatchResultErrorEntry> sendBatch(String queueUrl, List<ThumbnailJob> jobs, List<Integer> positions, Deadline deadline) {
        List<SendMessageBatchRequestEntry> entries = positions.stream()
                .map(i -> SendMessageBatchRequestEntry.builder().id(String.valueOf(i)).messageBody(json(jobs.get(i))).build())
                .toList();
        SendMessageBatchResponse answer = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries)
                .overrideConfiguration(AwsTimeouts.within(deadline, sqs)));
        for (BatchResultErrorEntry e : answer.failed()) {
            LOG.warnf("SQS did not queue job %s: %s %s (sender fault: %s)", jobs.get(Integer.parseInt(e.id())),
                    e.code(), e.message(), e.senderFault());
        }
        return answer.failed();
    }

    private String json(ThumbnailJob job) {
        try {
            return mapper.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a thumbnail job could not be written as JSON", e);
        }
    }
}
