package io.fptrfunctions.uploads;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FieldSchemas;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrFailure;
import io.fptrfunctions.fptr.FptrFilter;
import io.fptrfunctions.fptr.FptrRecords;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.http.Problems;
import io.fptrfunctions.idempotency.WriteAttempt;
import io.fptrfunctions.localfiles.ContentTypes;
import io.fptrfunctions.telemetry.Metric;
import io.fptrfunctions.telemetry.Metrics;
import io.fptrfunctions.uploads.UploadRequests.AttachmentUpload;
import io.fptrfunctions.uploads.UploadRequests.EntityLink;
import io.fptrfunctions.uploads.UploadRequests.FieldUpload;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Uploads S3 objects into FPTR: as a new Attachment, into a file/link field, or as an entity's
 * thumbnail. Plain Java: no Lambda types.
 *
 * <p>Each upload is FPTR's three steps, streamed: the init ({@code _upload}), the bytes from a ranged S3
 * read straight into the PUT to FPTR's upload URL (one PUT up to {@code fptr.upload.single-put-max-bytes},
 * parts above it on S3 storage), and {@code complete_upload}. FPTR completes an upload whose bytes never
 * arrived (sg-groundtruth 039), so nothing is completed before every part is verified (storage's ETag is
 * the md5 of what was sent; the sizes add up to the object's; its md5 where S3 gives one). Any failure
 * before completion aborts a multipart upload ({@code multipart_abort}); a single PUT needs no abort, as an
 * upload never completed leaves nothing in FPTR. The completion creates records, so it is sent once; a
 * lost answer is resolved by aborting (which proves it did not land, when it takes) and reading back.
 */
@ApplicationScoped
public class UploadService {

    private static final Logger LOG = Logger.getLogger(UploadService.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** FPTR's ceiling on a single PUT and on a part (shotgrid-rs: multipart is required from 500 MB). */
    static final long MAX_SINGLE_OR_PART_BYTES = 500_000_000L;
    /** S3's limit on the parts of one upload. */
    static final int MAX_PARTS = 10_000;
    private static final ThreadFactory PART_THREADS = runnable -> {
        Thread t = new Thread(runnable, "upload-part");
        t.setDaemon(true);
        return t;
    };
    /** How far back an earlier attempt's Attachment is looked for: clock skew between us and FPTR. */
    private static final long CREATE_LOOKBACK_SECONDS = 5;
    static final List<String> ATTACHMENT_FIELDS = List.of("this_file", "filename", "project", "attachment_links",
            "description", "tag_list", "created_at", "created_by");
    /** What the new Attachment is looked for by: the answer's fields and {@code file_size}. */
    private static final List<String> CANDIDATE_FIELDS = Stream.concat(ATTACHMENT_FIELDS.stream(), Stream.of("file_size")).toList();

    @Inject
    FptrClient fptr;

    @Inject
    Metrics metrics;

    @Inject
    FieldSchemas schemas;

    @Inject
    SourceObjects sources;

    @Inject
    PartTransfer parts;

    @Inject
    UploadConfig config;

    @PostConstruct
    void checkSizes() {
        if (config.minPartBytes() < 1 || config.partBytes() < config.minPartBytes() || config.partBytes() > MAX_SINGLE_OR_PART_BYTES) {
            throw new IllegalStateException("fptr.upload.part-bytes must be between fptr.upload.min-part-bytes (" + config.minPartBytes()
                    + "; S3's floor is 5242880) and " + MAX_SINGLE_OR_PART_BYTES + ", not " + config.partBytes());
        }
        if (config.partsInFlight() < 1) {
            throw new IllegalStateException("fptr.upload.parts-in-flight must be at least 1, not " + config.partsInFlight());
        }
        if (config.singlePutMaxBytes() < 0 || config.singlePutMaxBytes() > MAX_SINGLE_OR_PART_BYTES) {
            throw new IllegalStateException("fptr.upload.single-put-max-bytes must be at most " + MAX_SINGLE_OR_PART_BYTES
                    + " (FPTR requires parts from 500 MB on S3 storage), not " + config.singlePutMaxBytes());
        }
    }

    // ---- the three routes ------------------------------------------------------------------------------------

    /** {@code PUT /v1/entities/{type}/{id}/files/{field}}: the object into a file/link field; answers the field as stored. */
    public ObjectNode uploadToField(FieldUpload request, WriteAttempt attempt, Run run, Deadline deadline) {
        CheckedField checked = checkField(request, run, deadline);
        SourceObject source = checked.source();
        long beforeId = checked.before().path("id").asLong(0);
        Target target = new Target(request.type(), request.id(), request.field(), request.name(),
                contentType(request.contentType(), request.name(), source));
        Transfer transfer = transfer(target, source, attempt, deadline, NOTHING_BEFORE_COMPLETION, () -> {
            JsonNode now = fptr.readField(deadline, request.type(), request.id(), request.field());
            return "upload".equals(now.path("link_type").asText()) && now.path("id").asLong(0) != beforeId
                    && request.name().equals(now.path("name").asText());
        });
        ObjectNode answer = answer(request.type(), request.id(), request.field(), source, transfer);
        answer.set("value", orNull(afterLanding(source + " was uploaded into " + target, () ->
                fptr.readField(deadline, request.type(), request.id(), request.field()))));
        return answer;
    }

    /** {@code PUT /v1/entities/{type}/{id}/image}: the object as the entity's thumbnail; FPTR then transcodes it. */
    public ObjectNode uploadImage(FieldUpload request, WriteAttempt attempt, Run run, Deadline deadline) {
        CheckedField checked = checkImage(request, run, deadline);
        SourceObject source = checked.source();
        boolean pendingBefore = FptrRecords.isPendingImage(checked.before());
        Target target = new Target(request.type(), request.id(), "image", request.name(),
                contentType(null, request.name(), source));
        Transfer transfer = transfer(target, source, attempt, deadline, NOTHING_BEFORE_COMPLETION,
                () -> !pendingBefore && FptrRecords.isPendingImage(fptr.readField(deadline, request.type(), request.id(), "image")));
        ObjectNode answer = answer(request.type(), request.id(), "image", source, transfer);
        JsonNode now = orNull(afterLanding(source + " was uploaded as the thumbnail of " + request.type() + " " + request.id(),
                () -> fptr.readField(deadline, request.type(), request.id(), "image")));
        answer.put("status", FptrRecords.isPendingImage(now) ? "transcoding" : "ready");
        answer.set("value", now);
        return answer;
    }

    /**
     * {@code POST /v1/uploads}: a new Attachment holding the object; answers the created Attachment. When an
     * earlier attempt under the same Idempotency-Key did not finish, the Attachment it may have made is
     * looked for first (on the record, created since that attempt started, with the file's name) and
     * finished rather than uploaded again. (The PUT routes upload again: the field then holds the file,
     * as asked, whatever the earlier attempt did.)
     */
    public ObjectNode createAttachment(AttachmentUpload request, WriteAttempt attempt, Run run, Deadline deadline) {
        SourceObject source = source(request.s3(), run, deadline);
        long projectId = request.projectId() != null ? request.projectId() : projectIdByName(request.projectName(), deadline);
        EntityLink parent = parentOf(request, projectId);
        if (attempt.earlierAttemptStartedAt().isPresent()) {
            Instant since = attempt.earlierAttemptStartedAt().get();
            ObjectNode earlier = attachmentMadeSince(parent, since, request.name(), source, deadline);
            LOG.infof("Upload of %s: an earlier attempt under the same Idempotency-Key (started %s) did not finish; %s",
                    source.location(), since, earlier == null ? "FPTR has no Attachment from it, so it is uploaded"
                            : "FPTR has its Attachment " + earlier.path("id").asLong() + ", so it is not uploaded again");
            if (earlier != null) {
                return afterLanding("An earlier attempt uploaded " + source + " as Attachment " + earlier.path("id").asLong(),
                        () -> completeAttachment(earlier, request, projectId, deadline));
            }
        }
        Target target = new Target(parent.type(), parent.id(), null, request.name(),
                contentType(request.contentType(), request.name(), source));
        // FPTR's answer to the completion names no Attachment: the new one is told by its id (above the newest on the
        // parent just before the completion, so only uploads completing at the same moment can be mistaken for it),
        // its name and its size.
        AtomicLong newestBefore = new AtomicLong();
        transfer(target, source, attempt, deadline, () -> newestBefore.set(newestAttachmentId(parent, deadline)),
                () -> !madeAfter(parent, newestBefore.get(), request.name(), source, deadline).isEmpty());
        String landed = "FPTR completed the upload of " + source.location() + " as a new Attachment on " + parent.type() + " "
                + parent.id();
        ObjectNode created = afterLanding(landed, () -> createdAttachment(parent, newestBefore.get(), request.name(), source, deadline));
        if (created == null) {
            throw new ProblemException(502, "FPTR's answer was lost", "FPTR completed the upload of " + source.location()
                    + " but lists no new Attachment on " + parent.type() + " " + parent.id() + " yet. Do not send it again: "
                    + "look for it there in a minute.").with("write_outcome", "landed");
        }
        return afterLanding("The upload of " + source.location() + " made Attachment " + created.path("id").asLong(),
                () -> completeAttachment(created, request, projectId, deadline));
    }

    /**
     * A step after the upload landed (finding its new Attachment, setting the Attachment's fields, reading the answer
     * back): FPTR failing there, or the deadline, is no longer "nothing was written" (a 503 or 504 that a caller may
     * send again, uploading the file a second time) but a 502 with {@code write_outcome: landed}, which the
     * Idempotency-Key keeps as its answer.
     */
    private static <T> T afterLanding(String landed, Supplier<T> step) {
        try {
            return step.get();
        } catch (FptrFailure | Deadline.Exceeded failure) {
            LOG.warnf("%s, but a step after it failed: %s", landed, failure.getMessage());
            throw new ProblemException(502, "The upload landed; a step after it failed", landed + ". Then: "
                    + failure.getMessage() + " Do not send the request again (it would upload the file a second time): "
                    + "read the result from FPTR.", null, failure).with("write_outcome", "landed");
        }
    }

    // ---- the checks, before anything is written ------------------------------------------------------------------

    /** Where an upload runs: in the request (the object must fit {@code fptr.upload.sync-max-bytes}) or on the worker. */
    public enum Run { IN_REQUEST, QUEUED }

    /** A field or image upload as checked: the object, and the field's value before it. */
    record CheckedField(SourceObject source, JsonNode before) {
    }

    CheckedField checkField(FieldUpload request, Run run, Deadline deadline) {
        SourceObject source = source(request.s3(), run, deadline);
        if (isAttachment(request.type()) && request.field().equals("this_file")) {
            throw ProblemException.conflict("Attachment.this_file cannot change once the Attachment exists (FPTR: \"editable "
                    + "on create only\"); nothing was written. Upload a new Attachment instead: POST /v1/uploads.");
        }
        String dataType = schemas.dataType(deadline, request.type(), request.field());
        if (!"url".equals(dataType)) {
            throw ProblemException.badRequest(request.type() + "." + request.field() + " is " + article(dataType) + " field, not a "
                    + "file/link field (FPTR data type 'url'), so no file can be uploaded into it; nothing was written."
                    + ("image".equals(dataType) ? " A thumbnail is set with PUT /v1/entities/{type}/{id}/image." : ""))
                    .with("pointer", "{field}").with("data_type", dataType);
        }
        return new CheckedField(source, fptr.readField(deadline, request.type(), request.id(), request.field()));
    }

    CheckedField checkImage(FieldUpload request, Run run, Deadline deadline) {
        SourceObject source = source(request.s3(), run, deadline);
        String dataType = schemas.dataType(deadline, request.type(), "image");
        if (!"image".equals(dataType)) {
            throw ProblemException.badRequest(request.type() + ".image is " + article(dataType) + " field, not a thumbnail; "
                    + "nothing was written.").with("pointer", "{type}").with("data_type", dataType);
        }
        return new CheckedField(source, fptr.readField(deadline, request.type(), request.id(), "image"));
    }

    /**
     * What {@link #createAttachment} would refuse before its upload, for a request to be queued: the object, the
     * project (by name: exactly one), the record the Attachment is uploaded through (it exists, and has an
     * {@code attachments} field).
     */
    SourceObject checkAttachment(AttachmentUpload request, Deadline deadline) {
        SourceObject source = source(request.s3(), Run.QUEUED, deadline);
        long projectId = request.projectId() != null ? request.projectId() : projectIdByName(request.projectName(), deadline);
        EntityLink parent = parentOf(request, projectId);
        fptr.read(deadline, parent.type(), parent.id(), List.of("id"));
        if (schemas.fieldOf(deadline, parent.type(), "attachments").isEmpty()) {
            throw new ProblemException(400, "Unknown field", parent.type() + ".attachments does not exist, so no Attachment can "
                    + "be uploaded through " + parent.type() + " " + parent.id() + "; nothing was written. Link a Version or a "
                    + "Note first.").with("pointer", request.attachmentLinks() != null && !request.attachmentLinks().isEmpty()
                    ? "/attachment_links/0" : "/project");
        }
        return source;
    }

    /** FPTR uploads an Attachment through a record's attachments field: the first link's, else the Project's. */
    private static EntityLink parentOf(AttachmentUpload request, long projectId) {
        return request.attachmentLinks() != null && !request.attachmentLinks().isEmpty()
                ? request.attachmentLinks().get(0) : new EntityLink("Project", projectId);
    }

    // ---- one transfer -------------------------------------------------------------------------------------------

    /** Where an upload goes: a field, or (field null) a new Attachment on the record; the file name FPTR stores. */
    record Target(String type, long id, String field, String filename, String contentType) {
        @Override
        public String toString() {
            return type + " " + id + (field == null ? " (new Attachment)" : " " + field);
        }
    }

    /**
     * What went up: {@code digest} is the object's md5 for a single PUT, S3's multipart ETag (md5 of the
     * parts' md5s, "-", their count) for parts; {@code completeLink} when storage named where to complete
     * (sg storage), else null.
     */
    record Transfer(String storageService, boolean multipart, int parts, long bytes, String digest, String completeLink) {
    }

    private static final Runnable NOTHING_BEFORE_COMPLETION = () -> { };

    /**
     * The three steps for {@code target}. {@code beforeCompletion} runs once the bytes are sent (a failure there
     * aborts like a failed part); {@code landed} reads FPTR to say whether the completion took, for when its
     * answer is lost.
     */
    private Transfer transfer(Target target, SourceObject source, WriteAttempt attempt, Deadline deadline,
                              Runnable beforeCompletion, Supplier<Boolean> landed) {
        long started = System.nanoTime();
        JsonNode start = fptr.startUpload(deadline, target.type(), target.id(), target.field(), target.filename(), false);
        boolean siteStorage = "sg".equals(start.path("data").path("storage_service").asText());
        boolean multipart = !siteStorage && source.size() > config.singlePutMaxBytes();
        if (multipart) {
            // Only now is S3 storage known (sg takes no parts); the single init above opened nothing to abort.
            long count = (source.size() + config.partBytes() - 1) / config.partBytes();
            if (count > MAX_PARTS) {
                throw ProblemException.unprocessable(source.location() + " (" + source.size() + " bytes) needs " + count
                        + " parts of fptr.upload.part-bytes (" + config.partBytes() + "), more than storage's " + MAX_PARTS
                        + "; nothing was written.").with("pointer", "/s3/key");
            }
            start = fptr.startUpload(deadline, target.type(), target.id(), target.field(), target.filename(), true);
        }
        JsonNode info = start.path("data");
        String complete = start.path("links").path("complete_upload").asText(null);
        String upload = start.path("links").path("upload").asText(null);
        if (!info.isObject() || complete == null || upload == null) {
            if (multipart && info.isObject() && complete != null) {
                abortQuietly(complete, info, target, deadline);   // the multipart upload is open even so
            }
            throw new ProblemException(502, "Bad Gateway", "FPTR's answer to the upload's start had no upload_info, upload or "
                    + "complete_upload link; nothing was written.");
        }
        ObjectNode uploadInfo = ((ObjectNode) info).deepCopy();
        // The bytes must be sent fptr.upload.finish-reserve before the deadline: the completion (or the abort) and
        // the reads after it still need that time, so a slow transfer ends aborted in a 504, never cut by Lambda.
        Deadline sending = deadline.less(config.finishReserve());
        Transfer transfer;
        try {
            transfer = multipart
                    ? sendParts(target, source, uploadInfo, storageUrl(upload, "the upload's start"), start.path("links").path("get_next_part").asText(null), sending)
                    : sendWhole(target, source, uploadInfo, storageUrl(upload, "the upload's start"), siteStorage, sending);
            beforeCompletion.run();
        } catch (RuntimeException e) {
            if (multipart) {
                abortQuietly(complete, info, target, deadline);
            }
            throw e;
        }
        if (transfer.completeLink() != null) {
            complete = transfer.completeLink();
        }
        completeOnce(target, complete, (ObjectNode) info, uploadInfo, multipart, attempt, landed, deadline);
        metrics.add(Metric.BYTES_COPIED, transfer.bytes());
        metrics.add(Metric.COPY_TIME, (System.nanoTime() - started) / 1_000_000);
        LOG.infof("Uploaded %s (%d bytes, %s storage, %d part%s) to %s", source.location(), transfer.bytes(),
                transfer.storageService(), transfer.parts(), transfer.parts() == 1 ? "" : "s", target);
        return transfer;
    }

    private Transfer sendWhole(Target target, SourceObject source, ObjectNode uploadInfo, URI upload, boolean siteStorage,
                               Deadline deadline) {
        PartTransfer.SentPart sent = parts.send(source, new PartTransfer.Part(1, 0, source.size(), upload), siteStorage,
                target.contentType(), deadline);
        verifyWhole(source, sent.md5(), sent.length());
        String completeLink = null;
        if (siteStorage) {
            // FPTR's own storage names the stored file: its upload_id joins the upload_info (shotgrid-rs).
            JsonNode stored = sent.receipt().body();
            JsonNode id = stored.path("data").path("upload_id");
            if (!id.isTextual() || id.asText().isBlank()) {
                throw new ProblemException(502, "Bad Gateway", "FPTR's storage took the bytes of " + source.location()
                        + " but named no upload_id for them, so the upload cannot be completed; nothing was created.");
            }
            uploadInfo.set("upload_id", id);
            JsonNode original = stored.path("data").path("original_filename");
            if (original.isTextual()) {
                uploadInfo.set("original_filename", original);
            }
            completeLink = stored.path("links").path("complete_upload").asText(null);
        }
        return new Transfer(siteStorage ? "sg" : "s3", false, 1, sent.length(), sent.md5(), completeLink);
    }

    /**
     * The parts, {@code fptr.upload.parts-in-flight} at a time: the next part's URL comes from the chain of
     * {@code get_next_part} links (walked in order here) while earlier parts are still streaming. A part
     * failing for good stops the rest (the caller then aborts).
     */
    private Transfer sendParts(Target target, SourceObject source, ObjectNode uploadInfo, URI firstUpload, String nextLink,
                               Deadline deadline) {
        List<PartTransfer.SentPart> sent = new ArrayList<>();
        Deque<Future<PartTransfer.SentPart>> running = new ArrayDeque<>();
        ExecutorService pool = Executors.newFixedThreadPool(config.partsInFlight(), PART_THREADS);
        try {
            URI upload = firstUpload;
            String next = nextLink;
            long offset = 0;
            for (int number = 1; offset < source.size(); number++) {
                if (number > 1) {
                    if (next == null) {
                        throw new ProblemException(502, "Bad Gateway", "FPTR's answer for part " + (number - 1) + " had no "
                                + "get_next_part link; the upload was aborted and nothing was created.");
                    }
                    JsonNode links = fptr.nextUploadPart(deadline, next).path("links");
                    if (!links.path("upload").isTextual()) {
                        throw new ProblemException(502, "Bad Gateway", "FPTR's answer for part " + number + " had no upload "
                                + "URL; the upload was aborted and nothing was created.");
                    }
                    upload = storageUrl(links.path("upload").asText(), "part " + number);
                    next = links.path("get_next_part").asText(null);
                }
                if (running.size() == config.partsInFlight()) {
                    sent.add(finished(running.removeFirst()));
                }
                PartTransfer.Part part = new PartTransfer.Part(number, offset, Math.min(config.partBytes(), source.size() - offset), upload);
                running.add(pool.submit(() -> parts.send(source, part, false, target.contentType(), deadline)));
                offset += part.length();
            }
            while (!running.isEmpty()) {
                sent.add(finished(running.removeFirst()));
            }
        } finally {
            // A part still streaming when another failed ends on its own (blocking I/O); wait for it, so
            // the abort that follows comes after the last PUT.
            running.forEach(f -> f.cancel(false));
            pool.shutdown();
            awaitQuietly(pool);
        }
        ArrayNode etags = JSON.arrayNode();
        long bytes = 0;
        MessageDigest ofParts = PartTransfer.md5();
        for (PartTransfer.SentPart part : sent) {
            etags.add(part.md5());
            bytes += part.length();
            ofParts.update(HexFormat.of().parseHex(part.md5()));
        }
        verifyWhole(source, null, bytes);
        uploadInfo.set("etags", etags);
        // S3's ETag of the assembled object: the md5 of the parts' md5s, and their count
        String etag = HexFormat.of().formatHex(ofParts.digest()) + "-" + sent.size();
        return new Transfer("s3", true, sent.size(), bytes, etag, null);
    }

    private static PartTransfer.SentPart finished(Future<PartTransfer.SentPart> part) {
        try {
            return part.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("a part upload failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a part was uploading", e);
        }
    }

    private static void awaitQuietly(ExecutorService pool) {
        try {
            if (!pool.awaitTermination(5, TimeUnit.MINUTES)) {
                LOG.warn("A part upload is still running five minutes after the upload stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The bytes sent add up to the object and, for a single PUT, hash to its md5 where S3's ETag is one;
     * otherwise a 502 before completing. (Every part is hashed and checked against storage's ETag.)
     */
    private static void verifyWhole(SourceObject source, String md5, long sent) {
        if (sent != source.size() || (md5 != null && source.md5() != null && !source.md5().equals(md5))) {
            throw new ProblemException(502, "Bad Gateway", "What was sent of " + source.location() + " (" + sent + " bytes"
                    + (md5 == null ? "" : ", md5 " + md5) + ") is not the object (" + source.size() + " bytes"
                    + (source.md5() == null ? "" : ", md5 " + source.md5()) + "), so the upload was not completed; nothing "
                    + "was created in FPTR.");
        }
    }

    /**
     * Step 3, sent once. A refusal aborts a multipart upload and is answered as the failure model says. A lost
     * answer: a multipart upload is aborted first (if that takes, the completion did not land and cannot any
     * more), then FPTR is read; a completion found there is a success.
     */
    private void completeOnce(Target target, String complete, ObjectNode initInfo, ObjectNode uploadInfo, boolean multipart,
                              WriteAttempt attempt, Supplier<Boolean> landed, Deadline deadline) {
        try {
            attempt.sending();   // the completion is what creates something in FPTR; the steps before leave nothing
            fptr.completeUpload(deadline, complete, uploadInfo, JSON.objectNode());
            attempt.landed();
            return;
        } catch (FptrFailure.WriteOutcomeUnknown lost) {
            LOG.warnf("The answer to completing the upload to %s was lost (%s); not repeating it", target, lost.lost());
            if (multipart && abortTook(complete, initInfo, target, deadline)) {
                throw lostAnswer(lost, "not_landed", "The multipart upload was then aborted, so the completion did not land "
                        + "and cannot any more: nothing was created. It is safe to send the request again.");
            }
            Boolean found = readBack(landed, target);
            if (Boolean.TRUE.equals(found)) {
                LOG.infof("A read-back shows the upload to %s completed", target);
                attempt.landed();
                return;
            }
            if (Boolean.FALSE.equals(found) && !multipart && lost.lost() == FptrFailure.WriteOutcomeUnknown.Lost.CUT) {
                throw lostAnswer(lost, "not_landed", "A read-back shows it did not land: nothing was created. It is safe to "
                        + "send the request again.");
            }
            throw lostAnswer(lost, "unknown", found == null ? "The read-back failed too: look in FPTR before sending it again."
                    : "FPTR does not show it yet but may still be completing it: look again in a minute before sending it again.");
        } catch (FptrFailure refused) {
            if (multipart) {
                abortQuietly(complete, initInfo, target, deadline);
            }
            throw refused;
        }
    }

    private static ProblemException lostAnswer(FptrFailure.WriteOutcomeUnknown lost, String verdict, String sentence) {
        return Problems.of(lost).withDetail("FPTR's answer to completing the upload was lost (" + lost.lost().name()
                .toLowerCase(Locale.ROOT) + "). The completion was not repeated, because a repeat could create a second "
                + "Attachment. " + sentence).with("write_outcome", verdict);
    }

    private static Boolean readBack(Supplier<Boolean> landed, Target target) {
        try {
            return landed.get();
        } catch (FptrFailure f) {
            LOG.warnf("Reading back the upload to %s failed: %s", target, f.getMessage());
            return null;
        }
    }

    /** True when FPTR aborted the multipart upload; false when it had nothing open any more (or could not be asked). */
    private boolean abortTook(String complete, JsonNode initInfo, Target target, Deadline deadline) {
        try {
            fptr.abortUpload(deadline, complete, initInfo);
            return true;
        } catch (FptrFailure f) {
            LOG.infof("Aborting the upload to %s did not take (%s)", target, f.getMessage());
            return false;
        }
    }

    /**
     * Where FPTR's answer says to send bytes: an absolute http(s) URL (a presigned storage URL on a real site).
     * Anything else is FPTR's answer gone wrong, a 502, never a 500 or a request to another kind of URL.
     */
    static URI storageUrl(String link, String answer) {
        try {
            URI uri = new URI(link);
            if (uri.getHost() != null && ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()))) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // said below
        }
        throw new ProblemException(502, "Bad Gateway", "FPTR's answer to " + answer + " gave an upload URL that is no "
                + "http(s) URL; nothing was created.");
    }

    private void abortQuietly(String complete, JsonNode initInfo, Target target, Deadline deadline) {
        if (abortTook(complete, initInfo, target, deadline)) {
            LOG.infof("Aborted the multipart upload to %s: storage keeps none of its parts", target);
        }
    }

    // ---- Attachments --------------------------------------------------------------------------------------------

    private long newestAttachmentId(EntityLink parent, Deadline deadline) {
        List<JsonNode> rows = fptr.searchPage(deadline, "Attachment", linkedTo(parent), List.of("id"), "-id", 1, 1);
        return rows.isEmpty() ? 0 : rows.get(0).path("id").asLong();
    }

    /**
     * The Attachment the upload made: on the parent, newer than {@code newestBefore}, with the file's name and (when
     * FPTR gives one) the object's size; null when there is none. More than one such Attachment is the problem
     * {@link #ambiguous}, never a guess. (One new Attachment of another name is taken for it: FPTR may store a
     * name changed.)
     */
    private ObjectNode createdAttachment(EntityLink parent, long newestBefore, String filename, SourceObject source, Deadline deadline) {
        List<JsonNode> rows = fptr.searchAll(deadline, "Attachment", newerThan(parent, newestBefore), CANDIDATE_FIELDS, "id", null).rows();
        List<ObjectNode> named = holding(rows, filename, source);
        if (named.size() > 1) {
            throw ambiguous(named, parent, filename, source, "FPTR completed the upload of " + source.location());
        }
        if (named.size() == 1) {
            return named.get(0);
        }
        ObjectNode only = rows.size() == 1 ? FptrRecords.flatten(rows.get(0)) : null;
        return only != null && fits(only, source) ? only : null;
    }

    /** The Attachments on the parent newer than {@code newestBefore} that may hold the upload (name and size). */
    private List<ObjectNode> madeAfter(EntityLink parent, long newestBefore, String filename, SourceObject source, Deadline deadline) {
        return holding(fptr.searchAll(deadline, "Attachment", newerThan(parent, newestBefore), CANDIDATE_FIELDS, "id", null).rows(),
                filename, source);
    }

    private static ObjectNode newerThan(EntityLink parent, long newestBefore) {
        return FptrFilter.and(FptrFilter.condition("attachment_links", "is", FptrFilter.entity(parent.type(), parent.id())),
                FptrFilter.condition("id", "greater_than", JSON.numberNode(newestBefore)));
    }

    /**
     * The Attachment on the parent created since {@code since} (less clock skew) with the file's name and size; null
     * when none, {@link #ambiguous} when more than one.
     */
    private ObjectNode attachmentMadeSince(EntityLink parent, Instant since, String filename, SourceObject source, Deadline deadline) {
        ObjectNode filter = FptrFilter.and(FptrFilter.condition("attachment_links", "is", FptrFilter.entity(parent.type(), parent.id())),
                FptrFilter.condition("created_at", "greater_than", DateTimeFormatter.ISO_INSTANT.format(
                        since.minusSeconds(CREATE_LOOKBACK_SECONDS).truncatedTo(ChronoUnit.SECONDS))));
        List<ObjectNode> named = holding(fptr.searchAll(deadline, "Attachment", filter, CANDIDATE_FIELDS, "id", null).rows(),
                filename, source);
        if (named.size() > 1) {
            throw ambiguous(named, parent, filename, source, "An earlier attempt under this Idempotency-Key may have "
                    + "uploaded " + source.location() + " (it stopped unfinished)");
        }
        return named.isEmpty() ? null : named.get(0);
    }

    /** The rows named {@code filename} whose size does not rule out the object. */
    private static List<ObjectNode> holding(List<JsonNode> rows, String filename, SourceObject source) {
        List<ObjectNode> named = new ArrayList<>();
        for (JsonNode row : rows) {
            ObjectNode flat = FptrRecords.flatten(row);
            if ((filename.equals(flat.path("filename").asText()) || filename.equals(flat.path("this_file").path("name").asText()))
                    && fits(flat, source)) {
                named.add(flat);
            }
        }
        return named;
    }

    /** FPTR often leaves {@code file_size} null (sg-groundtruth 039); a size it does give must be the object's. */
    private static boolean fits(ObjectNode attachment, SourceObject source) {
        JsonNode size = attachment.path("file_size");
        return !size.isNumber() || size.asLong() == source.size();
    }

    /**
     * More than one Attachment could be the upload's: uploads of the same file name to the same record completed at
     * the same moment, and FPTR's answer names none. Guessing would give this request's fields (and answer) to
     * another upload's Attachment, so nothing more is set and the candidates are named.
     */
    private static ProblemException ambiguous(List<ObjectNode> candidates, EntityLink parent, String filename, SourceObject source,
                                              String uploaded) {
        List<Long> ids = candidates.stream().map(c -> c.path("id").asLong()).toList();
        ArrayNode listed = JSON.arrayNode();
        ids.forEach(listed::add);
        LOG.warnf("Upload of %s: %d Attachments named the same were made on %s %d at the same moment (%s); not guessing which",
                source.location(), ids.size(), parent.type(), parent.id(), ids);
        // A 409, not a 5xx: the callers' own uploads collided, FPTR did nothing wrong; kept as the key's answer (landed).
        return new ProblemException(409, "Uploads of the same file to one record at the same moment", uploaded + ", but "
                + ids.size() + " Attachments named '" + filename + "' (of " + source.size() + " bytes, or of no size FPTR "
                + "shows) were made on " + parent.type() + " " + parent.id() + " at the same moment (" + ids + "): other "
                + "uploads of the same file name to the same record ran at the same time, and FPTR's answer to an upload "
                + "names no Attachment. None of them was given this request's project, links, description or tags. Do not "
                + "send the request again: read those Attachments, set the fields on the one that is yours and delete any "
                + "extra one.")
                .with("write_outcome", "landed").with("candidates", listed);
    }

    /** Sets what the upload could not: the project, every link, description and tags; answers the Attachment. */
    private ObjectNode completeAttachment(ObjectNode created, AttachmentUpload request, long projectId, Deadline deadline) {
        ObjectNode update = JSON.objectNode();
        if (created.path("project").path("id").asLong(0) != projectId) {
            update.set("project", FptrFilter.entity("Project", projectId));
        }
        if (request.attachmentLinks() != null && request.attachmentLinks().size() > 1) {
            ArrayNode links = update.putArray("attachment_links");
            request.attachmentLinks().forEach(l -> links.add(FptrFilter.entity(l.type(), l.id())));
        }
        if (request.description() != null) {
            update.put("description", request.description());
        }
        if (request.tagList() != null) {
            ArrayNode tags = update.putArray("tag_list");
            request.tagList().forEach(tags::add);
        }
        long id = created.path("id").asLong();
        if (!update.isEmpty()) {
            try {
                fptr.update(deadline, "Attachment", id, update);
            } catch (FptrFailure.WriteOutcomeUnknown lost) {
                throw Problems.of(lost).withDetail("The file was uploaded as Attachment " + id + ", but FPTR's answer to "
                        + "setting its project, links, description or tags was lost; the update was not repeated. Read "
                        + "Attachment " + id + " and set what is missing.").with("write_outcome", "unknown").with("created", created);
            } catch (FptrFailure refused) {
                LOG.warnf("Attachment %d was uploaded but FPTR refused its other fields: %s", id, refused.getMessage());
                ProblemException problem = Problems.of(refused);
                String detail = refused.getMessage() + " The file was uploaded as Attachment " + id
                        + "; only its project, links, description or tags were not set.";
                if (problem.status() >= 500) {   // not "nothing was written" (a 503's words): the Attachment is there
                    throw new ProblemException(502, "The upload landed; a step after it failed", detail + " Do not send the "
                            + "request again: set them on Attachment " + id + ".", null, refused)
                            .with("write_outcome", "landed").with("created", created);
                }
                throw problem.withDetail(detail).with("created", created);
            }
        }
        ObjectNode attachment = FptrRecords.flatten(fptr.read(deadline, "Attachment", id, ATTACHMENT_FIELDS));
        return attachment.isEmpty() ? created : attachment;
    }

    private static ObjectNode linkedTo(EntityLink parent) {
        return FptrFilter.and(FptrFilter.condition("attachment_links", "is", FptrFilter.entity(parent.type(), parent.id())));
    }

    private long projectIdByName(String name, Deadline deadline) {
        List<JsonNode> rows = fptr.searchPage(deadline, "Project", FptrFilter.and(FptrFilter.condition("name", "is", name)),
                List.of("name"), "id", 2, 1);
        if (rows.size() != 1) {
            throw ProblemException.unprocessable((rows.isEmpty() ? "No Project is" : "More than one Project is") + " named '"
                    + name + "'; nothing was written. Give the project's id.").with("pointer", "/project");
        }
        return rows.get(0).path("id").asLong();
    }

    // ---- small parts ---------------------------------------------------------------------------------------------

    /**
     * The object, if allowed and there; in the request only when {@code fptr.upload.sync-max-bytes} can be expected
     * to go up before the deadline (infra/bench/upload), else a 422 that says to send {@code Prefer: respond-async}
     * (or, where no upload queue is configured and the preference is ignored, that this deployment cannot take it).
     */
    private SourceObject source(S3Location location, Run run, Deadline deadline) {
        sources.checkAllowed(location);
        SourceObject source = sources.head(location, deadline);
        if (run == Run.IN_REQUEST && source.size() > config.syncMaxBytes()) {
            String tooLarge = location + " is " + source.size() + " bytes, more than fptr.upload.sync-max-bytes ("
                    + config.syncMaxBytes() + ") can be expected to upload within the request's time. ";
            if (!QueuedUploads.configured(config)) {
                throw ProblemException.unprocessable(tooLarge + "This deployment has no upload queue (fptr.upload.job-queue-url, "
                        + "FPTR_UPLOAD_JOB_QUEUE_URL, is not set), so 'Prefer: respond-async' is ignored and an object this "
                        + "large cannot be uploaded through it: its operator can set the queue (the template's "
                        + "UploadJobQueue) or raise fptr.upload.sync-max-bytes. Nothing was written.")
                        .with("pointer", "/s3/key").with("size", source.size()).with("sync_max_bytes", config.syncMaxBytes());
            }
            throw ProblemException.unprocessable(tooLarge + "Send the request again with the header 'Prefer: respond-async': "
                    + "it is then answered 202 at once and uploaded by the upload worker. Nothing was written.")
                    .with("pointer", "/s3/key").with("size", source.size())
                    .with("sync_max_bytes", config.syncMaxBytes()).with("prefer", "respond-async");
        }
        return source;
    }

    /** The content type sent with the bytes: the caller's, else S3's (unless generic), else a guess from the name. */
    private static String contentType(String given, String filename, SourceObject source) {
        if (given != null) {
            return given;
        }
        String stored = source.contentType();
        if (stored != null && !stored.isBlank() && !stored.startsWith("binary/") && !stored.startsWith("application/octet-stream")) {
            return stored;
        }
        return Objects.requireNonNullElse(ContentTypes.guess(filename), "application/octet-stream");
    }

    private static ObjectNode answer(String type, long id, String field, SourceObject source, Transfer transfer) {
        ObjectNode answer = JSON.objectNode();
        answer.put("type", type).put("id", id).put("field", field);
        ObjectNode s3 = answer.putObject("source");
        s3.put("bucket", source.location().bucket()).put("key", source.location().key()).put("size", source.size())
                .put("etag", source.etag());
        ObjectNode upload = answer.putObject("upload");
        upload.put("storage_service", transfer.storageService()).put("multipart", transfer.multipart())
                .put("parts", transfer.parts()).put("bytes", transfer.bytes())
                .put(transfer.multipart() ? "etag" : "md5", transfer.digest());
        return answer;
    }

    private static JsonNode orNull(JsonNode value) {
        return value == null || value.isMissingNode() ? NullNode.instance : value;
    }

    private static boolean isAttachment(String type) {
        String t = type.toLowerCase(Locale.ROOT);
        return t.equals("attachment") || t.equals("attachments");
    }

    private static String article(String dataType) {
        if (dataType == null) {
            return "an unknown-type";
        }
        return ("aeiou".indexOf(dataType.charAt(0)) >= 0 ? "an " : "a ") + dataType;
    }
}
