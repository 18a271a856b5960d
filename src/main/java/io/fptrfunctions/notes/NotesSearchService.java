package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FieldSchemas;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrFailure;
import io.fptrfunctions.fptr.FptrFilter;
import io.fptrfunctions.fptr.FptrPager;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.http.Problems;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code note-search}: one {@code _search} on Note with a hash filter built from the criteria, every
 * page read (several at once), the records flattened to the contract's notes. Knows nothing of Lambda.
 */
@ApplicationScoped
public class NotesSearchService {

    private static final Logger LOG = Logger.getLogger(NotesSearchService.class);

    /**
     * The most notes a search without a {@code limit} reads: the largest limit a caller may ask for, itself
     * more than a 6 MB answer holds. Past it, pages would only fill memory until the deadline for an answer
     * that can never be sent.
     */
    static final int MAX_NOTES = NoteSearchRequestReader.MAX_LIMIT;

    @Inject
    FptrClient fptr;

    @Inject
    FieldSchemas schemas;

    @Inject
    ProjectNames projectNames;

    @Inject
    ObjectMapper mapper;

    /** {@code fptr.notes.*}: pages in flight, page size (the client's {@code maxPageSize()} unless set lower), answer limit. */
    @Inject
    NotesConfig config;

    /**
     * Where pages and the author look-up run: at most {@code fptr.notes.parallel-pages} threads, whatever
     * the request (a request cannot make the function start a thread per FPTR call). Nothing run here waits
     * for another task of the pool, so a full pool only queues.
     */
    private ExecutorService pages;

    @PostConstruct
    void start() {
        AtomicInteger threadCount = new AtomicInteger();
        int threads = Math.max(2, config.parallelPages());
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "note-search-" + threadCount.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        pages = pool;
    }

    @PreDestroy
    void stop() {
        pages.shutdownNow();
    }

    /** The notes matching {@code query}, every page read before {@code deadline}. */
    public ObjectNode search(NoteQuery query, Deadline deadline) {
        return search(query, config.pageSize().orElse(fptr.maxPageSize()), deadline);
    }

    /** With an explicit page size: tests use small pages to cross many page boundaries. */
    ObjectNode search(NoteQuery query, int pageSize, Deadline deadline) {
        return search(query, pageSize, MAX_NOTES, deadline);
    }

    /** With an explicit cap on a search without a limit (tests use a small one). */
    ObjectNode search(NoteQuery asked, int pageSize, int maxNotes, Deadline deadline) {
        long started = System.nanoTime();
        RequestedFields.requireKnown(asked.fields(), schemas, deadline);
        RequestedFields.requireKnownSort(asked.sort(), schemas, deadline);
        RequestedFields.requireLinkable(asked.linked(), schemas, deadline);
        // a name two projects share would match both projects' notes: resolved first, to one id or a 404 or 409
        NoteQuery query = asked.project() != null && asked.project().name() != null
                ? asked.withProject(projectNames.id(asked.project().name(), deadline)) : asked;
        JsonNode author = query.author() == null ? null : new AuthorResolver(fptr, pages, deadline).resolve(query.author());
        ObjectNode filter = NoteFilterBuilder.build(query, author);
        List<String> fields = NoteShaper.fieldsToRead(query.fields());
        String sort = stableSort(query.sort());

        FptrPager pager = new FptrPager(pages, Math.min(pageSize, fptr.maxPageSize()), config.parallelPages());
        Integer limit = query.limit() != null ? query.limit() : Integer.valueOf(maxNotes);
        FptrPager.Result result;
        try {
            // FPTR's own order (id) is read by id, so notes created or deleted meanwhile shift nothing; any other
            // order is read by page number (README "note-search").
            result = sort == null
                    ? pager.readInIdOrder((after, size, number) -> fptr.searchPage(deadline, "Note",
                            FptrFilter.afterId(filter, after), fields, null, size, number),
                            () -> fptr.lastRow(deadline, "Note", filter), limit)
                    : pager.readAll((size, number) -> fptr.searchPage(deadline, "Note", filter, fields, sort, size, number), limit);
        } catch (FptrPager.PageFailedException e) {
            throw pageFailed(e);
        }
        if (result.rows().isEmpty() && asked.project() != null && asked.project().id() != null) {
            requireProject(asked.project().id(), deadline);
        }

        ObjectNode answer = mapper.createObjectNode();
        ArrayNode notes = answer.putArray("notes");
        result.rows().forEach(row -> notes.add(NoteShaper.shape(row, query.fields())));
        answer.put("count", notes.size());
        answer.put("truncated", result.truncated());
        if (query.limit() == null && result.truncated()) {
            int fits = AnswerSize.fitting(answer, AnswerSize.escapedSize(answer, mapper), config.maxResponseBytes(), mapper);
            throw ProblemException.unprocessable("More than " + maxNotes + " notes match, more than a search without a limit "
                    + "reads; none is returned. Narrow the criteria, or set limit (about " + fits + " notes fit in an answer).")
                    .with("max_notes", maxNotes).with("suggested_limit", fits);
        }
        AnswerSize.check(answer, notes.size(), config.maxResponseBytes(), mapper);
        LOG.infof("note search: %d notes%s from %d pages in %d ms", notes.size(), result.truncated() ? " (limit reached)" : "",
                result.pagesRead(), (System.nanoTime() - started) / 1_000_000);
        return answer;
    }

