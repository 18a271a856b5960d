package io.fptrfunctions.thumbnails;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrException;
import io.fptrfunctions.fptr.FptrRecords;
import io.fptrfunctions.fptr.FptrProblems;
import io.fptrfunctions.http.ProblemException;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Copies an entity's image (its {@code image} field: the original upload or FPTR's thumbnail of it)
 * from FPTR's storage into S3 under {@code <prefix><project id>/<Type>/<id>/<variant><ext>}, streaming
 * the bytes, and does nothing when the object there already came from the same stored file.
 */
@ApplicationScoped
public class ThumbnailService {

    private static final Logger LOG = Logger.getLogger(ThumbnailService.class);

    /** FPTR's placeholder while it makes the thumbnail; detect by this part, as the Python API docs say. */
    static final String TRANSIENT_MARKER = "/images/status/transient/";
    private static final Pattern ENTITY_TYPE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");
    private static final Pattern ENTITY_ID = Pattern.compile("[0-9]{1,18}");
    private static final String IMAGE_FIELD = "image";

    @Inject
    FptrClient fptr;

    @Inject
    ThumbnailStore store;

    @Inject
    StorageTransfer transfer;

    @Inject
    ThumbnailConfig config;

    /** {@code fptr.thumbnail.*} (see ThumbnailConfig); the bucket is required only when called. */
    Optional<String> bucket;
    String prefix;
    long pendingRetryAfterSeconds;

    @PostConstruct
    void configure() {
        bucket = config.bucket();
        prefix = config.prefix();
        pendingRetryAfterSeconds = config.pendingRetryAfter().toSeconds();
    }

    public ThumbnailCopy copy(String entityType, String entityId, String variantName) {
        if (!ENTITY_TYPE.matcher(entityType).matches()) {
            throw ProblemException.badRequest("'" + entityType + "' is not an entity type name; use FPTR's schema name, e.g. Note, Version, Shot.");
        }
        if (!ENTITY_ID.matcher(entityId).matches() || Long.parseLong(entityId) == 0) {
            throw ProblemException.badRequest("The entity id must be a positive whole number, not '" + entityId + "'.");
        }
        long id = Long.parseLong(entityId);
        ThumbnailVariant variant = ThumbnailVariant.parse(variantName);
        String bucket = this.bucket.filter(b -> !b.isBlank()).orElseThrow(() -> new ProblemException(500,
                "The function is not configured", "No bucket is configured for thumbnails: set FPTR_THUMBNAIL_BUCKET (fptr.thumbnail.bucket)."));

        JsonNode entity = readEntity(entityType, id);
        String type = entity.path("type").asText(entityType);
        String label = type + " " + id;
        if (!entity.has(IMAGE_FIELD)) {
            throw ProblemException.badRequest("Entities of type " + type + " have no image field.");
        }
        JsonNode image = entity.get(IMAGE_FIELD);
        if (image.isNull() || image.asText().isEmpty()) {
            throw ProblemException.notFound(label + " has no image.");
        }
        if (image.asText().contains(TRANSIENT_MARKER)) {
            throw ProblemException.conflict("FPTR is still processing the image of " + label + "; try again later.")
                    .withHeader("Retry-After", String.valueOf(pendingRetryAfterSeconds));
        }

        String keyBase = prefix + projectOf(entity, type, id) + "/" + type + "/" + id + "/" + variant.alt();
        ThumbnailStore.Target target = new ThumbnailStore.Target(bucket, keyBase, type + "/" + id, variant,
                new StorageSource(location(type, id, variant, label)));
        try {
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
        } catch (SdkException e) {
            LOG.errorf("S3 failed for %s: %s", target.keyWithoutExtension(), e.getMessage());
            throw new ProblemException(502, "Bad Gateway", "S3 refused or could not be reached while storing the image of "
                    + label + " in bucket " + target.bucket() + ".");
        }
    }

    /** Copies, and when storage refuses the signed URL (it expired since FPTR signed it) asks FPTR for a fresh one, once. */
    private ThumbnailCopy copyOnce(ThumbnailStore.Target target, String type, long id, String label) {
        try {
            return transfer.copy(target);
        } catch (StorageTransfer.StaleLocationException stale) {
            LOG.infof("%s; reading the location of %s's image again", stale.getMessage(), label);
            ThumbnailStore.Target renewed = target.withSource(new StorageSource(location(type, id, target.variant(), label)));
            try {
                return transfer.copy(renewed);
            } catch (StorageTransfer.StaleLocationException again) {
                throw new ProblemException(502, "Bad Gateway", "FPTR's storage refused a freshly signed URL for the image of "
                        + label + " (" + again.getMessage() + ").");
            }
        } catch (StorageTransfer.StorageUnavailableException | FaultToleranceException e) {
            throw new ProblemException(502, "Bad Gateway", "FPTR's storage kept failing while downloading the image of "
                    + label + ": " + e.getMessage() + ". Nothing was stored; try again.");
        }
    }

    private JsonNode readEntity(String type, long id) {
        try {
            return FptrRecords.flatten(fptr.read(type, id, List.of(IMAGE_FIELD, "project")));
        } catch (FptrException e) {
            throw fptrRefused(e, type + " " + id);
        } catch (RuntimeException e) {
            throw otherFailure(e);
        }
    }

    private URI location(String type, long id, ThumbnailVariant variant, String label) {
        try {
            return fptr.fieldLocation(type, id, IMAGE_FIELD, variant.alt());
        } catch (FptrException e) {
            throw fptrRefused(e, label);
        } catch (RuntimeException e) {
            throw otherFailure(e);
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

    private static ProblemException fptrRefused(FptrException e, String label) {
        JsonNode upstream = e.errors();
        String words = e.title() == null ? "" : e.title() + (e.detail() == null || e.detail().equals(e.title()) ? "" : " - " + e.detail());
        if (e.status() == 404 && words.contains("Entity type")) {
            return new ProblemException(400, "Bad Request", "FPTR knows no entity type '" + label.split(" ")[0] + "'.", upstream, e);
        }
        if (e.status() == 404) {
            return new ProblemException(404, "Not Found", label + " does not exist on FPTR (or has no image file).", upstream, e);
        }
        if (e.status() == 400) {
            return new ProblemException(400, "Bad Request", "FPTR refused the request for " + label + ": " + words, upstream, e);
        }
        return FptrProblems.from(e);
    }

    /** Unavailable, credentials refused, misconfigured...: worded like every other function's. */
    private static RuntimeException otherFailure(RuntimeException e) {
        ProblemException problem = FptrProblems.from(e);
        return problem != null ? problem : e;
    }
}
