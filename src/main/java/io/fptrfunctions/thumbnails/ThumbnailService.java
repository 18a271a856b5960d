package io.fptrfunctions.thumbnails;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrRecords;
import io.fptrfunctions.fptr.StorageFailure;
import io.fptrfunctions.http.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Copies an entity's image (its {@code image} field: the original upload or FPTR's thumbnail of it)
 * from FPTR's storage into S3 under {@code <prefix><project id>/<Type>/<id>/<variant><ext>}, streaming
 * the bytes, and does nothing when the object there already came from the same stored file.
 *
 * <p>What {@link #copy} throws, by type (a queue worker decides retry, delay or drop on these alone):
 * {@link io.fptrfunctions.fptr.FptrFailure} for FPTR's answers, {@link StorageFailure} for FPTR's file
 * storage, {@link io.fptrfunctions.aws.AwsFailure} for S3, and this function's own answers
 * {@link NoImage}, {@link NoImageField} and {@link ImagePending}.
 */
@ApplicationScoped
public class ThumbnailService {

    private static final Logger LOG = Logger.getLogger(ThumbnailService.class);
    private static final String IMAGE_FIELD = "image";

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

    @Inject
    FptrClient fptr;

    @Inject
    ThumbnailStore store;

    @Inject
    StorageTransfer transfer;

    /** {@code fptr.thumbnail.*}: bucket (required only when called), key prefix, the pending 409's Retry-After. */
    @Inject
    ThumbnailConfig config;

    public ThumbnailCopy copy(ThumbnailRequest request) {
        String bucket = config.bucket().filter(b -> !b.isBlank()).orElseThrow(() -> new ProblemException(500,
                "The function is not configured", "No bucket is configured for thumbnails: set FPTR_THUMBNAIL_BUCKET (fptr.thumbnail.bucket)."));
        long id = request.id();
        ThumbnailVariant variant = request.variant();

        JsonNode entity = FptrRecords.flatten(fptr.read(request.entityType(), id, List.of(IMAGE_FIELD, "project")));
        String type = entity.path("type").asText(request.entityType());
        String label = type + " " + id;
        if (!entity.has(IMAGE_FIELD)) {
            throw new NoImageField(type);
        }
        JsonNode image = entity.get(IMAGE_FIELD);
        if (image.isNull() || image.asText().isEmpty()) {
            throw new NoImage(label);
        }
        if (FptrRecords.isPendingImage(image)) {
            throw new ImagePending(label, config.pendingRetryAfter());
        }

        String keyBase = config.prefix() + projectOf(entity, type, id) + "/" + type + "/" + id + "/" + variant.alt();
        ThumbnailStore.Target target = new ThumbnailStore.Target(bucket, keyBase, type + "/" + id, variant,
                new StorageSource(fptr.fieldLocation(type, id, IMAGE_FIELD, variant.alt())));
        Optional<ThumbnailCopy> same = target.source().pathExtension()
                .flatMap(ext -> store.sameSource(target, target.key(ext)));
        if (same.isPresent()) {
            return same.get();
        }
        long started = System.nanoTime();
        ThumbnailCopy copy = copyOnce(target, type, id, label);
        LOG.infof("The %s image of %s, %d bytes, is in s3://%s/%s (%s, %d ms)", variant.alt(), label, copy.size(),
                copy.bucket(), copy.key(), copy.status(), (System.nanoTime() - started) / 1_000_000);
        return copy;
    }

    /** Copies, and when storage refuses the signed URL (it expired since FPTR signed it) asks FPTR for a fresh one, once. */
    private ThumbnailCopy copyOnce(ThumbnailStore.Target target, String type, long id, String label) {
        try {
            try {
                return transfer.copy(target);
            } catch (StorageTransfer.StaleLocationException stale) {
                LOG.infof("%s; reading the location of %s's image again", stale.getMessage(), label);
                ThumbnailStore.Target renewed = target.withSource(
                        new StorageSource(fptr.fieldLocation(type, id, IMAGE_FIELD, target.variant().alt())));
                try {
                    return transfer.copy(renewed);
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

    /** The key's project part: the linked project's id, the entity's own id for a Project, else {@code no-project}. */
    private static String projectOf(JsonNode entity, String type, long id) {
        JsonNode project = entity.path("project");
        if (project.hasNonNull("id")) {
            return project.get("id").asText();
        }
        return "Project".equals(type) ? String.valueOf(id) : "no-project";
    }
}
