package io.fptrfunctions.thumbnails;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrRecords;
import io.fptrfunctions.fptr.StorageFailure;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.telemetry.Metric;
import io.fptrfunctions.telemetry.Metrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;
import org.jboss.logging.Logger;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Copies an entity's image (its {@code image} field: the original upload or FPTR's thumbnail of it)
 * from FPTR's storage into S3 under {@code <prefix><project id>/<Type>/<id>/<variant><ext>}, streaming
 * the bytes, and does nothing when the object there already came from the same stored file.
 *
 * <p>What {@link #copy} throws, by type (a queue worker decides retry, delay or drop on these alone):
 * {@link io.fptrfunctions.fptr.FptrFailure} for FPTR's answers, {@link StorageFailure} for FPTR's file
 * storage, {@link io.fptrfunctions.aws.AwsFailure} for S3, and this function's own answers
 * {@link NoImage}, {@link NoImageField}, {@link ImagePending} and {@link ImageChanged}.
 */
@ApplicationScoped
public class ThumbnailService {

    private static final Logger LOG = Logger.getLogger(ThumbnailService.class);
    private static final String IMAGE_FIELD = "image";
    /** An {@link ImageChanged} copy can be sent again at once: the newer image is there to be copied. */
    private static final Duration CHANGED_RETRY_AFTER = Duration.ofSeconds(1);

    /** The entity exists but its image field is empty: 404. */
    public static final class NoImage extends ProblemException {
        NoImage(String label) {
            super(404, "Not Found", label + " has no image.");
        }
    }

    /** Entities of this type have no image field at all: 400. */
    public static final class NoImageField extends ProblemException {
        NoImageField(String type) {
            super(400, "Bad Request", "Entities of type " + type + " have no image field.");
            with("pointer", "{type}");
        }
    }

    /** FPTR still shows its "thumbnail pending" placeholder: 409 with Retry-After; try again after {@link #retryAfter()}. */
    public static final class ImagePending extends ProblemException {
        private final Duration retryAfter;

        ImagePending(String label, Duration retryAfter) {
            super(409, "Conflict", "FPTR is still processing the image of " + label + "; try again later.");
            this.retryAfter = retryAfter;
            withRetryAfter(retryAfter);
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    /**
     * The entity's image changed while its older one was copied: 409 with Retry-After. A copy of the older image that
     * ends after a copy of the newer one would leave the older in S3; sending again copies what FPTR shows now.
     */
    public static final class ImageChanged extends ProblemException {
        ImageChanged(String label, Duration retryAfter) {
            super(409, "Conflict", "The image of " + label + " changed in FPTR while its earlier image was copied, so S3 "
                    + "may hold the earlier one; send the request again to copy the image FPTR shows now.");
            withRetryAfter(retryAfter);
        }
    }

    @Inject
    FptrClient fptr;

    @Inject
    ThumbnailStore store;

    @Inject
    StorageTransfer transfer;

    /** {@code fptr.thumbnail.*}: bucket (required only when called), key prefix, the pending 409's Retry-After. */
    @Inject
    ThumbnailConfig config;

    @Inject
    Metrics metrics;

    /**
     * The entity's image as FPTR shows it now: its schema type, project, and the image field's value
     * (a signed URL, or the "thumbnail pending" placeholder).
     *
     * @param type      the schema type name ({@code Note}, also when the request said {@code notes})
     * @param projectId the linked project's id, null when there is none
     * @param image     the image field's value: a signed URL, or FPTR's placeholder when {@link #pending()}
     */
    public record EntityImage(String type, long id, Long projectId, String image) {

        public boolean pending() {
            return FptrRecords.isPendingImage(image);
        }

        /**
         * The image field's URL without its query ({@link #stableUrl(String)}): what FPTR's reads and
         * searches show for this image whatever the signature, so a later search can tell "the same
         * image" from "a new one" without another call.
         */
        public String imageSource() {
            return stableUrl(image);
        }

        String label() {
            return type + " " + id;
        }
    }

    /**
     * A copy and what it came from, for callers that remember it (the worker records it for the sweep).
     *
     * @param copy       what the HTTP route answers
     * @param image      the entity's image as read before the copy
     * @param fileSource the copied file's URL without its query (the object's {@code fptr-source} metadata)
     */
    public record CopiedImage(ThumbnailCopy copy, EntityImage image, String fileSource) {
    }

    /** Copies the entity's image, within {@code deadline}; see the class comment for what it throws. */
    public ThumbnailCopy copy(ThumbnailRequest request, Deadline deadline) {
        return copyImage(request, deadline).copy();
    }

    /** {@link #copy}, with where the bytes came from. Throws what {@link #copy} throws. */
    public CopiedImage copyImage(ThumbnailRequest request, Deadline deadline) {
        String bucket = bucket();
        ThumbnailVariant variant = request.variant();
        EntityImage entity = look(request, deadline);
        if (entity.pending()) {
            throw new ImagePending(entity.label(), config.pendingRetryAfter());
        }
        String type = entity.type();
        long id = entity.id();
        String project = entity.projectId() != null ? entity.projectId().toString()
                : "Project".equals(type) ? String.valueOf(id) : "no-project";
        String keyBase = config.prefix() + project + "/" + type + "/" + id + "/" + variant.alt();
        ThumbnailStore.Target target = new ThumbnailStore.Target(bucket, keyBase, type + "/" + id, variant,
                location(entity, variant, deadline));
        Optional<ThumbnailCopy> same = target.source().pathExtension()
                .flatMap(ext -> store.sameSource(target, target.key(ext), deadline));
        if (same.isPresent()) {
            return new CopiedImage(same.get(), entity, target.source().stableUrl());
        }
        long started = System.nanoTime();
        CopiedImage copied = copyOnce(target, entity, deadline);
        ThumbnailCopy copy = copied.copy();
        long ms = (System.nanoTime() - started) / 1_000_000;
        if (ThumbnailCopy.COPIED.equals(copy.status())) {
            metrics.add(Metric.BYTES_COPIED, copy.size());
            metrics.add(Metric.COPY_TIME, ms);
            assertStillCurrent(request, entity, deadline);
        }
        LOG.infof("The %s image of %s, %d bytes, is in s3://%s/%s (%s, %d ms)", variant.alt(), entity.label(), copy.size(),
                copy.bucket(), copy.key(), copy.status(), ms);
        return copied;
    }

    /**
     * After bytes were copied, one more FPTR read: is the image they came from still the entity's? Two copies of one
     * entity may run at once (two jobs, a job and a tool's call), and the older image's, ending last, would
     * overwrite the newer image's object for good ({@link ImageChanged}: the caller or the worker sends again).
     * When the read cannot tell (FPTR failing, no time left, the image removed) the copy stands as it is.
     */
    private void assertStillCurrent(ThumbnailRequest request, EntityImage copiedFrom, Deadline deadline) {
        EntityImage now;
        try {
            now = look(request, deadline);
        } catch (RuntimeException cannotTell) {
            LOG.debugf("Could not read the image of %s again after its copy: %s", copiedFrom.label(), cannotTell.getMessage());
            return;
        }
        if (!Objects.equals(now.imageSource(), copiedFrom.imageSource())) {
            LOG.warnf("The image of %s changed while its earlier image was copied; the copy is to be made again", copiedFrom.label());
            throw new ImageChanged(copiedFrom.label(), CHANGED_RETRY_AFTER);
        }
    }

    /**
     * Reads the entity's image field (one FPTR read) without copying anything. An entity FPTR does not
     * know is {@code FptrFailure.Refused}; no image field {@link NoImageField}; an empty one {@link NoImage};
     * a pending image is returned as it is ({@link EntityImage#pending()}).
     */
    public EntityImage look(ThumbnailRequest request, Deadline deadline) {
        long id = request.id();
        JsonNode entity = FptrRecords.flatten(fptr.read(deadline, request.entityType(), id, List.of(IMAGE_FIELD, "project")));
        String type = entity.path("type").asText(request.entityType());
        if (!entity.has(IMAGE_FIELD)) {
            throw new NoImageField(type);
        }
        JsonNode image = entity.get(IMAGE_FIELD);
        if (image.isNull() || image.asText().isEmpty()) {
            throw new NoImage(type + " " + id);
        }
        JsonNode project = entity.path("project");
        return new EntityImage(type, id, project.hasNonNull("id") ? project.get("id").asLong() : null, image.asText());
    }

    /**
     * An FPTR file URL without its query, user info or fragment ({@code https://host/path}): the same
     * for every signature of the same stored file, and never a secret. Null for null.
     */
    public static String stableUrl(String url) {
        if (url == null) {
            return null;
        }
        try {
            return new StorageSource(URI.create(url)).stableUrl();
        } catch (IllegalArgumentException notAUrl) {
            // Not a URI (a space, a stray character): still never its query, which may hold a signature, nor a fragment;
            // this is recorded at rest (the copy records' image_source) and compared by the sweep.
            int cut = url.length();
            for (char end : new char[] {'?', '#'}) {
                int at = url.indexOf(end);
                cut = at >= 0 ? Math.min(cut, at) : cut;
            }
            return url.substring(0, cut);
        }
    }

    /**
     * Where the variant's bytes are now (FPTR's {@code ?alt=} 302). A new image uploaded since the entity was read
     * makes it FPTR's "thumbnail pending" placeholder: that is {@link ImagePending}, as a pending field is, so the
     * placeholder never overwrites the earlier copy in S3 (nor lands beside it, under its own {@code .png}).
     */
    private StorageSource location(EntityImage entity, ThumbnailVariant variant, Deadline deadline) {
        URI location = fptr.fieldLocation(deadline, entity.type(), entity.id(), IMAGE_FIELD, variant.alt());
        if (FptrRecords.isPendingImage(location.getRawPath())) {
            LOG.infof("The %s image of %s is FPTR's \"thumbnail pending\" placeholder now: a new image was uploaded since "
                    + "the entity was read; nothing is copied", variant.alt(), entity.label());
            throw new ImagePending(entity.label(), config.pendingRetryAfter());
        }
        return new StorageSource(location);
    }

    private String bucket() {
        return config.bucket().filter(b -> !b.isBlank()).orElseThrow(() -> new ProblemException(500,
                "The function is not configured", "No bucket is configured for thumbnails: set FPTR_THUMBNAIL_BUCKET (fptr.thumbnail.bucket)."));
    }

    /** Copies, and when storage refuses the signed URL (it expired since FPTR signed it) asks FPTR for a fresh one, once. */
    private CopiedImage copyOnce(ThumbnailStore.Target target, EntityImage entity, Deadline deadline) {
        String label = entity.label();
        try {
            try {
                return new CopiedImage(transfer.copy(target, deadline), entity, target.source().stableUrl());
            } catch (StorageTransfer.StaleLocationException stale) {
                LOG.infof("%s; reading the location of %s's image again", stale.getMessage(), label);
                ThumbnailStore.Target renewed = target.withSource(
                        location(entity, target.variant(), deadline));
                try {
                    return new CopiedImage(transfer.copy(renewed, deadline), entity, renewed.source().stableUrl());
                } catch (StorageTransfer.StaleLocationException again) {
                    throw new StorageFailure("FPTR's storage refused a freshly signed URL for the image of "
                            + label + " (" + again.getMessage() + "). Nothing was stored.", false, again);
                }
            }
        } catch (StorageTransfer.StorageUnavailableException | FaultToleranceException e) {
            throw new StorageFailure("FPTR's storage kept failing while downloading the image of "
                    + label + ": " + e.getMessage() + ". Nothing was stored; try again.", true, e);
        }
    }
}
