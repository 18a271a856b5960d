package io.fptrfunctions.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.aws.AwsFailure;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrFailure;
import io.fptrfunctions.fptr.FptrFilter;
import io.fptrfunctions.fptr.FptrRecords;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.http.Problems;
import io.fptrfunctions.thumbnails.CopiedImages;
import io.fptrfunctions.thumbnails.JobTargets;
import io.fptrfunctions.thumbnails.ThumbnailJob;
import io.fptrfunctions.thumbnails.ThumbnailJobQueue;
import io.fptrfunctions.thumbnails.ThumbnailService;
import io.fptrfunctions.thumbnails.ThumbnailVariant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The sweep: for each entity type, one walk through FPTR's entities in {@code updated_at,id} order from
 * the walk's checkpoint, queueing a {@link ThumbnailJob} for each entity and variant whose current image
 * is not the one the worker last copied. Per page, and nothing per entity:
 * <ol>
 *   <li>one {@code _search} (fields {@code image}, {@code project}, {@code updated_at}; {@code image is_not
 *       null}; up to {@code fptr.max-page-size} rows), the first from {@code fptr.sweep.overlap} before the
 *       checkpoint (FPTR's {@code updated_at} has a 1 s resolution), each next one after the last row read
 *       (keyset paging: an entity updated during the walk moves to the end and is read there, where an
 *       offset would have skipped the row after it);</li>
 *   <li>one {@code BatchGetItem} per 100 copy records ({@link CopiedImages#imageSources}): a row whose
 *       {@code image}, without its signature, is the recorded {@code image_source} is already copied;</li>
 *   <li>{@code SendMessageBatch} (10 a call) for the rest; an image FPTR still shows as pending is queued
 *       too, and the worker waits for it (skipping it would leave it behind the checkpoint);</li>
 *   <li>the checkpoint moves to the last row all of whose jobs, and those of every row before it, are on the
 *       queue (a conditional {@code PutItem}).</li>
 * </ol>
 * A walk ends at an empty page (FPTR's only proof of the end), or stops early: after
 * {@code fptr.sweep.max-entities-per-run} entities past the checkpoint, when less than
 * {@code fptr.sweep.min-time-left} is left before the deadline, or at the first failure (an FPTR page, the
 * copy records, SQS, the checkpoint's save), leaving the checkpoint where the last queued row put it. The
 * next run continues from there. Knows nothing of Lambda: the handler passes the invocation's {@link Deadline} in,
 * and every FPTR and AWS call of the run is capped by it.
 */
@ApplicationScoped
public class SweepService {

    private static final Logger LOG = Logger.getLogger(SweepService.class);
    static final List<String> FIELDS = List.of("image", "project", "updated_at");
    static final String ORDER = "updated_at,id";

    static final String STOPPED_END = "end";
    static final String STOPPED_MAX_ENTITIES = "max_entities";
    static final String STOPPED_TIME_LEFT = "time_left";
    static final String STOPPED_FAILED = "failed";

    @Inject
    FptrClient fptr;

    @Inject
    CopiedImages copies;

    @Inject
    ThumbnailJobQueue queue;

    @Inject
    SweepCheckpoints checkpoints;

    @Inject
    SweepConfig config;

    @Inject
    JobTargets targets;

    @Inject
    Clock clock;

    @Inject
    ObjectMapper mapper;

    /**
     * Runs the request until its walks end or stop (see the class). A problem found before any walk starts
     * (the sweep not configured, a backfill's project unknown, FPTR unavailable while looking it up) is
     * thrown as a {@link ProblemException}; one during a walk is the answer's {@code error}.
     *
     * @param deadline the invocation's (Lambda's remaining time less its margin); no page is started within
     *                 {@code min-time-left} of it, and every call is capped by it
     * @param requestId named by the answer of a failure that is a bug
     */
    public SweepAnswer run(SweepRequest request, Deadline deadline, String requestId) {
        long started = System.nanoTime();
        Settings settings = settings();
        List<String> types = request.entityTypes() != null ? request.entityTypes() : targets.entityTypes();
        List<ThumbnailVariant> variants = request.variants() != null ? request.variants()
                : targets.variants().stream().map(v -> ThumbnailVariant.valueOf(v.toUpperCase(Locale.ROOT))).toList();
        ObjectNode project = project(request, deadline);
        String key = request.key();
        ObjectNode backfill = null;
        if (request.backfill()) {
            backfill = request.normalized();
            backfill.put("key", key);
            if (project != null) {
                backfill.set("project", project);
            }
        }

        int[] budget = {config.maxEntitiesPerRun()};
        List<SweepAnswer.Walked> walked = new ArrayList<>();
        JsonNode error = null;
        for (String type : types) {
            Walk walk = new Walk(settings, request, type, key + "#" + type, variants, project);
            try {
                walk.run(budget, deadline);
            } catch (Deadline.Exceeded e) {
                walk.stopped = STOPPED_TIME_LEFT;   // a call that would not fit in what is left: the next run continues
            } catch (FptrFailure | AwsFailure | ProblemException e) {
                walk.stopped = STOPPED_FAILED;
                error = failure(e, type, requestId);
            } catch (RuntimeException e) {
                LOG.errorf(e, "The sweep failed walking %s (request %s)", type, requestId);
                walk.stopped = STOPPED_FAILED;
                error = failure(e, type, requestId);
            }
            walked.add(walk.result());
            if (!walk.complete) {
                break;   // the types after it wait for the next run
            }
        }
        SweepAnswer answer = answer(request, backfill, walked, types.size(), error);
        log(answer, error, (System.nanoTime() - started) / 1_000_000);
        return answer;
    }

    /** The checked settings a run needs; an incomplete configuration is a 500 problem saying what to set. */
    private record Settings(String queueUrl, String table, Duration overlap, int pageSize) {
    }

    private Settings settings() {
        List<String> problems = new ArrayList<>(targets.problems());
        String queueUrl = config.queueUrl().filter(v -> !v.isBlank()).orElse(null);
        String table = config.tableName().filter(v -> !v.isBlank()).orElse(null);
        if (queueUrl == null) {
            problems.add("FPTR_SWEEP_QUEUE_URL (fptr.sweep.queue-url) is not set");
        }
        if (table == null) {
            problems.add("FPTR_SWEEP_TABLE_NAME (fptr.sweep.table-name) is not set");
        }
        if (config.overlap().compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add("fptr.sweep.overlap is " + config.overlap() + "; FPTR's updated_at has a 1 s resolution, "
                    + "so less than 1s would miss an update in the checkpoint's own second");
        }
        if (config.maxEntitiesPerRun() < 1) {
            problems.add("fptr.sweep.max-entities-per-run must be at least 1");
        }
        int pageSize = config.pageSize().orElse(fptr.maxPageSize());
        if (pageSize < 1 || pageSize > fptr.maxPageSize()) {
            problems.add("fptr.sweep.page-size must be 1.." + fptr.maxPageSize());
        }
        if (!problems.isEmpty()) {
            throw new ProblemException(500, "The sweep is not configured",
                    "The sweep is not configured (" + String.join("; ", problems) + "); nothing was read or queued. "
                            + "See README, 'sweep'.");
        }
        return new Settings(queueUrl, table, config.overlap(), pageSize);
    }

    /** A backfill's project as {@code {"type", "id", "name"}} (one FPTR call), or null for every project. */
    private ObjectNode project(SweepRequest request, Deadline deadline) {
        if (request.projectId() != null) {
            JsonNode found;
            try {
                found = fptr.read(deadline, "Project", request.projectId(), List.of("name"));
            } catch (FptrFailure.Refused refused) {
                if (refused.kind() == FptrFailure.Refused.Kind.NOT_FOUND) {
                    throw ProblemException.notFound("Project " + request.projectId() + " does not exist in FPTR; "
                            + "nothing was read or queued.").with("pointer", "/project");
                }
                throw refused;
            }
            return projectValue(found);
        }
        if (request.projectName() == null) {
            return null;
        }
        List<JsonNode> named = fptr.searchPage(deadline, "Project", FptrFilter.and(FptrFilter.condition("name", "is", request.projectName())),
                List.of("name"), "id", 10, 1);
        if (named.isEmpty()) {
            throw ProblemException.notFound("No project is named '" + request.projectName() + "' in FPTR; give its "
                    + "exact name or its id. Nothing was read or queued.").with("pointer", "/project");
        }
        if (named.size() > 1) {
            List<Long> ids = named.stream().map(p -> p.path("id").asLong()).toList();
            throw ProblemException.conflict("Several projects are named '" + request.projectName() + "' (ids "
                    + ids + "); give the id of the one to backfill. Nothing was read or queued.")
                    .with("pointer", "/project").with("ids", ids);
        }
        return projectValue(named.get(0));
    }

    private ObjectNode projectValue(JsonNode record) {
        ObjectNode project = FptrFilter.entity("Project", record.path("id").asLong());
        ObjectNode flat = FptrRecords.flatten(record);
        project.put("name", flat.path("name").asText(null));
        return project;
    }

    /** One entity type's walk in this run. */
    private final class Walk {
        final Settings settings;
        final SweepRequest request;
        final String type;
        final String key;
        final List<ThumbnailVariant> variants;
        final ObjectNode project;

        long scanned;
        long alreadyCopied;
        long queued;
        long pending;
        int pagesRead;
        Checkpoint before;
        /** Where the walk is: the stored checkpoint, or the walk's start before its first save. */
        Checkpoint position;
        /** The checkpoint as stored now. */
        Checkpoint saved;
        boolean complete;
        String stopped;

        Walk(Settings settings, SweepRequest request, String type, String key, List<ThumbnailVariant> variants, ObjectNode project) {
            this.settings = settings;
            this.request = request;
            this.type = type;
            this.key = key;
            this.variants = variants;
            this.project = project;
        }

        void run(int[] budget, Deadline deadline) {
            Instant now = clock.instant();
            SweepCheckpoints.Stored stored = checkpoints.load(settings.table(), key, now, deadline);
            before = stored.checkpoint();
            saved = before;
            long version = stored.version();
            position = before != null ? before : start(now);
            // The first page starts the overlap before the checkpoint; each next one after the last row read.
            JsonNode bound = position == null ? null
                    : FptrFilter.condition("updated_at", "greater_than", position.updatedAt().minus(settings.overlap()).toString());
            while (true) {
                if (!deadline.allows(config.minTimeLeft())) {
                    stopped = STOPPED_TIME_LEFT;
                    return;
                }
                if (budget[0] <= 0) {
                    stopped = STOPPED_MAX_ENTITIES;
                    return;
                }
                List<JsonNode> rows = fptr.searchPage(deadline, type, filter(bound), FIELDS, ORDER, Math.min(settings.pageSize(), budget[0]), 1);
                pagesRead++;
                if (rows.isEmpty()) {
                    complete = true;
                    stopped = STOPPED_END;
                    return;
                }
                PageOutcome page = queuePage(rows, budget, deadline);
                if (page.reached() != null && page.reached().isAfter(position)) {
                    version = checkpoints.save(settings.table(), key, page.reached(), version, clock.instant(),
                            request.backfill() ? clock.instant().plus(config.backfillTtl()) : null,
                            request.backfill() ? request.normalized().toString() : null, deadline);
                    position = page.reached();
                    saved = position;
                }
                if (page.notQueued() != null) {
                    throw page.notQueued();
                }
                // after the last row read, not the checkpoint: rows of the overlap past this page are still to be read
                bound = after(page.lastRead());
            }
        }

        /** A walk's first run: the scheduled one looks back {@code first-run-lookback}; a backfill from its {@code since}, or from the first entity. */
        private Checkpoint start(Instant now) {
            if (request.backfill()) {
                return request.since() == null ? null : Checkpoint.startingAt(request.since());
            }
            return Checkpoint.startingAt(now.minus(config.firstRunLookback()).truncatedTo(ChronoUnit.SECONDS));
        }

        private JsonNode filter(JsonNode bound) {
            List<JsonNode> conditions = new ArrayList<>();
            conditions.add(FptrFilter.condition("image", "is_not", mapper.nullNode()));
            if (project != null) {
                conditions.add(FptrFilter.condition("project", "is", FptrFilter.entity("Project", project.get("id").asLong())));
            }
            if (bound != null) {
                conditions.add(bound);
            }
            return FptrFilter.group("and", conditions);
        }

        /** After {@code p} in {@code updated_at,id} order: a later second, or the same second and a higher id. */
        private JsonNode after(Checkpoint p) {
            String at = p.updatedAt().toString();
            return FptrFilter.or(FptrFilter.condition("updated_at", "greater_than", at),
                    FptrFilter.and(FptrFilter.condition("updated_at", "is", at),
                            FptrFilter.condition("id", "greater_than", mapper.getNodeFactory().numberNode(p.id()))));
        }

        /**
         * Decides and queues one page. {@code reached}: the last row all of whose jobs (and every earlier
         * row's) are on the queue, null when the first row's are not; {@code notQueued}: the problem when
         * SQS did not take every job, for the caller to answer once it has saved how far the page got.
         * The rows come in FPTR's {@code updated_at,id} order, so the last one is where the next page starts.
         */
        private PageOutcome queuePage(List<JsonNode> rows, int[] budget, Deadline deadline) {
            List<Row> page = rows.stream().map(this::row).toList();
            List<String> keys = new ArrayList<>();
            page.forEach(r -> variants.forEach(v -> keys.add(CopiedImages.key(r.type(), r.id(), v))));
            Map<String, String> recorded = copies.imageSources(settings.table(), keys, deadline);

            List<ThumbnailJob> jobs = new ArrayList<>();
            List<Integer> jobRows = new ArrayList<>();
            List<Boolean> jobPending = new ArrayList<>();
            String source = request.backfill() ? ThumbnailJob.SOURCE_BACKFILL : ThumbnailJob.SOURCE_SWEEP;
            for (int i = 0; i < page.size(); i++) {
                Row r = page.get(i);
                if (r.image() == null) {
                    continue;   // emptied since FPTR filtered the page: nothing to copy
                }
                String imageSource = ThumbnailService.stableUrl(r.image());
                for (ThumbnailVariant v : variants) {
                    if (imageSource.equals(recorded.get(CopiedImages.key(r.type(), r.id(), v)))) {
                        alreadyCopied++;
                    } else {
                        jobs.add(new ThumbnailJob(r.type(), r.id(), v.alt(), r.projectId(), source, null, null, r.updatedAt().toString()));
                        jobRows.add(i);
                        jobPending.add(FptrRecords.isPendingImage(r.image()));
                    }
                }
            }
            Set<Integer> notQueued = jobs.isEmpty() ? Set.of() : queue.send(settings.queueUrl(), jobs, deadline);
            int done = page.size();
            for (int j = 0; j < jobs.size(); j++) {
                if (notQueued.contains(j)) {
                    done = Math.min(done, jobRows.get(j));
                } else {
                    queued++;
                    pending += jobPending.get(j) ? 1 : 0;
                }
            }
            scanned += page.size();
            Checkpoint reached = null;
            for (int i = 0; i < done; i++) {
                Checkpoint c = page.get(i).checkpoint();
                if (c.isAfter(position)) {
                    budget[0]--;   // rows of the overlap, read again, do not count toward the run's bound
                }
                if (c.isAfter(reached)) {
                    reached = c;
                }
            }
            ProblemException failed = notQueued.isEmpty() ? null : new ProblemException(503, "SQS did not take every job",
                    notQueued.size() + " of " + jobs.size() + " jobs of " + type + " could not be queued; the checkpoint "
                            + "stays before the first entity among them, so the next run queues them.");
            return new PageOutcome(reached, page.get(page.size() - 1).checkpoint(), failed);
        }

        private Row row(JsonNode record) {
            ObjectNode flat = FptrRecords.flatten(record);
            JsonNode updated = flat.get("updated_at");
            Instant updatedAt;
            try {
                updatedAt = OffsetDateTime.parse(updated == null ? "" : updated.asText()).toInstant();
            } catch (DateTimeException e) {
                throw new ProblemException(502, "Bad Gateway", "FPTR's search answered " + type + " " + flat.path("id").asLong()
                        + " without a readable updated_at (" + updated + "); the checkpoint stays where it was.");
            }
            JsonNode image = flat.get("image");
            JsonNode projectId = flat.path("project").path("id");
            return new Row(flat.path("type").asText(type), flat.path("id").asLong(), updatedAt,
                    image == null || image.isNull() || image.asText().isEmpty() ? null : image.asText(),
                    projectId.isIntegralNumber() ? projectId.asLong() : null);
        }

        SweepAnswer.Walked result() {
            return new SweepAnswer.Walked(type, key, scanned, alreadyCopied, queued, pending, pagesRead, before, saved, complete, stopped);
        }
    }

    /** What a page did: how far its queued rows reach, its last row (where the next page starts), SQS's refusal if any. */
    private record PageOutcome(Checkpoint reached, Checkpoint lastRead, ProblemException notQueued) {
    }

    /** One entity of a search page. */
    private record Row(String type, long id, Instant updatedAt, String image, Long projectId) {
        Checkpoint checkpoint() {
            return new Checkpoint(updatedAt, id);
        }
    }

    private ObjectNode failure(RuntimeException e, String type, String requestId) {
        ObjectNode body = Problems.of(e, requestId).body(mapper);
        body.put("entity_type", type);
        return body;
    }

    private SweepAnswer answer(SweepRequest request, ObjectNode backfill, List<SweepAnswer.Walked> walked, int types, JsonNode error) {
        long scanned = 0;
        long copied = 0;
        long queuedJobs = 0;
        long pendingJobs = 0;
        int pages = 0;
        for (SweepAnswer.Walked w : walked) {
            scanned += w.scanned();
            copied += w.alreadyCopied();
            queuedJobs += w.queued();
            pendingJobs += w.pending();
            pages += w.pagesRead();
        }
        boolean complete = walked.size() == types && walked.stream().allMatch(SweepAnswer.Walked::complete);
        String stopped = complete ? STOPPED_END : walked.get(walked.size() - 1).stopped();
        return new SweepAnswer(request.backfill() ? "backfill" : "schedule", backfill, scanned, copied, queuedJobs, pendingJobs,
                pages, complete, stopped, walked, error);
    }

    private void log(SweepAnswer answer, JsonNode error, long ms) {
        List<String> walks = new ArrayList<>();
        for (SweepAnswer.Walked w : answer.entityTypes()) {
            walks.add(String.format(Locale.ROOT, "%s: scanned %d, already copied %d, queued %d (%d pending), %d pages, "
                            + "checkpoint %s -> %s, %s", w.entityType(), w.scanned(), w.alreadyCopied(), w.queued(), w.pending(),
                    w.pagesRead(), w.checkpointBefore() == null ? "none" : w.checkpointBefore(),
                    w.checkpointAfter() == null ? "none" : w.checkpointAfter(), w.stopped()));
        }
        String run = answer.backfill() == null ? answer.run() : answer.run() + " " + answer.backfill().path("key").asText();
        String line = String.format(Locale.ROOT, "sweep (%s): %s; %s (%d ms)", run, String.join("; ", walks),
                answer.complete() ? "complete" : "continues next run", ms);
        if (error == null) {
            LOG.info(line);
        } else {
            LOG.warnf("%s; failed: %s %s", line, error.path("title").asText(), error.path("detail").asText());
        }
    }
}