    /**
     * A search that found nothing in a project id that does not exist is the caller's typo, not "no such
     * notes": 404 naming {@code /project}, like an unknown author. Looked up only when no note matched, so
     * a project's id costs no call when it has notes (a name is resolved before the search, {@link ProjectNames}).
     * A look-up that fails leaves the empty answer: the search itself succeeded.
     */
    private void requireProject(long projectId, Deadline deadline) {
        ObjectNode filter = FptrFilter.and(FptrFilter.condition("id", "is", JsonNodeFactory.instance.numberNode(projectId)));
        List<JsonNode> found;
        try {
            found = fptr.searchPage(deadline, "Project", filter, List.of("name"), null, 1, 1);
        } catch (FptrFailure | Deadline.Exceeded e) {
            LOG.infof("note search: no note matched, and whether the project exists could not be read (%s)", e.getMessage());
            return;
        }
        if (found.isEmpty()) {
            throw new ProblemException(404, "Unknown project", "No Project has id " + projectId + "."
                    + " Check the project's id or name; no note can match it.").with("pointer", "/project");
        }
    }

    /**
     * Pages are read separately, so the order must be total or a row could sit on two pages (or none):
     * {@code id} breaks every tie. Without a sort FPTR's own order, id ascending, is already total, and
     * sending none lets FPTR stop reading at the end of the page; {@code "id"} is that order, so it is null
     * too (read by id, not by page number).
     */
    static String stableSort(String sort) {
        if (sort == null || sort.equals("id")) {
            return null;
        }
        for (String key : sort.split(",")) {
            if (key.equals("id") || key.equals("-id")) {
                return sort;
            }
        }
        return sort + ",id";
    }

    /**
     * A page FPTR kept failing on: the shared "FPTR is unavailable" answer, worded for the search and
     * naming the page (no partial list is ever returned). Any other failure of a page is answered as is.
     */
    private static RuntimeException pageFailed(FptrPager.PageFailedException e) {
        if (e.getCause() instanceof FptrFailure.Refused refused && refused.kind() == FptrFailure.Refused.Kind.ANSWER_TOO_LARGE) {
            // Like an answer over Lambda's limit: the caller can ask for less.
            return ProblemException.unprocessable("Page " + e.pageNumber() + " of the Note search is larger than the function "
                    + "reads from FPTR (fptr.max-answer-bytes); narrow the criteria, ask for fewer fields, or set a smaller limit.")
                    .with("page", e.pageNumber());
        }
        if (e.getCause() instanceof FptrFailure.Unavailable unavailable) {
            return Problems.of(unavailable).withDetail("Page " + e.pageNumber() + " of the Note search could not be read: "
                    + unavailable.getMessage() + " No partial result is returned; try again later.").with("page", e.pageNumber());
        }
        return e.getCause();
    }
}
