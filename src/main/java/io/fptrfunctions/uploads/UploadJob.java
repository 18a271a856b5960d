package io.fptrfunctions.uploads;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fptrfunctions.idempotency.QueuedKey;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One upload queued with {@code Prefer: respond-async}: the body of every message on the upload job queue,
 * which the upload worker runs. It holds the request as read and checked ({@code attachment} for
 * {@code POST /v1/uploads}, {@code file} for the two {@code PUT} routes) and the {@code Idempotency-Key} claim
 * its answer is stored under.
 *
 * @param route       the route key the request came in on
 * @param attachment  {@code POST /v1/uploads}'s request, else null
 * @param file        the {@code PUT} routes' request ({@code field} {@code image} for the thumbnail route), else null
 * @param idempotency the key's claim ({@link io.fptrfunctions.idempotency.IdempotentWrites#runQueued})
 */
@RegisterForReflection
public record UploadJob(
        @JsonProperty("route") String route,
        @JsonProperty("attachment") UploadRequests.AttachmentUpload attachment,
        @JsonProperty("file") UploadRequests.FieldUpload file,
        @JsonProperty("idempotency") QueuedKey idempotency) {

    static final String ATTACHMENT_ROUTE = "POST /v1/uploads";
    static final String FILE_ROUTE = "PUT /v1/entities/{type}/{id}/files/{field}";
    static final String IMAGE_ROUTE = "PUT /v1/entities/{type}/{id}/image";

    UploadJob withKey(QueuedKey key) {
        return new UploadJob(route, attachment, file, key);
    }

    /** What the job uploads where, for log lines (no signed URL, nothing secret). */
    @Override
    public String toString() {
        return attachment != null
                ? "upload of " + attachment.s3() + " as an Attachment" + (idempotency == null ? "" : " (key " + idempotency.key() + ")")
                : "upload of " + (file == null ? "?" : file.s3() + " into " + file.type() + " " + file.id() + " " + file.field())
                + (idempotency == null ? "" : " (key " + idempotency.key() + ")");
    }
}
