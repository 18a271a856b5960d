package io.fptrfunctions.thumbnailworker;

import java.time.Instant;
import java.util.Map;

/**
 * One message of the job queue as the worker reads it, without Lambda's types.
 *
 * @param messageId    SQS's id (what a partial batch response names)
 * @param receiptHandle what ChangeMessageVisibility takes
 * @param body         the job, JSON (a {@link io.fptrfunctions.thumbnails.ThumbnailJob}, unless it is not)
 * @param receiveCount SQS's {@code ApproximateReceiveCount}: 1 the first time
 * @param attributes   the message attributes' string values (the worker's own: {@link JobMessages#PENDING_SINCE}...)
 */
record JobMessage(String messageId, String receiptHandle, String body, int receiveCount, Map<String, String> attributes) {

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
