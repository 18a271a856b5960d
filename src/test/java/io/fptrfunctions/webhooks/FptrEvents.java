package io.fptrfunctions.webhooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/** FPTR-shaped webhook events and payloads (fptr-rest-notes §5), for tests that sign and send their own. */
final class FptrEvents {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong EVENT_LOG_IDS = new AtomicLong(9_000_000);
    private static final DateTimeFormatter CREATED_AT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);
    static final Instant CREATED = Instant.parse("2026-11-25T04:00:01.123456Z");

    private FptrEvents() {
    }

    static ObjectNode imageUpdate(String type, long id) {
        return event("update", type, id, "image");
    }

    /** One event: {@code create}, {@code update} (of {@code attribute}), {@code delete} or {@code revive}. */
    static ObjectNode event(String operation, String type, long id, String attribute) {
        long logId = EVENT_LOG_IDS.incrementAndGet();
        String verb = switch (operation) {
            case "create" -> "New";
            case "update" -> "Change";
            case "delete" -> "Retirement";
            default -> "Revival";
        };
        ObjectNode e = JSON.createObjectNode();
        e.put("id", logId + ".0.0");
        e.put("event_log_entry_id", logId);
        e.put("event_type", "Shotgun_" + type + "_" + verb);
        e.put("operation", operation);
        e.putObject("user").put("id", 88).put("type", "HumanUser");
        e.putObject("entity").put("id", id).put("type", type);
        e.putObject("project").put("id", 70).put("type", "Project");
        ObjectNode meta = e.putObject("meta");
        meta.put("entity_id", id).put("entity_type", type);
        if (attribute == null) {
            meta.put("type", operation.equals("create") ? "new_entity" : operation.equals("delete") ? "entity_retirement" : "entity_revival");
            e.putNull("attribute_name");
        } else {
            meta.put("type", "attribute_change").put("attribute_name", attribute)
                    .put("field_data_type", attribute.equals("image") ? "image" : "text")
                    .putNull("old_value").put("new_value", "https://sg-media.example/thumbnail-pending.png");
            e.put("attribute_name", attribute);
        }
        e.put("created_at", CREATED_AT.format(CREATED));
        e.put("delivery_id", UUID.randomUUID().toString());
        e.put("session_uuid", UUID.randomUUID().toString());
        return e;
    }

    /** What FPTR sends the webhook service on its own when a hook's status is toggled. */
    static ObjectNode statusChange() {
        ObjectNode e = JSON.createObjectNode();
        e.put("id", "0").put("event_type", "Webhook_Status_Change").put("event_log_entry_id", 0)
                .put("webhook_status", "active").put("previous_webhook_status", "disabled");
        e.putObject("meta").put("type", "webhook_status_change").put("source", "client")
                .put("old_value", "disabled").put("new_value", "active");
        e.put("delivery_id", UUID.randomUUID().toString());
        return e;
    }

    static byte[] single(ObjectNode event) {
        ObjectNode body = JSON.createObjectNode();
        body.set("data", event);
        body.put("timestamp", "2026-11-25T04:00:02Z");
        return bytes(body);
    }

    static byte[] batch(ObjectNode... events) {
        ObjectNode body = JSON.createObjectNode();
        body.put("timestamp", "2026-11-25T04:00:02.140Z");
        var list = body.putObject("data").putArray("deliveries");
        for (ObjectNode e : events) {
            list.add(e);
        }
        return bytes(body);
    }

    static byte[] bytes(Object json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
