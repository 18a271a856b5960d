package io.fptrfunctions.webhooks;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.fptr.DeliveryIds;
import io.fptrfunctions.http.Input;
import io.fptrfunctions.http.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a verified FPTR delivery: {@code {"data": {<event>}, "timestamp"}} or, batched,
 * {@code {"data": {"deliveries": [<event>, ... 1 to 50]}, "timestamp"}} (fptr-rest-notes §5). A body
 * of another shape is a 400: it was signed with our secret, so it is a sender's mistake to show, not
 * noise to drop. An event that cannot be read (no {@code event_type}, a {@code delivery_id} that is no
 * FPTR id, not an object) is returned as {@link UnreadableEvent}, so the events beside it in a batch are
 * still handled; {@link WebhookService} refuses the delivery only when none of its events could be read.
 */
@ApplicationScoped
class DeliveryReader {

    static final int MAX_BATCH = 50;
    /** FPTR's event types are short ({@code Shotgun_Note_Change}); one is stored with the claim. */
    static final int MAX_EVENT_TYPE = 128;
    private static final Map<String, String> VERB_OPERATIONS =
            Map.of("New", "create", "Change", "update", "Retirement", "delete", "Revival", "revive");
    /** FPTR's {@code created_at}: {@code 2022-02-01 20:53:08.523887}, UTC. */
    private static final DateTimeFormatter CREATED_AT = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter().withZone(ZoneOffset.UTC);

    @Inject
    ObjectMapper mapper;

    /**
     * What a delivery holds: the events read and those that could not be, each in delivery order.
     *
     * @param batched true for {@code data.deliveries}
     */
    record Delivery(boolean batched, List<WebhookEvent> events, List<UnreadableEvent> unreadable) {
    }

    Delivery read(byte[] body, String headerDeliveryId) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr();
            throw notFptr("", "The body is not valid JSON" + where + ".");
        } catch (IOException e) {
            throw notFptr("", "The body could not be read as JSON.");
        }
        JsonNode data = root == null ? null : root.get("data");
        if (data == null || !data.isObject()) {
            throw notFptr(data == null ? "" : "/data", "The body is not an FPTR webhook delivery: it has no \"data\" object.");
        }
        List<WebhookEvent> events = new ArrayList<>();
        List<UnreadableEvent> unreadable = new ArrayList<>();
        if (!data.has("deliveries")) {
            readInto(events, unreadable, 0, "/data", data, headerDeliveryId, false);
            return new Delivery(false, events, unreadable);
        }
        JsonNode deliveries = data.get("deliveries");
        if (!deliveries.isArray() || deliveries.isEmpty() || deliveries.size() > MAX_BATCH) {
            throw notFptr("/data/deliveries", "data.deliveries must be a list of 1 to " + MAX_BATCH + " events, as FPTR batches them.");
        }
        for (int i = 0; i < deliveries.size(); i++) {
            readInto(events, unreadable, i, "/data/deliveries/" + i, deliveries.get(i), headerDeliveryId, true);
        }
        return new Delivery(true, events, unreadable);
    }

    private static void readInto(List<WebhookEvent> events, List<UnreadableEvent> unreadable, int index, String pointer,
                                 JsonNode e, String headerDeliveryId, boolean batched) {
        try {
            if (!e.isObject()) {
                throw notFptr(pointer, "data.deliveries[" + index + "] is not an event object.");
            }
            events.add(event(index, pointer, e, headerDeliveryId, batched));
        } catch (ProblemException problem) {
            String ownId = text(e.get("delivery_id"));
            unreadable.add(new UnreadableEvent(index, eventLogEntryId(e), ownId != null && DeliveryIds.isDeliveryId(ownId) ? ownId : null, problem));
        }
    }

    private static WebhookEvent event(int index, String pointer, JsonNode e, String headerDeliveryId, boolean batched) {
        String eventType = text(e.get("event_type"));
        if (eventType == null) {
            throw notFptr(pointer + "/event_type", "Event " + index + " of the delivery has no event_type.");
        }
        if (eventType.length() > MAX_EVENT_TYPE) {
            throw notFptr(pointer + "/event_type", "Event " + index + "'s event_type is longer than " + MAX_EVENT_TYPE + " characters: it is no FPTR event type.");
        }
        JsonNode meta = e.path("meta");
        JsonNode entity = e.path("entity");
        String operation = text(e.get("operation"));
        if (operation == null) {
            String verb = eventType.substring(eventType.lastIndexOf('_') + 1);
            operation = VERB_OPERATIONS.get(verb);
        }
        String entityType = firstText(entity.get("type"), meta.get("entity_type"));
        Long entityId = firstId(entity.get("id"), meta.get("entity_id"));
        String attribute = firstText(meta.get("attribute_name"), e.get("attribute_name"));
        String deliveryId = firstText(e.get("delivery_id"));
        if (deliveryId != null && !DeliveryIds.isDeliveryId(deliveryId)) {
            throw notFptr(pointer + "/delivery_id", "Event " + index + "'s delivery_id is not an FPTR delivery id (" + DeliveryIds.SHAPE + ").");
        }
        // in a batch the header's delivery id is the request's, shared by all its events
        boolean sharedDeliveryId = batched && deliveryId == null && headerDeliveryId != null;
        return new WebhookEvent(index, pointer, eventType, operation, entityType, entityId, firstId(e.path("project").get("id")),
                attribute, deliveryId != null ? deliveryId : headerDeliveryId, sharedDeliveryId, eventLogEntryId(e),
                createdAt(text(e.get("created_at"))));
    }

    /** FPTR's event log entry id; 0 when there is none (or it is no positive integer). */
    private static long eventLogEntryId(JsonNode e) {
        Long id = firstId(e.get("event_log_entry_id"));
        return id == null ? 0 : id;
    }

    /** The {@code X-SG-Delivery-Id} header, checked like the events' own {@code delivery_id}; null when absent. */
    static String deliveryId(Input header) {
        if (!header.isPresent()) {
            return null;
        }
        String id = header.text(DeliveryIds.MAX_LENGTH).strip();
        if (!DeliveryIds.isDeliveryId(id)) {
            throw header.invalid(header.name() + " is not an FPTR delivery id (" + DeliveryIds.SHAPE + ").");
        }
        return id;
    }

    private static String firstText(JsonNode... nodes) {
        for (JsonNode n : nodes) {
            String t = text(n);
            if (t != null) {
                return t;
            }
        }
        return null;
    }

    private static String text(JsonNode n) {
        return n != null && n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
    }

    private static Long firstId(JsonNode... nodes) {
        for (JsonNode n : nodes) {
            if (n != null && n.isIntegralNumber() && n.canConvertToLong() && n.asLong() > 0) {
                return n.asLong();
            }
        }
        return null;
    }

    private static Instant createdAt(String value) {
        if (value == null) {
            return null;
        }
        try {
            return CREATED_AT.parse(value, Instant::from);
        } catch (DateTimeParseException notFptrsFormat) {
            try {
                return Instant.parse(value);
            } catch (DateTimeParseException e) {
                return null;   // the time is informative; an odd one does not make the event unusable
            }
        }
    }

    /** A 400 naming where in the body it is ({@code ""}: the body as a whole), as every other function's do. */
    private static ProblemException notFptr(String pointer, String detail) {
        return ProblemException.badRequest(detail).with("pointer", pointer);
    }
}
