package io.fptrfunctions.webhooks;

import io.fptrfunctions.http.ProblemException;

/**
 * An event of a delivery that could not be read or acted on (no {@code event_type}, no entity id on an image
 * event of a configured type...): counted {@code unreadable}, logged, never queued or marked seen.
 *
 * @param index           position in the delivery (0 for a single one)
 * @param eventLogEntryId its {@code event_log_entry_id}, 0 when it has none, for the log line
 * @param deliveryId      its own {@code delivery_id} when that is an FPTR id, else null, for the log line
 * @param problem         the 400 it would be alone, with the {@code pointer} at fault
 */
record UnreadableEvent(int index, long eventLogEntryId, String deliveryId, ProblemException problem) {

    UnreadableEvent(WebhookEvent e, ProblemException problem) {
        this(e.index(), e.eventLogEntryId(), e.sharedDeliveryId() ? null : e.deliveryId(), problem);
    }

    /** Where in the body it is at fault ({@code /data/deliveries/3/entity/id}): ours to write, no value of the sender's. */
    String pointer() {
        return String.valueOf(problem.extensions().get("pointer"));
    }

    /** How the log names it: its place and ids, never a value of its payload. */
    String describe() {
        return "event " + index + " (event_log_entry_id " + (eventLogEntryId > 0 ? eventLogEntryId : "-")
                + ", delivery_id " + (deliveryId != null ? deliveryId : "-") + ")";
    }
}
