package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paging algorithm over an in-memory row list that behaves like FPTR's offset paging (the
 * simulator tests in NotesSearchServiceTest and LocalFileHandlerTest exercise it over HTTP).
 */
class FptrPagerTest {

    private static final ExecutorService POOL = Executors.newCachedThreadPool();

    @AfterAll
    static void stop() {
        POOL.shutdownNow();
    }

    /** Rows with ids 1..n; records every page asked for and the most pages in flight at once. */
    static final class Rows implements FptrPager.PageSource {
        final int n;
        final List<String> asked = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        volatile int failingPage = -1;

        Rows(int n) {
            this.n = n;
        }

        @Override
        public List<JsonNode> page(int size, int number) {
            asked.add(size + "#" + number);
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                Thread.sleep(20);
                if (number == failingPage) {
                    throw new IllegalStateException("page " + number + " broke");
                }
                List<JsonNode> page = new ArrayList<>();
                for (long id = (long) (number - 1) * size + 1; id <= Math.min(n, (long) number * size); id++) {
                    page.add(JsonNodeFactory.instance.objectNode().put("id", id));
                }
                return page;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    private static List<Long> ids(FptrPager.Result r) {
        return r.rows().stream().map(n -> n.get("id").asLong()).toList();
    }

    @Test
    void everyRowInOrderUntilAnEmptyPage() {
        Rows rows = new Rows(23);
        FptrPager.Result r = new FptrPager(POOL, 5, 3).readAll(rows, null);
        assertEquals(23, r.rows().size());
        for (int i = 0; i < 23; i++) {
            assertEquals(i + 1, ids(r).get(i));
        }
        assertFalse(r.truncated());
        // Pages 1-2, then waves of 3: 3-5, 6-8 (6 is the first empty one).
        assertEquals(8, rows.asked.size());
        assertTrue(rows.maxInFlight.get() <= 3, "at most 3 pages in flight, saw " + rows.maxInFlight.get());
        assertTrue(rows.maxInFlight.get() >= 2, "pages are read concurrently");
    }

    @Test
    void aFullFirstPageCostsNoExtraRoundTrip() {
        Rows rows = new Rows(5);
        FptrPager.Result r = new FptrPager(POOL, 5, 4).readAll(rows, null);
        assertEquals(5, r.rows().size());
        assertEquals(List.of("5#1", "5#2"), rows.asked.stream().sorted().toList());
    }

    @Test
    void noMatchIsAnEmptyResult() {
        FptrPager.Result r = new FptrPager(POOL, 5, 4).readAll(new Rows(0), null);
        assertEquals(0, r.rows().size());
        assertFalse(r.truncated());
    }

    @Test
    void aSmallLimitAsksForOneRowMoreToKnowIfItCut() {
        Rows rows = new Rows(100);
        FptrPager.Result r = new FptrPager(POOL, 50, 4).readAll(rows, 10);
        assertEquals(10, r.rows().size());
        assertTrue(r.truncated());
        assertTrue(rows.asked.contains("11#1"), rows.asked.toString());
    }

    @Test
    void aLimitTheResultJustFitsIsNotTruncated() {
        FptrPager.Result r = new FptrPager(POOL, 50, 4).readAll(new Rows(10), 10);
        assertEquals(10, r.rows().size());
        assertFalse(r.truncated());
    }

    @Test
    void aLimitAcrossPagesStopsAsSoonAsItIsReached() {
        Rows rows = new Rows(1000);
        FptrPager.Result r = new FptrPager(POOL, 7, 4).readAll(rows, 30);
        assertEquals(30, r.rows().size());
        assertTrue(r.truncated());
        assertEquals(30, ids(r).get(29));
        // 31 rows need 5 pages of 7; never more than one page past them.
        assertTrue(rows.asked.size() <= 6, rows.asked.toString());
    }

    @Test
    void aFailedPageFailsTheWholeReadNamingThePage() {
        Rows rows = new Rows(40);
        rows.failingPage = 3;
        FptrPager.PageFailedException e = assertThrows(FptrPager.PageFailedException.class,
                () -> new FptrPager(POOL, 5, 4).readAll(rows, null));
        assertEquals(3, e.pageNumber());
        assertSame(IllegalStateException.class, e.getCause().getClass());
    }

    @Test
    void withoutAnExecutorPagesAreReadOneAtATimeUntilAnEmptyOne() {
        Rows rows = new Rows(23);
        FptrPager.Result r = new FptrPager(null, 5, 4).readAll(rows, null);
        assertEquals(23, r.rows().size());
        assertEquals(List.of("5#1", "5#2", "5#3", "5#4", "5#5", "5#6"), rows.asked, "in order, the empty 6th proves the end");
        assertEquals(1, rows.maxInFlight.get());
    }

    @Test
    void aShortPageIsNotTheEnd() {
        // FPTR may answer fewer rows than asked before the end (only an empty page proves it).
        FptrPager.PageSource shortFirst = (size, number) -> {
            List<JsonNode> page = new ArrayList<>();
            long[] ids = number == 1 ? new long[]{1, 2} : number == 2 ? new long[]{3, 4, 5} : new long[0];
            for (long id : ids) page.add(JsonNodeFactory.instance.objectNode().put("id", id));
            return page;
        };
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), ids(new FptrPager(null, 3, 1).readAll(shortFirst, null)));
    }

