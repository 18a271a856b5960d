package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Reads every page of one search, in order, by FPTR's rule: only an empty page proves the end
 * ({@code links.next} is always present, and a short page may come before more rows). FPTR answers no
 * total and charges a fixed ~300 ms per call. Two ways:
 * <ul>
 * <li>{@link #readInIdOrder}: rows in id order, each page asked for as "id greater than the last id
 *     read" (keyset paging). Rows created or deleted while it reads shift nothing: no row that stayed is
 *     skipped and none comes twice. Page 1 is asked for together with the matching row of the largest id
 *     ({@link LastRowSource}): when page 1 reaches it, no row that stayed can come after, so a search that
 *     fits in one page, full or not, costs one round trip; otherwise the next page is asked for after the
 *     last id read, until that id is reached or a page comes back empty.</li>
 * <li>{@link #readAll}: any order, by page number (offset paging), pages 1–2 together (page 2 is needed
 *     whenever page 1 is not empty), then waves of up to {@code parallelPages} pages until a page comes
 *     back empty or enough rows are in. A row created meanwhile may come twice (the copy is dropped); a
 *     row deleted meanwhile before the current page shifts the rest, and the row at the page boundary is
 *     skipped: only the id order avoids that.</li>
 * </ul>
 * Without an executor, one page at a time. Pages are joined in order, so the result is complete and
 * ordered; a page that fails fails the whole read.
 */
public final class FptrPager {

    /** Fetches one page (1-based) of the given size. */
    @FunctionalInterface
    public interface PageSource {
        List<JsonNode> page(int pageSize, int pageNumber);
    }

    /** Fetches page {@code pageNumber} (1-based) of the rows whose id is greater than {@code afterId}, in id order. */
    @FunctionalInterface
    public interface IdPageSource {
        List<JsonNode> page(long afterId, int pageSize, int pageNumber);
    }

    /**
     * The matching row of the largest id, as a page of at most one row (the search sorted by {@code -id}, one row):
     * a row that matched from the first page to the last is at most its id.
     */
    @FunctionalInterface
    public interface LastRowSource {
        List<JsonNode> lastRow();
    }

    /** The rows read, in order, and whether rows beyond {@code limit} exist. */
    public record Result(List<JsonNode> rows, boolean truncated, int pagesRead) {
    }

    /** A page that failed, and the failure as the page source threw it. */
    public static final class PageFailedException extends RuntimeException {
        private final int pageNumber;

        PageFailedException(int pageNumber, RuntimeException cause) {
            super("Page " + pageNumber + " failed", cause);
            this.pageNumber = pageNumber;
        }

        public int pageNumber() {
            return pageNumber;
        }

        @Override
        public synchronized RuntimeException getCause() {
            return (RuntimeException) super.getCause();
        }
    }

    private final ExecutorService executor;
    private final int maxPageSize;
    private final int parallelPages;

    /** @param executor where pages are read, several at once; null reads one page at a time in the caller's thread */
    public FptrPager(ExecutorService executor, int maxPageSize, int parallelPages) {
        this.executor = executor;
        this.maxPageSize = maxPageSize;
        this.parallelPages = executor == null ? 1 : Math.max(2, parallelPages);
    }

    /**
     * @param limit the most rows wanted, or null for all. One row more is read when possible, to tell a
     *              result that the limit cut ({@code truncated}) from one that just fits.
     */
    public Result readInIdOrder(IdPageSource source, LastRowSource lastRow, Integer limit) {
        long wanted = limit == null ? Long.MAX_VALUE : limit + 1L;
        int pageSize = (int) Math.min(maxPageSize, wanted);
        List<JsonNode> rows = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        // The last row beside page 1: when page 1 reaches its id, the read is over in one round trip, whether page 1
        // is full or short. (Page 2 by number cannot prove that: a row of page 1 deleted meanwhile shifts the row
        // after page 1 into page 1's range, and an empty page 2 would hide it.)
        // Read one page at a time (no executor), the last row is asked for only when page 1 leaves it needed.
        List<Future<List<JsonNode>>> first = new ArrayList<>(2);
        first.add(submit(() -> source.page(0, pageSize, 1)));
        if (executor != null) {
            first.add(submit(lastRow::lastRow));
        }
        List<JsonNode> page = join(first, 0, 1);
        int pagesRead = 1;
        long after = add(page, rows, seen);
        long last = page.isEmpty() || rows.size() >= wanted ? Long.MAX_VALUE
                : lastId(executor != null ? first.get(1) : submit(lastRow::lastRow));
        first.forEach(f -> f.cancel(true));
        while (!page.isEmpty() && rows.size() < wanted && after < last) {
            long from = after;
            List<Future<List<JsonNode>>> next = List.of(submit(() -> source.page(from, pageSize, 1)));
            page = join(next, 0, pagesRead + 1);
            pagesRead++;
            int had = rows.size();
            after = Math.max(after, add(page, rows, seen));
            if (rows.size() == had) {
                break;   // a page of rows already read (a source that ignores "id greater than"): nothing more to come, never a loop
            }
        }
        return result(rows, limit, pagesRead);
    }

    /**
     * The id of the last row, or {@code Long.MAX_VALUE} when it proves nothing: no row came (FPTR's short pages can
     * leave out even the one row asked for), or its read failed (the pages read next say whether FPTR is down).
     */
    private static long lastId(Future<List<JsonNode>> lastRow) {
        try {
            List<JsonNode> row = lastRow.get();
            return row.isEmpty() ? Long.MAX_VALUE : row.get(0).path("id").asLong(Long.MAX_VALUE);
        } catch (ExecutionException | CancellationException e) {
            return Long.MAX_VALUE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Long.MAX_VALUE;
        }
    }

    /** Adds the page's new rows; returns the largest id among them (0 for none). */
    private static long add(List<JsonNode> page, List<JsonNode> rows, Set<Long> seen) {
        long last = 0;
        for (JsonNode row : page) {
            long id = row.path("id").asLong();
            if (seen.add(id)) {
                rows.add(row);
            }
            last = Math.max(last, id);
        }
        return last;
    }

    private static Result result(List<JsonNode> rows, Integer limit, int pagesRead) {
        boolean truncated = limit != null && rows.size() > limit;
        return new Result(truncated ? List.copyOf(rows.subList(0, limit)) : rows, truncated, pagesRead);
    }

    public Result readAll(PageSource source, Integer limit) {
        long wanted = limit == null ? Long.MAX_VALUE : limit + 1L;
        int pageSize = (int) Math.min(maxPageSize, wanted);
        List<JsonNode> rows = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        int next = 1;
        int waveSize = Math.min(2, parallelPages);
        int pagesRead = 0;
        while (true) {
            // Pages still useful if every one were full, plus one that may turn out empty.
            long pagesToWanted = wanted == Long.MAX_VALUE ? Long.MAX_VALUE
                    : (wanted - rows.size() + pageSize - 1) / pageSize + 1;
            int count = (int) Math.min(waveSize, pagesToWanted);
            List<Future<List<JsonNode>>> wave = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                wave.add(submit(source, pageSize, next + i));
            }
            boolean done = false;
            for (int i = 0; i < count && !done; i++) {
                List<JsonNode> page = join(wave, i, next + i);
                pagesRead++;
                if (page.isEmpty()) {
                    done = true;
                    continue;
                }
                for (JsonNode row : page) {
                    // Offset paging can repeat a row if one is created meanwhile: keep its first copy.
                    if (seen.add(row.path("id").asLong())) {
                        rows.add(row);
                    }
                }
                if (rows.size() >= wanted) {
                    done = true;
                }
            }
            if (done) {
                // Pages of this wave after the end are not needed: stop any still running.
                wave.forEach(f -> f.cancel(true));
                break;
            }
            next += count;
            waveSize = parallelPages;
        }
        return result(rows, limit, pagesRead);
    }

    private Future<List<JsonNode>> submit(PageSource source, int pageSize, int number) {
        return submit(() -> source.page(pageSize, number));
    }

    private Future<List<JsonNode>> submit(java.util.concurrent.Callable<List<JsonNode>> page) {
        if (executor != null) {
            return executor.submit(page);
        }
        try {
            return CompletableFuture.completedFuture(page.call());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(new IllegalStateException(e));
        }
    }

    private static List<JsonNode> join(List<Future<List<JsonNode>>> wave, int index, int pageNumber) {
        try {
            return wave.get(index).get();
        } catch (ExecutionException | CancellationException e) {
            // The search has failed: stop the other pages (and their retries) instead of letting them run on.
            wave.forEach(f -> f.cancel(true));
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new PageFailedException(pageNumber, cause instanceof RuntimeException r ? r : new IllegalStateException(cause));
        } catch (InterruptedException e) {
            wave.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new PageFailedException(pageNumber, new IllegalStateException("interrupted while waiting for page " + pageNumber));
        }
    }
}
