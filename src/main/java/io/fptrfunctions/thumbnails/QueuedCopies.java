package io.fptrfunctions.thumbnails;

import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.http.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code Prefer: respond-async}: the copy becomes a {@link ThumbnailJob} on the job queue, for the thumbnail
 * worker, instead of running in the request. The entity is read first (one FPTR read), so a request the
 * copy would refuse (unknown entity or type, no image) is refused now, as the synchronous route does;
 * an image FPTR still makes is queued, and the worker waits for it.
 */
@ApplicationScoped
public class QueuedCopies {

    private static final Logger LOG = Logger.getLogger(QueuedCopies.class);
    /** When to send again after SQS failed: the route's other 503s say 5 s too. */
    private static final Duration SQS_RETRY_AFTER = Duration.ofSeconds(5);

    @Inject
    ThumbnailService thumbnails;

    @Inject
    ThumbnailJobQueue jobQueue;

    /** {@code fptr.thumbnail.job-queue-url}: without it the preference is ignored and the copy runs in the request. */
    @Inject
    ThumbnailConfig config;

    private final AtomicBoolean unconfiguredLogged = new AtomicBoolean();

    /** True when copies can be queued; logs once when they cannot. */
    public boolean available() {
        if (config.jobQueueUrl().filter(url -> !url.isBlank()).isPresent()) {
            return true;
        }
        if (unconfiguredLogged.compareAndSet(false, true)) {
            LOG.warn("Prefer: respond-async is ignored (copies run in the request): FPTR_THUMBNAIL_JOB_QUEUE_URL "
                    + "(fptr.thumbnail.job-queue-url) is not set");
        }
        return false;
    }

    /** Reads the entity and queues its copy, within {@code deadline} (the FPTR read and the SQS call). */
    public QueuedCopy queue(ThumbnailRequest request, Deadline deadline) {
        ThumbnailService.EntityImage image = thumbnails.look(request, deadline);
        ThumbnailJob job = new ThumbnailJob(image.type(), image.id(), request.variant().alt(), image.projectId(),
                ThumbnailJob.SOURCE_HTTP, null, null, null);
        if (!jobQueue.send(config.jobQueueUrl().orElseThrow(), List.of(job), deadline).isEmpty()) {
            throw new ProblemException(503, "Service Unavailable", "The copy of the " + request.variant().alt() + " image of "
                    + image.type() + " " + image.id() + " could not be queued (SQS failed); nothing was queued or copied. "
                    + "Try again later.").withRetryAfter(SQS_RETRY_AFTER);
        }
        LOG.infof("Queued the copy of the %s image of %s %d%s", request.variant().alt(), image.type(), image.id(),
                image.pending() ? " (FPTR still makes it; the worker waits)" : "");
        return new QueuedCopy(QueuedCopy.QUEUED, image.type(), image.id(), request.variant().alt(), image.pending());
    }
}
