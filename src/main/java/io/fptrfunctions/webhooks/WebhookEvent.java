package io.fptrfunctions.webhooks;

import java.time.Instant;

/**
 * What the receiver reads of one FPTR event (one element of {@code data.deliveries}, or {@code data}
 * itself for a single delivery).
 *
 * @param index           position in the delivery (0 for a single one), for messages
 * @param pointer         where it is in the body ({@code /data}, {@code /data/deliveries/3}), for a problem's pointer
 * @param eventType       {@code Shotgun_Note_Change}, {@code Webhook_Status_Change}...
 * @param operation       create, update, delete, revive; null for other events
 * @param entityType      the entity's type, when the event is about one
 * @param entityId        the entity's id, when the event is about one
 * @param projectId       the entity's project, when FPTR gave it
 * @param attributeName   the changed field of an update
 * @param deliveryId      FPTR's delivery id of this event (the request's {@code X-SG-Delivery-Id} when the event has none)
 * @param sharedDeliveryId true when that is the request's id in a batch, so it names no single event
 * @param eventLogEntryId FPTR's event log entry id (0 when there is none)
 * @param createdAt       when FPTR logged the event, when it could be read
 */
record WebhookEvent(int index, String pointer, String eventType, String operation, String entityType, Long entityId, Long projectId,
                    String attributeName, String deliveryId, boolean sharedDeliveryId, long eventLogEntryId, Instant createdAt) {

    static final String STATUS_CHANGE = "Webhook_Status_Change";

    String describe() {
        return eventType + (entityType == null ? "" : " " + entityType + "/" + entityId)
                + (attributeName == null ? "" : " " + attributeName) + (eventLogEntryId == 0 ? "" : " #" + eventLogEntryId);
    }
}
