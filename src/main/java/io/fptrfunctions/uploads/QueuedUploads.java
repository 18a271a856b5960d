package io.fptrfunctions.uploads;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.aws.AwsTimeouts;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.http.ApiRequest;
import io.fptrfunctions.http.ApiResponse;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.idempotency.IdempotentWrites;
import io.fptrfunctions.idempotency.QueuedKey;
import io.fptrfunctions.idempotency.WriteAttempt;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code Prefer: respond-async} on the upload routes: the request is checked as the upload would check it
 * (the object is allowed and there, the field or record is right), its {@code Idempotency-Key} claimed (the
 * caller's, or a new one the 202 names), and the upload queued as an {@link UploadJob} for the upload worker,
 * which runs it with Lambda's full time and stores its answer under the key. Bad input is the same 4xx
 * as without the preference, and queues nothing. Also the worker's side: reading a job and running it.
 */
@ApplicationScoped
public class QueuedUploads {

    private static final Logger LOG = Logger.getLogger(QueuedUploads.class);
    /** A job is a few kB (a description may take 100,000 characters); SQS takes 256 KiB. */
    static final int MAX_BODY_CHARS = 256 * 1024;

    @Inject
    UploadService uploads;

    @Inject
    IdempotentWrites writes;

    @Inject
    UploadConfig config;

    @Inject
    SqsClient sqs;

    @Inject
    ObjectMapper mapper;

    private final AtomicBoolean unconfiguredLogged = new AtomicBoolean();

    /** The body is not an upload job; the message says why. */
    public static final class NotAJob extends RuntimeException {
        NotAJob(String why) {
            super(why);
        }
    }

    /** Builds the SQS client before the first queued upload needs it. */
    void prefetch() {
        sqs.serviceClientConfiguration();
    }

    /** True when uploads can be queued ({@code fptr.upload.job-queue-url}); logs once when they cannot. */
    boolean available() {
        if (configured(config)) {
            return true;
        }
        if (unconfiguredLogged.compareAndSet(false, true)) {
            LOG.warn("Prefer: respond-async is ignored (uploads run in the request): FPTR_UPLOAD_JOB_QUEUE_URL "
                    + "(fptr.upload.job-queue-url) is not set");
        }
        return false;
    }

    /** Whether {@code fptr.upload.job-queue-url} names a queue (without one, {@code Prefer: respond-async} is ignored). */
    static boolean configured(UploadConfig config) {
        return config.jobQueueUrl().filter(url -> !url.isBlank()).isPresent();
    }

    /** Claims the key, checks the request, queues the job: the 202 (or the key's stored answer, or the check's 4xx). */
    ApiResponse queue(ApiRequest request, String function, UploadJob job) {
        return writes.queue(request, function, key -> {
            SourceObject source = check(job, request.deadline());
            send(job.withKey(key), request.deadline());
            ObjectNode answer = mapper.createObjectNode();
            answer.put("status", "queued").put("route", job.route()).put("idempotency_key", key.key());
            answer.putObject("source").put("bucket", source.location().bucket()).put("key", source.location().key())
                    .put("size", source.size());
            answer.put("detail", "The upload is queued for the upload worker. Send the same request with the header "
                    + "'Idempotency-Key: " + key.key() + "' for its answer: 409 with Retry-After while it is queued or "
                    + "running, then the upload's own answer (" + (job.attachment() != null ? "201" : "200")
                    + " or its problem), kept for 24 h.");
            LOG.infof("Queued the %s", job.withKey(key));
            return ApiResponse.accepted(answer).withHeader("Preference-Applied", "respond-async");
        });
    }

    /** The checks the upload makes before writing anything, without the size limit of the request. */
    private SourceObject check(UploadJob job, Deadline deadline) {
        return switch (job.route()) {
            case UploadJob.ATTACHMENT_ROUTE -> uploads.checkAttachment(job.attachment(), deadline);
            case UploadJob.FILE_ROUTE -> uploads.checkField(job.file(), UploadService.Run.QUEUED, deadline).source();
            default -> uploads.checkImage(job.file(), UploadService.Run.QUEUED, deadline).source();
        };
    }

    private void send(UploadJob job, Deadline deadline) {
        String body = json(job);
        try {
            sqs.sendMessage(b -> b.queueUrl(config.jobQueueUrl().orElseThrow()).messageBody(body)
                    .overrideConfiguration(AwsTimeouts.within(deadline, sqs)));
        } catch (SdkException e) {
            LOG.warnf("The %s could not be queued: %s", job, e.getMessage());
            throw new ProblemException(503, "Service Unavailable", "The upload could not be queued (SQS failed); nothing was "
                    + "queued or written. It is safe to send the request again.").withRetryAfter(Duration.ofSeconds(5));
        }
    }

    /** A message body read as an upload job; anything else is {@link NotAJob}. */
    public UploadJob read(String body) {
        if (body == null || body.length() > MAX_BODY_CHARS) {
            throw new NotAJob(body == null ? "the body is empty" : "the body has " + body.length() + " characters, more than a job");
        }
        UploadJob job;
        try {
            job = mapper.readValue(body, UploadJob.class);
        } catch (JacksonException e) {
            throw new NotAJob("the body is not an upload job's JSON");
        }
        boolean attachment = UploadJob.ATTACHMENT_ROUTE.equals(job.route()) && job.attachment() != null;
        boolean file = (UploadJob.FILE_ROUTE.equals(job.route()) || UploadJob.IMAGE_ROUTE.equals(job.route())) && job.file() != null;
        QueuedKey key = job.idempotency();
        if (!(attachment || file) || key == null || key.record() == null || key.claim() == null || key.requestHash() == null) {
            throw new NotAJob("the body lacks a known route with its request, or its Idempotency-Key claim");
        }
        return job;
    }

    /** Runs the job's upload with the worker's time: the answer the request would have had. */
    public ApiResponse run(UploadJob job, WriteAttempt attempt, Deadline deadline) {
        return switch (job.route()) {
            case UploadJob.ATTACHMENT_ROUTE -> ApiResponse.created(uploads.createAttachment(job.attachment(), attempt,
                    UploadService.Run.QUEUED, deadline));
            case UploadJob.FILE_ROUTE -> ApiResponse.ok(uploads.uploadToField(job.file(), attempt, UploadService.Run.QUEUED, deadline));
            default -> ApiResponse.ok(uploads.uploadImage(job.file(), attempt, UploadService.Run.QUEUED, deadline));
        };
    }

    private String json(UploadJob job) {
        try {
            return mapper.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an upload job could not be written as JSON", e);
        }
    }
}
