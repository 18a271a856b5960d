package io.fptrfunctions.webhooks;

import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.thumbnails.ThumbnailJob;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;

/**
 * Which events become thumbnail jobs: those that can change the image of an entity of a configured type
 * — an update of {@code image}, a revival (the image is back) and a create (FPTR sends no field
 * update for a field set at creation, and the create event does not say whether an image was given; the
 * worker reads the field and finishes at once when there is none). Everything else is ignored.
 */
@ApplicationScoped
class EventRouter {

    static final String IMAGE_FIELD = "image";

    @Inject
    WebhookSettings settings;

    /** One job per configured variant; none when the event is ignored. */
    List<ThumbnailJob> jobs(WebhookEvent e) {
        if (WebhookEvent.STATUS_CHANGE.equals(e.eventType()) || e.entityType() == null
                || !settings.entityTypes().contains(e.entityType()) || !canChangeImage(e)) {
            return List.of();
        }
        if (e.entityId() == null) {
            throw ProblemException.badRequest("Event " + e.index() + " (" + e.eventType() + ") names no entity id "
                    + "(entity.id or meta.entity_id); FPTR sends one with every entity event.").with("pointer", e.pointer() + "/entity/id");
        }
        if (e.eventLogEntryId() == 0 && e.deliveryId() == null) {
            throw ProblemException.badRequest("Event " + e.index() + " (" + e.eventType() + ") has neither an "
                    + "event_log_entry_id nor a delivery id, so a redelivery of it could not be recognised.")
                    .with("pointer", e.pointer() + "/event_log_entry_id");
        }
        String eventTime = e.createdAt() == null ? null : e.createdAt().toString();
        Long eventLogEntryId = e.eventLogEntryId() == 0 ? null : e.eventLogEntryId();
        return settings.variants().stream()
                .map(variant -> new ThumbnailJob(e.entityType(), e.entityId(), variant, e.projectId(),
                        ThumbnailJob.SOURCE_WEBHOOK, e.deliveryId(), eventLogEntryId, eventTime))
                .toList();
    }

    private static boolean canChangeImage(WebhookEvent e) {
        if (e.operation() == null) {
            return false;
        }
        return switch (e.operation()) {
            case "create", "revive" -> true;
            case "update" -> IMAGE_FIELD.equals(e.attributeName());
            default -> false;
        };
    }
}
