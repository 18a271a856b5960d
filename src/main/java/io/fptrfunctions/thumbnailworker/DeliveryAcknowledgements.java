package io.fptrfunctions.thumbnailworker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.thumbnails.ThumbnailCopy;
import io.fptrfunctions.thumbnails.ThumbnailJob;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;

/**
 * Records how a job that came from a webhook delivery ended on FPTR's delivery
 * ({@code PUT /webhook/deliveries/{id}}, an acknowledgement of at most 4096 bytes): a short JSON with the
 * entity, the variant, the status and where the image is, or why there is none. One acknowledgement per
 * job: when one delivery gave several jobs (one per variant), the last to finish is what FPTR shows
 * (each copy is also recorded in the state table). A failed acknowledgement is logged and never fails the job.
 */
@ApplicationScoped
class DeliveryAcknowledgements {

    private static final Logger LOG = Logger.getLogger(DeliveryAcknowledgements.class);
    /** FPTR's limit (fptr-rest-notes §5). */
    static final int MAX_BYTES = 4096;
    private static final int MAX_ERROR_CHARS = 1000;

    @Inject
    FptrClient fptr;

    @Inject
    ObjectMapper mapper;

    void copied(ThumbnailJob job, ThumbnailCopy copy, Deadline deadline) {
        ObjectNode ack = start(job, copy.status());
        ack.put("bucket", copy.bucket()).put("key", copy.key()).put("size", copy.size());
        if (copy.etag() != null) {
            ack.put("etag", copy.etag());
        }
        send(job, ack, deadline);
    }

    /** {@code status}: {@code gone} (no such entity or no image) or {@code gave_up} (still pending after the wait). */
    void notCopied(ThumbnailJob job, String status, String why, Deadline deadline) {
        String error = why == null ? "" : why.length() > MAX_ERROR_CHARS ? why.substring(0, MAX_ERROR_CHARS) + "..." : why;
        send(job, start(job, status).put("error", error), deadline);
    }

    private ObjectNode start(ThumbnailJob job, String status) {
        return mapper.createObjectNode().put("entity", job.entityType() + "/" + job.entityId())
                .put("variant", job.variant()).put("status", status);
    }

    private void send(ThumbnailJob job, ObjectNode ack, Deadline deadline) {
        if (job.deliveryId() == null) {
            return;
        }
        String text = json(ack);
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            ack.remove("error");
            text = json(ack.put("error", "(too long to acknowledge; see the worker's log)"));
        }
        try {
            fptr.acknowledgeDelivery(deadline, job.deliveryId(), text);
        } catch (RuntimeException e) {
            // FPTR shows the delivery without the outcome; the copy itself is done (or not) either way.
            LOG.warnf("The outcome of %s/%d %s was not acknowledged on FPTR's delivery %s: %s", job.entityType(),
                    job.entityId(), job.variant(), job.deliveryId(), e.getMessage());
        }
    }

    private String json(ObjectNode ack) {
        try {
            return mapper.writeValueAsString(ack);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an acknowledgement could not be written as JSON", e);
        }
    }
}
