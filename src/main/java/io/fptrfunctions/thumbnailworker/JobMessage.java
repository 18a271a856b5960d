package io.fptrfunctions.thumbnailworker;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One message of a job queue as a worker reads it, without Lambda's types (the thumbnail worker's, and the
 * upload worker's).
 *
 * @param messageId    SQS's id (what a partial batch response names)
 * @param receiptHandle what ChangeMessageVisibility takes
 * @param body         the job, JSON (a {@link io.fptrfunctions.thumbnails.ThumbnailJob}, unless it is not)
 * @param receiveCount SQS's {@code ApproximateReceiveCount}: 1 the first time
 * @param attributes   the message attributes' string values (the worker's own: {@link JobMessages#PENDING_SINCE}...)
 */
public record JobMessage(String messageId, String receiptHandle, String body, int receiveCount, Map<String, String> attributes) {

    /** How much of a body a log line shows (a message that is no job is logged with it, for whoever reads the DLQ). */
    private static final int BODY_IN_LOG = 300;

    /** Lambda's SQS event as messages (none for an empty event). */
    public static List<JobMessage> batch(SQSEvent event) {
        return event == null || event.getRecords() == null ? List.of() : event.getRecords().stream().map(JobMessage::of).toList();
    }

    /** The answer to Lambda that leaves these messages on the queue (a partial batch failure); it deletes the others. */
    public static SQSBatchResponse leaving(List<String> messageIds) {
        return new SQSBatchResponse(messageIds.stream().map(SQSBatchResponse.BatchItemFailure::new).toList());
    }

    /** Lambda's SQS record as a message: its string attributes, and a receive count of at least 1. */
    public static JobMessage of(SQSEvent.SQSMessage m) {
        Map<String, String> attributes = new HashMap<>();
        if (m.getMessageAttributes() != null) {
            m.getMessageAttributes().forEach((name, value) -> {
                if (value != null && value.getStringValue() != null) {
                    attributes.put(name, value.getStringValue());
                }
            });
        }
        String count = m.getAttributes() == null ? null : m.getAttributes().get("ApproximateReceiveCount");
        return new JobMessage(m.getMessageId(), m.getReceiptHandle(), m.getBody(), receiveCount(count), attributes);
    }

    private static int receiveCount(String value) {
        try {
            return value == null ? 1 : Math.max(1, Integer.parseInt(value));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** The body as a log line shows it: its first {@value #BODY_IN_LOG} characters. */
    public String bodyForLog() {
        return body == null ? "null" : body.length() > BODY_IN_LOG ? body.substring(0, BODY_IN_LOG) + "..." : body;
    }

    /** A number attribute, if present and a number. */
    Long longAttribute(String name) {
        String value = attributes.get(name);
        try {
            return value == null ? null : Long.valueOf(value.trim());
        } catch (NumberFormatException notOurs) {
            return null;
        }
    }

    /** {@link #longAttribute} read as epoch milliseconds. */
    Instant instantAttribute(String name) {
        Long millis = longAttribute(name);
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }
}