    @Test
    void aRowSeenOnTwoPagesIsKeptOnce() {
        FptrPager.PageSource shifting = (size, number) -> {
            // A note created between the two calls pushes row 3 from page 1 onto page 2.
            List<JsonNode> page = new ArrayList<>();
            long[] ids = number == 1 ? new long[]{1, 2, 3} : number == 2 ? new long[]{3, 4} : new long[0];
            for (long id : ids) page.add(JsonNodeFactory.instance.objectNode().put("id", id));
            return page;
        };
        assertEquals(List.of(1L, 2L, 3L, 4L), ids(new FptrPager(POOL, 3, 4).readAll(shifting, null)));
    }

    /** Rows 1..n in id order, asked for by id; records each call ("after#size#number", or "last"). */
    private static final class IdRows implements FptrPager.IdPageSource, FptrPager.LastRowSource {
        final int n;
        final List<String> asked = Collections.synchronizedList(new ArrayList<>());
        volatile boolean lastRowFails;

        IdRows(int n) {
            this.n = n;
        }

        @Override
        public List<JsonNode> page(long afterId, int size, int number) {
            asked.add(afterId + "#" + size + "#" + number);
            List<JsonNode> page = new ArrayList<>();
            for (long id = afterId + (long) (number - 1) * size + 1; id <= Math.min(n, afterId + (long) number * size); id++) {
                page.add(JsonNodeFactory.instance.objectNode().put("id", id));
            }
            return page;
        }

        @Override
        public List<JsonNode> lastRow() {
            asked.add("last");
            if (lastRowFails) {
                throw new IllegalStateException("the last row's read broke");
            }
            return n == 0 ? List.of() : List.of(JsonNodeFactory.instance.objectNode().put("id", (long) n));
        }
    }

    @Test
    void aFullFirstPageThatReachesTheLastRowEndsTheReadInOneRoundTrip() {
        IdRows rows = new IdRows(10);
        FptrPager.Result result = new FptrPager(POOL, 10, 4).readInIdOrder(rows, rows, null);
        assertEquals(10, result.rows().size());
        assertEquals(List.of("0#10#1", "last"), rows.asked.stream().sorted().toList(), "page 1 and the last row, nothing after");
    }

    @Test
    void rowsBeyondTheFirstPageAreReadAfterItsLastId() {
        IdRows rows = new IdRows(25);
        FptrPager.Result result = new FptrPager(POOL, 10, 4).readInIdOrder(rows, rows, null);
        assertEquals(25, result.rows().size());
        assertEquals(25, result.rows().get(24).path("id").asLong());
        assertEquals(List.of("10#10#1", "20#10#1"), rows.asked.subList(2, rows.asked.size()),
                "after page 1, each page after the last id read, until the last row's id (no empty page needed)");
    }

    @Test
    void aLastRowThatCannotBeReadOnlyCostsTheEmptyPageThatProvesTheEnd() {
        IdRows rows = new IdRows(10);
        rows.lastRowFails = true;
        FptrPager.Result result = new FptrPager(POOL, 10, 4).readInIdOrder(rows, rows, null);
        assertEquals(10, result.rows().size());
        assertTrue(rows.asked.contains("10#10#1"), "the page after the last id read: " + rows.asked);
    }

    @Test
    void readOnePageAtATimeTheLastRowIsAskedForOnlyWhenPageOneLeavesItNeeded() {
        IdRows none = new IdRows(0);
        new FptrPager(null, 10, 1).readInIdOrder(none, none, null);
        assertEquals(List.of("0#10#1"), none.asked, "an empty page 1 is the end");

        IdRows limited = new IdRows(30);
        assertTrue(new FptrPager(null, 10, 1).readInIdOrder(limited, limited, 5).truncated());
        assertEquals(List.of("0#6#1"), limited.asked, "page 1 holds the limit and the row that shows it was cut");

        IdRows full = new IdRows(10);
        assertEquals(10, new FptrPager(null, 10, 1).readInIdOrder(full, full, null).rows().size());
        assertEquals(List.of("0#10#1", "last"), full.asked, "a full page 1 that reaches the last row ends the read");
    }
}
