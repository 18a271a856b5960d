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
 * total and charges a fixed ~300 ms per call, so with an executor pages are asked for in waves: pages
 * 1–2 together (page 2 is needed whenever page 1 is not empty), then waves of up to
 * {@code parallelPages} pages until a page comes back empty or enough rows are in. Without an executor,
 * one page at a time. Pages are joined in page order, so the result is complete and ordered; a page that
 * fails fails the whole read.
 */
public final class FptrPager {

    /** Fetches one page (1-based) of the given size. */
    @FunctionalInterface
    public interface PageSource {
        List<JsonNode> page(int pageSize, int pageNumber);
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
        boolean truncated = limit != null && rows.size() > limit;
        return new Result(truncated ? List.copyOf(rows.subList(0, limit)) : rows, truncated, pagesRead);
    }

    private Future<List<JsonNode>> submit(PageSource source, int pageSize, int number) {
        if (executor != null) {
            return executor.submit(() -> source.page(pageSize, number));
        }
        try {
            return CompletableFuture.completedFuture(source.page(pageSize, number));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
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
