package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.fptr.FieldSchemas;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrException;
import io.fptrfunctions.fptr.FptrProblems;
import io.fptrfunctions.fptr.FptrUnavailableException;
import io.fptrfunctions.http.ProblemException;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * {@code note-search}: one {@code _search} on Note with a hash filter built from the criteria, every
 * page read (several at once), the records flattened to the contract's notes. Knows nothing of Lambda.
 */
@ApplicationScoped
public class NotesSearchService {

    private static final Logger LOG = Logger.getLogger(NotesSearchService.class);
    private static final Pattern SORTS_BY_ID = Pattern.compile("(^|,)-?id(,|$)");

    @Inject
    FptrClient fptr;

    @Inject
    FieldSchemas schemas;

    @Inject
    ObjectMapper mapper;

    @Inject
    NotesConfig config;

    /** {@code fptr.notes.*} (see NotesConfig); the page size is the client's {@code maxPageSize()} unless set lower. */
    int parallelPages;
    Optional<Integer> pageSize;
    long maxResponseBytes;

    @PostConstruct
    void configure() {
        parallelPages = config.parallelPages();
        pageSize = config.pageSize();
        maxResponseBytes = config.maxResponseBytes();
    }

    /** Tests lower the response limit to cross it with small data; returns the previous one. */
    long maxResponseBytes(long bytes) {
        long previous = maxResponseBytes;
        maxResponseBytes = bytes;
        return previous;
    }

    private final AtomicInteger threadCount = new AtomicInteger();
    private final ExecutorService pages = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "note-search-" + threadCount.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    @PreDestroy
    void stop() {
        pages.shutdownNow();
    }

    public ObjectNode search(NoteQuery query) {
        return search(query, pageSize.orElse(fptr.maxPageSize()));
    }

    /** With an explicit page size: tests use small pages to cross many page boundaries. */
    ObjectNode search(NoteQuery query, int pageSize) {
        long started = System.nanoTime();
        RequestedFields.requireKnown(query.fields(), schemas, pages);
        JsonNode author = query.author() == null ? null : fptrCall(() -> new AuthorResolver(fptr, pages).resolve(query.author()));
        ObjectNode filter = NoteFilterBuilder.build(query, author);
        List<String> fields = NoteShaper.fieldsToRead(query.fields());
        String sort = stableSort(query.sort());

        NotePager pager = new NotePager(pages, Math.min(pageSize, fptr.maxPageSize()), parallelPages);
        NotePager.Result result;
        try {
            result = pager.readAll((size, number) -> fptr.searchPage("Note", filter, fields, sort, size, number), query.limit());
        } catch (NotePager.PageFailedException e) {
            throw pageProblem(e);
        }

        ObjectNode answer = mapper.createObjectNode();
        ArrayNode notes = answer.putArray("notes");
        result.rows().forEach(row -> notes.add(NoteShaper.shape(row, query.fields())));
        answer.put("count", notes.size());
        answer.put("truncated", result.truncated());
        checkSize(answer, notes.size());
        LOG.infof("note search: %d notes%s from %d pages in %d ms", notes.size(), result.truncated() ? " (limit reached)" : "",
                result.pagesRead(), (System.nanoTime() - started) / 1_000_000);
        return answer;
    }

    /**
     * Pages are read separately, so the order must be total or a row could sit on two pages (or none):
     * {@code id} breaks every tie. Without a sort FPTR's own order, id ascending, is already total, and
     * sending none lets FPTR stop reading at the end of the page.
     */
    static String stableSort(String sort) {
        if (sort == null) {
            return null;
        }
        return SORTS_BY_ID.matcher(sort).find() ? sort : sort + ",id";
    }

    private ProblemException pageProblem(NotePager.PageFailedException e) {
        RuntimeException cause = e.getCause();
        if (cause instanceof FptrUnavailableException unavailable) {
            ProblemException problem = new ProblemException(502, "FPTR kept failing during the search",
                    "Page " + e.pageNumber() + " of the Note search could not be read: " + unavailable.getMessage()
                            + " No partial result is returned; try again later.", null, e);
            unavailable.retryAfter().ifPresent(wait -> problem.withHeader("Retry-After", String.valueOf(Math.max(1, wait.toSeconds()))));
            return problem.with("page", e.pageNumber());
        }
        return fptrProblem(cause);
    }

    private <T> T fptrCall(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (ProblemException e) {
            throw e;
        } catch (RuntimeException e) {
            throw fptrProblem(e);
        }
    }

    /** FPTR refusing the search itself is the caller's to fix (a field in filters, fields or sort). */
    private static ProblemException fptrProblem(RuntimeException failure) {
        if (failure instanceof FptrException e && e.status() == 400) {
            return new ProblemException(400, "FPTR refused the search",
                    "FPTR refused the Note search: " + e.getMessage().replaceAll("\\.+$", "")
                            + ". Check the field names and operators in filters, fields and sort.",
                    e.errors(), e);
        }
        ProblemException problem = FptrProblems.from(failure);
        if (problem == null) {
            throw failure;
        }
        return problem;
    }

    private void checkSize(ObjectNode answer, int count) {
        long bytes = escapedSize(answer);
        if (bytes > maxResponseBytes) {
            int fits = (int) Math.max(1, (long) count * maxResponseBytes / bytes * 9 / 10);
            throw ProblemException.unprocessable("The " + count + " matching notes make a " + bytes / 1_000_000
                    + " MB answer, more than the " + maxResponseBytes / 1_000_000 + " MB a Lambda response can carry. "
                    + "Narrow the criteria, ask for fewer fields, or set limit (about " + fits + " notes fit).")
                    .with("count", count).with("suggested_limit", fits);
        }
    }

    /**
     * The answer's size as it will be carried: its JSON is itself a string inside the Lambda response, so
     * every quote and backslash takes one byte more. Counted while writing, without keeping the text.
     */
    long escapedSize(JsonNode answer) {
        EscapedSizeCounter counter = new EscapedSizeCounter();
        try {
            mapper.writeValue(counter, answer);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return counter.size;
    }

    private static final class EscapedSizeCounter extends java.io.OutputStream {
        long size;

        @Override
        public void write(int b) {
            size += (b == '"' || b == '\\') ? 2 : 1;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                size += (b[i] == '"' || b[i] == '\\') ? 2 : 1;
            }
        }
    }
}
