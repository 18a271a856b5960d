package io.fptrfunctions.thumbnailworker;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.fptr.DeliveryIds;
import io.fptrfunctions.http.Input;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.thumbnails.ThumbnailJob;
import io.fptrfunctions.thumbnails.ThumbnailVariant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;

/**
 * A message body read as a {@link ThumbnailJob}, strictly where the worker acts on it (type, id, variant,
 * delivery id) and leniently elsewhere; unknown keys are ignored, so a sender may add some. Anything
 * else is {@link NotAJob}.
 */
@ApplicationScoped
class JobReader {

    /** The body is not a thumbnail job; the message says why. */
    static final class NotAJob extends RuntimeException {
        NotAJob(String why) {
            super(why);
        }
    }

    /** A job is a few hundred bytes; SQS takes 256 KiB, and a body near that is no job. */
    static final int MAX_BODY_CHARS = 16 * 1024;
    /** The longest {@code source} or {@code event_time} kept (they go into log lines); a longer one counts as absent. */
    static final int MAX_TEXT = 100;

    @Inject
    ObjectMapper mapper;

    ThumbnailJob read(String body) {
        if (body != null && body.length() > MAX_BODY_CHARS) {
            throw new NotAJob("the body has " + body.length() + " characters; a thumbnail job has at most " + MAX_BODY_CHARS);
        }
        JsonNode root;
        try {
            root = body == null ? null : mapper.readTree(body);
        } catch (JacksonException e) {
            throw new NotAJob("the body is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new NotAJob("the body is not a JSON object");
        }
        Input job = Input.of(root);
        try {
            return new ThumbnailJob(job.member("entity_type").entityType(), job.member("entity_id").id(),
                    job.member("variant").oneOf(List.of(ThumbnailVariant.values()), ThumbnailVariant::alt, ThumbnailVariant.ORIGINAL).alt(),
                    number(root.get("project_id")), text(root.get("source")),
                    deliveryId(job.member("delivery_id")),
                    number(root.get("event_log_entry_id")), text(root.get("event_time")));
        } catch (ProblemException e) {
            throw new NotAJob(e.detail());
        }
    }

    /** The delivery to acknowledge, when there is one: its id goes into the acknowledgement's URL path. */
    private static String deliveryId(Input member) {
        String id = member.optionalText(DeliveryIds.MAX_LENGTH).orElse(null);
        if (id != null && !DeliveryIds.isDeliveryId(id)) {
            throw new NotAJob("delivery_id is not an FPTR delivery id (" + DeliveryIds.SHAPE + ")");
        }
        return id;
    }

    private static Long number(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToLong() ? n.asLong() : null;
    }

    private static String text(JsonNode n) {
        return n != null && n.isTextual() && n.asText().length() <= MAX_TEXT ? n.asText() : null;
    }
}
