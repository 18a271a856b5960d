package io.fptrfunctions.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.aws.AwsFailure;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FieldSchemas;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrFailure;
import io.fptrfunctions.fptr.FptrFilter;
import io.fptrfunctions.fptr.FptrRecords;
import io.fptrfunctions.http.Input;
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
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The sweep: for each entity type, one walk from the walk's checkpoint, queueing a {@link ThumbnailJob} for
 * each entity and variant whose current image is not the one the worker last copied. The scheduled run walks
 * FPTR's event log ({@link EventLogWalk}): only image changes (and revivals) are read, so a run over 20,000
 * Notes changed in other fields reads none of them. A backfill walks the entities themselves
 * ({@link EntityWalk}, in {@code updated_at,id} order from its {@code since}: history is older than any event
 * log a site keeps). Per page, and nothing per entity:
 * <ol>
 *   <li>the candidates: the schedule's page of {@code EventLogEntry} rows and one {@code _search} of the entities
 *       they name, or the backfill's {@code _search} page of entities (fields {@code image}, {@code project},
 *       {@code updated_at}; {@code image is_not null}), each next page after the last row read (keyset paging:
 *       an offset would skip rows when rows move);</li>
 *   <li>one {@code BatchGetItem} per 100 copy records ({@link CopiedImages#imageSources}): an entity whose
 *       {@code image}, without its signature, is the recorded {@code image_source} is already copied;</li>
 *   <li>{@code SendMessageBatch} (10 a call) for the rest; an image FPTR still shows as pending is queued
 *       too, and the worker waits for it (skipping it would leave it behind the checkpoint);</li>
 *   <li>the checkpoint moves to the last row (event or entity) all of whose jobs, and those of every row
 *       before it, are on the queue (a conditional {@code PutItem}).</li>
 * </ol>
 * A walk ends at its last page (the schedule: one shorter than asked for; a backfill: an empty one, FPTR's only
 * proof of the end of an entity walk that rows may join), or stops early: after
 * {@code fptr.sweep.max-entities-per-run} rows past the checkpoint, when less than
 * {@code fptr.sweep.min-time-left} is left before the deadline, or at the first failure (an FPTR page, the
 * copy records, SQS, the checkpoint's save), leaving the checkpoint where the last queued row put it. The
 * next run continues from there. A walk out of time or rows leaves the entity types after it to the next run;
 * a failed one does not while time is left, so a type FPTR refuses on every run keeps no other from being swept.
 * A type not started is answered as not walked, with why, its checkpoint not even read. One failure does
 * not stop a walk: a page whose answer FPTR makes larger than {@code fptr.max-answer-bytes} (long signed image
 * URLs in 5000 rows), which every run would meet again, is read again in pages of half as many rows for the
 * rest of the run (logged; a page of one row still fails). Knows nothing of Lambda: the handler passes the
 * invocation's {@link Deadline} in, and every FPTR and AWS call of the run is capped by it (a page's sends a
 * checkpoint save's time before it, so the save of how far they got fits).
 */
@ApplicationScoped
public class SweepService {

    private static final Logger LOG = Logger.getLogger(SweepService.class);
    static final String IMAGE_FIELD = "image";
    static final List<String> FIELDS = List.of(IMAGE_FIELD, "project", "updated_at");
    static final String ORDER = "updated_at,id";
    static final String EVENT_LOG = "EventLogEntry";
    static final List<String> EVENT_FIELDS = List.of("entity", "created_at");

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
    FieldSchemas schemas;

    @Inject
    Clock clock;

    @Inject
    ObjectMapper mapper;

    /**
     * Runs the request until its walks end or stop (see the class). A problem found before any walk starts
     * (the sweep not configured, a backfill's project unknown or one of its entity types not one FPTR can
     * backfill, FPTR unavailable while looking them up) is
     * thrown as a {@link ProblemException}; one during a walk is the answer's {@code error}.
     *
     * @param deadline the invocation's (Lambda's remaining time less its margin); no page is started within
     *                 {@code min-time-left} of it, and every call is capped by it
     * @param requestId named by the answer of a failure that is a bug
     */
    public SweepAnswer run(SweepRequest request, Deadline deadline, String requestId) {
        long started = System.nanoTime();
        Settings settings = settings(deadline);
        List<String> types = request.entityTypes() != null ? request.entityTypes() : targets.entityTypes();
        List<ThumbnailVariant> variants = request.variants() != null ? request.variants()
                : targets.variants().stream().map(v -> ThumbnailVariant.valueOf(v.toUpperCase(Locale.ROOT))).toList();
        ObjectNode project = project(request, deadline);
        if (request.entityTypes() != null) {
            backfillable(request.entityTypes(), project != null, deadline);
        }
        ObjectNode backfill = null;
        if (project != null) {
            request = request.withProjectId(project.path("id").asLong());
        }
        String key = request.key(variants);
        if (request.backfill()) {
            backfill = request.normalized();
            backfill.put("key", key);
            if (project != null) {
                backfill.set("project", project);
            }
        }

        int[] budget = {config.maxEntitiesPerRun()};
        List<SweepAnswer.Walked> walked = new ArrayList<>();
        List<SweepAnswer.NotWalked> notWalked = new ArrayList<>();
        String notStarted = null;   // why the types from here on are not walked in this run
        for (String type : types) {
            String walkKey = key + "#" + type;
            if (notStarted == null) {
                notStarted = stopBefore(budget, deadline);
            }
            if (notStarted != null) {
                // not even its checkpoint is read: with no time left that read would only fail as a timeout
                notWalked.add(notWalked(type, walkKey, notStarted));
                continue;
            }
            Walk walk = request.backfill() ? new EntityWalk(settings, request, type, walkKey, variants, project)
                    : new EventLogWalk(settings, request, type, walkKey, variants);
            try {
                walk.run(budget, deadline);
            } catch (Deadline.Exceeded e) {
                walk.stopped = STOPPED_TIME_LEFT;   // a call that would not fit in what is left: the next run continues
            } catch (FptrFailure | AwsFailure | ProblemException e) {
                walk.stopped = STOPPED_FAILED;
                walk.error = failure(e, type, requestId);
            } catch (RuntimeException e) {
                LOG.errorf(e, "The sweep failed walking %s (request %s)", type, requestId);
                walk.stopped = STOPPED_FAILED;
                walk.error = failure(e, type, requestId);
            }
            walked.add(walk.result());
            if (!walk.complete && walk.error == null) {
                notStarted = walk.stopped;   // out of time or rows: the types after it wait for the next run
            }
            // a failed walk keeps its checkpoint; the types after it still run while time is left, or one FPTR refuses
            // on every run would keep them from ever being swept
        }
        SweepAnswer answer = answer(request, backfill, walked, notWalked, types.size());
        log(answer, (System.nanoTime() - started) / 1_000_000);
        return answer;
    }

    /** Why no page (or walk) may start now: {@code time_left} or {@code max_entities}; null while one may. */
    private String stopBefore(int[] budget, Deadline deadline) {
        if (!deadline.allows(config.minTimeLeft())) {
            return STOPPED_TIME_LEFT;
        }
        return budget[0] <= 0 ? STOPPED_MAX_ENTITIES : null;
    }

    private static SweepAnswer.NotWalked notWalked(String type, String key, String stopped) {
        String why = STOPPED_TIME_LEFT.equals(stopped)
                ? "no time left in this run (less than fptr.sweep.min-time-left before the deadline)"
                : "this run already went through fptr.sweep.max-entities-per-run rows";
        return new SweepAnswer.NotWalked(type, key, stopped, "not walked: " + why + "; its checkpoint stays as it is, "
                + "and the next run walks it");
    }

    /** The checked settings a run needs; an incomplete configuration is a 500 problem saying what to set. */
    private record Settings(String queueUrl, String table, Duration overlap, int pageSize) {
    }

    private Settings settings(Deadline deadline) {
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
                    + "so less than 1s would miss an update in the checkpoint's own second (and entries of the event log "
                    + "commit out of id order)");
        }
        if (!deadline.allows(config.minTimeLeft())) {
            // Lambda's time is whole at the start of a run: this run, and every one after it, would stop before its first page
            problems.add("the invocation has " + deadline.remaining().toSeconds() + " s (the function's Timeout less "
                    + "fptr.deadline.margin), less than fptr.sweep.min-time-left (" + config.minTimeLeft().toSeconds()
                    + " s), so no page would ever be read; raise the Timeout (the template's is 300 s) or lower "
                    + "FPTR_SWEEP_MIN_TIME_LEFT");
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

    /**
     * A backfill's own {@code entity_types}, each as FPTR's schema has it (one read per type, cached): a type with an
     * image field, and a project field when the backfill names a project; else a 400 naming it, before any is walked.
     */
    private void backfillable(List<String> types, boolean byProject, Deadline deadline) {
        for (String type : types) {
            Optional<JsonNode> image;
            try {
                image = schemas.fieldOf(deadline, type, IMAGE_FIELD);
            } catch (FptrFailure.Refused refused) {
                if (refused.kind() == FptrFailure.Refused.Kind.UNKNOWN_ENTITY_TYPE) {
                    throw notBackfillable("FPTR has no entity type '" + type + "'");
                }
                throw refused;
            }
            if (image.isEmpty()) {
                throw notBackfillable(type + " has no image field, so it has no thumbnails to copy");
            }
            if (byProject && schemas.fieldOf(deadline, type, "project").isEmpty()) {
                throw notBackfillable(type + " has no project field, so it cannot be backfilled by project (leave project out)");
            }
        }
    }

    private static ProblemException notBackfillable(String why) {
        return ProblemException.badRequest(why + "; nothing was read or queued.").with("pointer", "/entity_types");
    }

    private ObjectNode projectValue(JsonNode record) {
        ObjectNode project = FptrFilter.entity("Project", record.path("id").asLong());
        ObjectNode flat = FptrRecords.flatten(record);
        project.put("name", flat.path("name").asText(null));
        return project;
    }

    /** What an entity type's walk in this run shares, however it finds its candidates: its tally, and how it queues. */
    private abstract class Walk {
        final Settings settings;
        final SweepRequest request;
        final String type;
        final String key;
        final List<ThumbnailVariant> variants;

        long scanned;
        long alreadyCopied;
        long queued;
        long pending;
        int pagesRead;
        WalkPosition before;
        /** The checkpoint as stored now. */
        WalkPosition saved;
        long version;
        boolean complete;
        String stopped;
        /** When {@code failed}: the problem that stopped it. */
        JsonNode error;
        /** Rows a page asks for: {@code fptr.sweep.page-size}, halved for the rest of the run by an answer FPTR made too large. */
        int pageSize;

        Walk(Settings settings, SweepRequest request, String type, String key, List<ThumbnailVariant> variants) {
            this.settings = settings;
            this.request = request;
            this.type = type;
            this.key = key;
            this.variants = variants;
            this.pageSize = settings.pageSize();
        }

        abstract void run(int[] budget, Deadline deadline);

        /** Before each page: false (and why, in {@code stopped}) when the run's time or its entities are used up. */
        boolean mayReadPage(int[] budget, Deadline deadline) {
            String why = stopBefore(budget, deadline);
            if (why != null) {
                stopped = why;
                return false;
            }
            return true;
        }

        void end() {
            complete = true;
            stopped = STOPPED_END;
        }

        /**
         * After FPTR's answer to a page of {@code size} rows was refused as larger than {@code fptr.max-answer-bytes}
         * (which asking again would repeat on every run): true, and pages of half as many rows for the rest of
         * this run, when the page can be read again smaller; false for any other failure, or a page of one row.
         */
        boolean smallerPages(FptrFailure.Refused refused, int size) {
            if (refused.kind() != FptrFailure.Refused.Kind.ANSWER_TOO_LARGE || size <= 1) {
                return false;
            }
            pageSize = size / 2;
            LOG.warnf("sweep: %s: %s Reading pages of %d instead of %d for the rest of this run.", type, refused.getMessage(),
                    pageSize, size);
            return true;
        }

        /**
         * After a page: {@code queued} are the positions of its rows, in the walk's order, up to the first whose
         * jobs are not all on the queue. The checkpoint moves to the last of them when that is past
         * {@code position}, which is returned, moved or not; each past {@code position} counts toward the
         * run's bound (rows of the overlap, read again, do not). Then the page's failure, if any, is thrown.
         */
        WalkPosition advance(List<? extends WalkPosition> queued, WalkPosition position, int[] budget, Queued page, Deadline deadline) {
            WalkPosition reached = null;
            for (WalkPosition c : queued) {
                if (c.isAfter(position)) {
                    budget[0]--;
                }
                if (c.isAfter(reached)) {
                    reached = c;
                }
            }
            WalkPosition now = position;
            if (reached != null && reached.isAfter(position)) {
                version = checkpoints.save(settings.table(), key, reached, version, clock.instant(),
                        request.backfill() ? clock.instant().plus(config.backfillTtl()) : null,
                        request.backfill() ? request.meaning(variants).toString() : null, deadline);
                saved = reached;
                now = reached;
            }
            if (page.failure() != null) {
                throw page.failure();
            }
            return now;
        }

        /**
         * Decides and queues the jobs of these entities: a copy-record read per 100 keys, then the jobs of the
         * entities whose current image is not the recorded one. {@code rowsNotQueued}: the indexes of rows
         * with a job SQS did not take, {@code failure} what to throw once the caller has saved how far it got: the
         * problem to answer, or {@link Deadline.Exceeded} when the deadline cut the sends (the walk stops for time).
         */
        Queued queueRows(List<Row> page, Deadline deadline) {
            List<String> keys = new ArrayList<>();
            page.forEach(r -> variants.forEach(v -> keys.add(CopiedImages.key(r.type(), r.id(), v))));
            Map<String, String> recorded = keys.isEmpty() ? Map.of() : copies.imageSources(settings.table(), keys, deadline);

            List<ThumbnailJob> jobs = new ArrayList<>();
            List<Integer> jobRows = new ArrayList<>();
            List<Boolean> jobPending = new ArrayList<>();
            String source = request.backfill() ? ThumbnailJob.SOURCE_BACKFILL : ThumbnailJob.SOURCE_SWEEP;
            for (int i = 0; i < page.size(); i++) {
                Row r = page.get(i);
                if (r.image() == null) {
                    continue;   // emptied since: nothing to copy
                }
                String imageSource = ThumbnailService.stableUrl(r.image());
                for (ThumbnailVariant v : variants) {
                    if (imageSource.equals(recorded.get(CopiedImages.key(r.type(), r.id(), v)))) {
                        alreadyCopied++;
                    } else {
                        jobs.add(new ThumbnailJob(r.type(), r.id(), v.alt(), r.projectId(), source, null, null,
                                r.updatedAt() == null ? null : r.updatedAt().toString()));
                        jobRows.add(i);
                        jobPending.add(FptrRecords.isPendingImage(r.image()));
                    }
                }
            }
            // the sends stop a checkpoint save's time before the deadline: a save cut short would leave jobs
            // queued behind a checkpoint that never moves, queued again by every run that reaches this page
            Deadline sends = deadline.less(checkpoints.saveTime());
            Set<Integer> notQueued = jobs.isEmpty() ? Set.of() : queue.send(settings.queueUrl(), jobs, sends);
            Set<Integer> rowsNotQueued = new HashSet<>();
            for (int j = 0; j < jobs.size(); j++) {
                if (notQueued.contains(j)) {
                    rowsNotQueued.add(jobRows.get(j));
                } else {
                    queued++;
                    pending += jobPending.get(j) ? 1 : 0;
                }
            }
            scanned += page.size();
            if (notQueued.isEmpty()) {
                return new Queued(rowsNotQueued, null);
            }
            String left = notQueued.size() + " of " + jobs.size() + " jobs of " + type + " could not be queued; the checkpoint "
                    + "stays before the first " + (request.backfill() ? "entity" : "event") + " among them, so the next run queues them.";
            // sends the run's own deadline cut are its time running out (the next run goes on), not a failure to alarm on
            return new Queued(rowsNotQueued, sends.allows(Duration.ofMillis(1))
                    ? new ProblemException(503, "SQS did not take every job", left)
                    : new Deadline.Exceeded("The run's time ran out while queueing: " + left));
        }

        /** One entity of a search page; its {@code updated_at} null when FPTR sent none readable (only a backfill needs it). */
        Row row(JsonNode record) {
            ObjectNode flat = FptrRecords.flatten(record);
            JsonNode image = flat.get("image");
            JsonNode projectId = flat.path("project").path("id");
            return new Row(flat.path("type").asText(type), flat.path("id").asLong(), readInstant(flat.get("updated_at")),
                    image == null || image.isNull() || image.asText().isEmpty() ? null : image.asText(),
                    projectId.isIntegralNumber() ? projectId.asLong() : null);
        }

        ProblemException unreadable(String rowType, long id, String field, JsonNode value) {
            return new ProblemException(502, "Bad Gateway", "FPTR's search answered " + rowType + " " + id + " without a readable "
                    + field + " (" + value + "); the checkpoint stays where it was.");
        }

        SweepAnswer.Walked result() {
            return new SweepAnswer.Walked(type, key, scanned, eventsRead(), retired(), unreadableEvents(), alreadyCopied, queued, pending,
                    pagesRead, before, saved, complete, stopped, error);
        }

        Long eventsRead() {
            return null;
        }

        Long retired() {
            return null;
        }

        Long unreadableEvents() {
            return null;
        }
    }

    /**
     * The scheduled run: FPTR's event log, as shotgunEvents polls it (python-api #201 points there too, to
     * see an image land). {@code updated_at} moves on every field change; an {@code EventLogEntry} of type
     * {@code Shotgun_<Type>_Change} with {@code attribute_name} {@code image} exists only for an image change
     * (a create logs one per field it sets, so a create with an image is one too), and a
     * {@code Shotgun_<Type>_Revival} brings back an entity whose image change a run skipped while it was
     * deleted. Per page of up to {@code fptr.sweep.page-size} ({@code fptr.max-page-size}) entries, in id
     * order from {@code fptr.sweep.overlap} before the checkpoint's {@code created_at} (entries commit out of id order; those read again cost copy
     * records, not FPTR calls), each next page after the last id read: one {@code _search} of the type for the
     * distinct entities named ({@code id in [...]}) for their current image, then the copy records and the
     * jobs as for any page. A page with fewer entries than asked for is the last. An entry without a readable
     * {@code created_at} or id is passed ({@link #passUnreadable}), not a failure every run would meet again.
     */
    private final class EventLogWalk extends Walk {
        long eventsRead;
        long retired;
        long unreadable;
        EventCheckpoint position;

        EventLogWalk(Settings settings, SweepRequest request, String type, String key, List<ThumbnailVariant> variants) {
            super(settings, request, type, key, variants);
        }

        @Override
        void run(int[] budget, Deadline deadline) {
            Instant now = clock.instant();
            SweepCheckpoints.Stored stored = checkpoints.load(settings.table(), key, now, deadline);
            version = stored.version();
            position = migrated(stored.checkpoint());
            before = position;
            saved = position;
            if (position == null) {
                position = EventCheckpoint.startingAt(now.minus(config.firstRunLookback()).truncatedTo(ChronoUnit.SECONDS));
            }
            String since = position.createdAt().minus(settings.overlap()).toString();
            long afterId = 0;
            while (mayReadPage(budget, deadline)) {
                int size = Math.min(pageSize, budget[0]);
                List<JsonNode> entries;
                List<Event> events;
                Set<Long> named = new LinkedHashSet<>();
                List<Row> rows;
                try {
                    entries = fptr.searchPage(deadline, EVENT_LOG, eventFilter(since, afterId), EVENT_FIELDS, "id", size, 1);
                    pagesRead++;
                    events = entries.stream().map(this::event).toList();
                    // an entity named again on a later page is read and decided again: its image may have changed since
                    events.stream().map(Event::entityId).filter(id -> id != null).forEach(named::add);
                    rows = named.isEmpty() ? List.of() : current(named, deadline);
                    eventsRead += entries.size();   // once their entities are read: a page read again smaller is not counted twice
                } catch (FptrFailure.Refused refused) {
                    if (smallerPages(refused, size)) {
                        continue;   // the same entries again, fewer at a time
                    }
                    throw refused;
                }
                if (entries.isEmpty()) {
                    end();
                    return;
                }
                events.stream().filter(e -> !e.placed()).forEach(this::passUnreadable);
                Set<Long> read = new HashSet<>();
                rows.forEach(r -> read.add(r.id()));
                retired += events.stream().filter(e -> e.entityId() == null).count() + named.stream().filter(id -> !read.contains(id)).count();
                Queued page = queueRows(rows, deadline);
                Set<Long> notQueued = new HashSet<>();
                page.rowsNotQueued().forEach(i -> notQueued.add(rows.get(i).id()));
                List<EventCheckpoint> queuedEntries = new ArrayList<>();
                for (Event e : events) {
                    if (e.entityId() != null && notQueued.contains(e.entityId())) {
                        break;
                    }
                    if (e.placed()) {
                        queuedEntries.add(new EventCheckpoint(e.createdAt(), e.id()));
                    }
                }
                position = (EventCheckpoint) advance(queuedEntries, position, budget, page, deadline);
                if (entries.size() < size) {
                    end();   // FPTR had no more: no empty page needed to prove it
                    return;
                }
                afterId = lastId(events, afterId);
            }
        }

        /**
         * An entry the checkpoint cannot stand on (no readable {@code created_at}, or no id): counted and logged,
         * and passed. Its entity, when it names one, is queued like any other, so the checkpoint still means
         * "every image change up to here is on the queue" when it moves past it to a readable entry after it.
         */
        private void passUnreadable(Event e) {
            unreadable++;
            String entry = e.id() > 0 ? "EventLogEntry " + e.id() + " has no readable created_at"
                    : "an EventLogEntry has no id";
            LOG.warnf("sweep: %s: %s (created_at %s); passed: %s, and the checkpoint moves only to a readable entry", type, entry,
                    Input.describe(e.createdAtRead()), e.entityId() == null ? "it names no entity"
                            : "its " + type + " " + e.entityId() + " is still read and, if not copied yet, queued");
        }

        /** The page's last id to read after; a full page without a single id cannot be read past (FPTR's fault, a 502). */
        private long lastId(List<Event> events, long afterId) {
            for (int i = events.size() - 1; i >= 0; i--) {
                if (events.get(i).id() > afterId) {
                    return events.get(i).id();
                }
            }
            throw new ProblemException(502, "Bad Gateway", "FPTR's search answered a page of " + events.size() + " EventLogEntry rows "
                    + "without an id after " + afterId + ", so the next page cannot be asked for; the checkpoint stays where it was.");
        }

        /** The named entities as FPTR has them now: one {@code _search}, as many rows as an event page; the retired are not among them. */
        private List<Row> current(Set<Long> named, Deadline deadline) {
            ArrayNode ids = mapper.createArrayNode();
            named.forEach(ids::add);
            List<JsonNode> rows = fptr.searchPage(deadline, type, FptrFilter.and(FptrFilter.condition("id", "in", ids)), FIELDS, "id",
                    settings.pageSize(), 1);
            pagesRead++;
            return rows.stream().map(this::row).toList();
        }

        /** A checkpoint of the entity walk the schedule used before (its {@code updated_at}, {@code entity_id}) is read as its time. */
        private EventCheckpoint migrated(WalkPosition stored) {
            if (stored instanceof Checkpoint old) {
                return EventCheckpoint.startingAt(old.updatedAt());
            }
            return (EventCheckpoint) stored;
        }

        /** Image changes and revivals of the type, logged from {@code since} on, after {@code afterId}. */
        private JsonNode eventFilter(String since, long afterId) {
            JsonNode kinds = FptrFilter.or(
                    FptrFilter.and(FptrFilter.condition("event_type", "is", "Shotgun_" + type + "_Change"),
                            FptrFilter.condition("attribute_name", "is", IMAGE_FIELD)),
                    FptrFilter.condition("event_type", "is", "Shotgun_" + type + "_Revival"));
            return FptrFilter.afterId(FptrFilter.and(kinds, FptrFilter.condition("created_at", "greater_than", since)), afterId);
        }

        /**
         * One entry: its id, {@code created_at} and the entity it names, by {@code entity}; null while that entity
         * is retired (FPTR decides it when the log is read: vfxetc/sgevents, docs/reverse_engineering.rst), and
         * then the entry is counted retired and passed: the entity's Revival entry brings it back.
         */
        private Event event(JsonNode record) {
            ObjectNode flat = FptrRecords.flatten(record);
            JsonNode entity = flat.path("entity");
            Long entityId = entity.path("id").isIntegralNumber() ? Long.valueOf(entity.path("id").asLong()) : null;
            JsonNode id = flat.path("id");
            JsonNode createdAt = flat.path("created_at");
            return new Event(id.isIntegralNumber() && id.asLong() > 0 ? id.asLong() : 0, readInstant(createdAt), createdAt, entityId);
        }

        @Override
        Long eventsRead() {
            return eventsRead;
        }

        @Override
        Long retired() {
            return retired;
        }

        @Override
        Long unreadableEvents() {
            return unreadable;
        }
    }

    /**
     * One {@code EventLogEntry} of a page: {@code id} 0 and {@code createdAt} null when unreadable ({@code createdAtRead}
     * is what FPTR sent), {@code entityId} null when FPTR no longer shows the entity (retired).
     */
    private record Event(long id, Instant createdAt, JsonNode createdAtRead, Long entityId) {
        /** A place the checkpoint can stand on: an id to read after, a time to read again from. */
        boolean placed() {
            return id > 0 && createdAt != null;
        }
    }

    /** A backfill: the entities of the type in {@code updated_at,id} order, from its {@code since} (see the class). */
    private final class EntityWalk extends Walk {
        final ObjectNode project;
        /** Where the walk is: the stored checkpoint, or the walk's start before its first save. */
        Checkpoint position;

        EntityWalk(Settings settings, SweepRequest request, String type, String key, List<ThumbnailVariant> variants, ObjectNode project) {
            super(settings, request, type, key, variants);
            this.project = project;
        }

        @Override
        void run(int[] budget, Deadline deadline) {
            SweepCheckpoints.Stored stored = checkpoints.load(settings.table(), key, clock.instant(), deadline);
            Checkpoint checkpoint = stored.checkpoint() instanceof Checkpoint c ? c : null;
            before = checkpoint;
            saved = checkpoint;
            version = stored.version();
            position = checkpoint != null ? checkpoint : request.since() == null ? null : Checkpoint.startingAt(request.since());
            // The first page starts the overlap before the checkpoint; each next one after the last row read.
            JsonNode bound = position == null ? null
                    : FptrFilter.condition("updated_at", "greater_than", position.updatedAt().minus(settings.overlap()).toString());
            while (mayReadPage(budget, deadline)) {
                int size = Math.min(pageSize, budget[0]);
                List<JsonNode> rows;
                try {
                    rows = fptr.searchPage(deadline, type, filter(bound), FIELDS, ORDER, size, 1);
                } catch (FptrFailure.Refused refused) {
                    if (smallerPages(refused, size)) {
                        continue;
                    }
                    throw refused;
                }
                pagesRead++;
                if (rows.isEmpty()) {
                    end();
                    return;
                }
                List<Row> page = rows.stream().map(this::placedRow).toList();
                Queued queuedPage = queueRows(page, deadline);
                int done = queuedPage.rowsNotQueued().stream().min(Integer::compare).orElse(page.size());
                position = (Checkpoint) advance(page.subList(0, done).stream().map(Row::checkpoint).toList(), position, budget,
                        queuedPage, deadline);
                // after the last row read, not the checkpoint: rows of the overlap past this page are still to be read
                bound = after(page.get(page.size() - 1).checkpoint());
            }
        }

        /** A row of the walk: its {@code updated_at} is its place, without which no checkpoint could be at or after it. */
        private Row placedRow(JsonNode record) {
            Row row = row(record);
            if (row.updatedAt() == null) {
                throw unreadable(row.type(), row.id(), "updated_at", FptrRecords.flatten(record).get("updated_at"));
            }
            return row;
        }

        private JsonNode filter(JsonNode bound) {
            List<JsonNode> conditions = new ArrayList<>();
            conditions.add(FptrFilter.condition(IMAGE_FIELD, "is_not", mapper.nullNode()));
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
    }

    /** What queueing a page did: the rows with a job SQS did not take, and the problem to answer for them. */
    private record Queued(Set<Integer> rowsNotQueued, RuntimeException failure) {
    }

    /** An ISO-8601 date-time as FPTR writes it ({@code 2026-01-21T16:00:00Z}); null when absent or unreadable. */
    private static Instant readInstant(JsonNode value) {
        if (value == null || !value.isTextual()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value.asText()).toInstant();
        } catch (DateTimeException e) {
            return null;
        }
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

    private SweepAnswer answer(SweepRequest request, ObjectNode backfill, List<SweepAnswer.Walked> walked,
                               List<SweepAnswer.NotWalked> notWalked, int types) {
        long scanned = 0;
        Long events = null;
        Long retired = null;
        Long unreadable = null;
        long copied = 0;
        long queuedJobs = 0;
        long pendingJobs = 0;
        int pages = 0;
        for (SweepAnswer.Walked w : walked) {
            scanned += w.scanned();
            if (w.eventsRead() != null) {
                events = (events == null ? 0 : events) + w.eventsRead();
                retired = (retired == null ? 0 : retired) + w.retired();
                unreadable = (unreadable == null ? 0 : unreadable) + w.unreadableEvents();
            }
            copied += w.alreadyCopied();
            queuedJobs += w.queued();
            pendingJobs += w.pending();
            pages += w.pagesRead();
        }
        boolean complete = walked.size() == types && walked.stream().allMatch(SweepAnswer.Walked::complete);
        // the first walk that did not end (or else the first type not walked) says why the run did not, and the first
        // failure is the run's error
        String stopped = walked.stream().filter(w -> !w.complete()).map(SweepAnswer.Walked::stopped).findFirst()
                .orElse(notWalked.isEmpty() ? STOPPED_END : notWalked.get(0).stopped());
        JsonNode error = walked.stream().map(SweepAnswer.Walked::error).filter(e -> e != null).findFirst().orElse(null);
        return new SweepAnswer(request.backfill() ? "backfill" : "schedule", backfill, scanned, events, retired, unreadable, copied, queuedJobs, pendingJobs,
                pages, complete, stopped, walked, notWalked.isEmpty() ? null : notWalked, error);
    }

    private void log(SweepAnswer answer, long ms) {
        List<String> walks = new ArrayList<>();
        for (SweepAnswer.Walked w : answer.entityTypes()) {
            String events = w.eventsRead() == null ? "" : String.format(Locale.ROOT, "events %d (%d retired%s), ",
                    w.eventsRead(), w.retired(), w.unreadableEvents() == 0 ? "" : ", " + w.unreadableEvents() + " unreadable");
            walks.add(String.format(Locale.ROOT, "%s: %sscanned %d, already copied %d, queued %d (%d pending), %d pages, "
                            + "checkpoint %s -> %s, %s", w.entityType(), events, w.scanned(), w.alreadyCopied(), w.queued(), w.pending(),
                    w.pagesRead(), w.checkpointBefore() == null ? "none" : w.checkpointBefore(),
                    w.checkpointAfter() == null ? "none" : w.checkpointAfter(), w.stopped()));
        }
        if (answer.notWalked() != null) {
            answer.notWalked().forEach(n -> walks.add(n.entityType() + ": not walked, " + n.stopped()));
        }
        String run = answer.backfill() == null ? answer.run() : answer.run() + " " + answer.backfill().path("key").asText();
        String line = String.format(Locale.ROOT, "sweep (%s): %s; %s (%d ms)", run, String.join("; ", walks),
                answer.complete() ? "complete" : "continues next run", ms);
        List<String> failures = answer.entityTypes().stream().map(SweepAnswer.Walked::error).filter(e -> e != null)
                .map(e -> e.path("title").asText() + " " + e.path("detail").asText()).toList();
        if (failures.isEmpty()) {
            LOG.info(line);
        } else {
            LOG.warnf("%s; failed: %s", line, String.join("; ", failures));
        }
    }
}
