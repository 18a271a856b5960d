package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FptrPager#readInIdOrder} over a site whose rows change while it reads: before every page FPTR
 * answers, rows are created (below, inside or above what was read) and deleted. Every row that was there
 * from start to end comes exactly once, nothing comes twice, and the rows come in id order. (Paging by
 * page number, as the old main did for every search, skips the row at a page boundary whenever a row before
 * it is deleted meanwhile.)
 */
class FptrPagerProperties {

    private static final ExecutorService POOL = Executors.newFixedThreadPool(2);

    @AfterContainer
    static void stop() {
        POOL.shutdownNow();
    }

    /** Before the k-th page is answered: create {@code creates.get(k)} rows and delete {@code deletes.get(k)} of them. */
    record Script(int initialRows, int pageSize, List<Integer> creates, List<Integer> deletes, long seed, boolean parallel) {
    }

    /** A site of rows with ids, changed by the script as pages are asked for. */
    private static final class ShiftingSite implements FptrPager.IdPageSource, FptrPager.LastRowSource {
        final TreeSet<Long> rows = new TreeSet<>();
        final Set<Long> ever = new HashSet<>();
        final Set<Long> deleted = new HashSet<>();
        final Script script;
        final java.util.Random random;
        int calls;

        ShiftingSite(Script script) {
            this.script = script;
            this.random = new java.util.Random(script.seed());
            long id = 0;
            for (int i = 0; i < script.initialRows(); i++) {
                id += 1 + random.nextInt(3);
                rows.add(id);
            }
            ever.addAll(rows);
        }

        @Override
        public synchronized List<JsonNode> page(long afterId, int pageSize, int pageNumber) {
            shift();
            List<Long> after = new ArrayList<>(rows.tailSet(afterId, false));
            int from = Math.min(after.size(), (pageNumber - 1) * pageSize);
            return rows(after.subList(from, Math.min(after.size(), from + pageSize)));
        }

        /** The row of the largest id, after the rows changed as before a page. */
        @Override
        public synchronized List<JsonNode> lastRow() {
            shift();
            return rows(rows.isEmpty() ? List.of() : List.of(rows.last()));
        }

        private void shift() {
            int k = calls++;
            if (k < script.creates().size()) {
                for (int i = 0; i < script.creates().get(k); i++) {
                    long id = 1 + random.nextInt((int) Math.max(2, (rows.isEmpty() ? 10 : rows.last()) + 10));
                    if (!deleted.contains(id) && rows.add(id)) {
                        ever.add(id);
                    }
                }
                for (int i = 0; i < script.deletes().get(k) && !rows.isEmpty(); i++) {
                    List<Long> now = new ArrayList<>(rows);
                    long gone = now.get(random.nextInt(now.size()));
                    rows.remove(gone);
                    deleted.add(gone);
                }
            }
        }

        private static List<JsonNode> rows(List<Long> ids) {
            List<JsonNode> page = new ArrayList<>();
            for (long id : ids) {
                page.add(JsonNodeFactory.instance.objectNode().put("id", id));
            }
            return page;
        }

        Set<Long> stayed(Set<Long> initial) {
            Set<Long> s = new HashSet<>(initial);
            s.removeAll(deleted);
            return s;
        }
    }

    @Property(tries = 400)
    void noRowThatStayedIsLostAndNoneComesTwice(@ForAll("scripts") Script script) {
        ShiftingSite site = new ShiftingSite(script);
        Set<Long> initial = new HashSet<>(site.rows);
        FptrPager pager = new FptrPager(script.parallel() ? POOL : null, script.pageSize(), 4);
        List<Long> read = ids(pager.readInIdOrder(site, site, null));

        assertEquals(new TreeSet<>(read).size(), read.size(), "no row twice: " + read);
        assertEquals(new ArrayList<>(new TreeSet<>(read)), read, "in id order");
        assertTrue(read.containsAll(site.stayed(initial)), "every row that stayed: missing " + missing(site.stayed(initial), read));
        assertTrue(site.ever.containsAll(read), "only rows that existed");
    }

    @Property(tries = 300)
    void withALimitTheFirstRowsThatStayedAreAllThere(@ForAll("scripts") Script script, @ForAll("limits") int limit) {
        ShiftingSite site = new ShiftingSite(script);
        Set<Long> initial = new HashSet<>(site.rows);
        FptrPager.Result result = new FptrPager(script.parallel() ? POOL : null, script.pageSize(), 4).readInIdOrder(site, site, limit);
        List<Long> read = ids(result);

        assertTrue(read.size() <= limit);
        assertEquals(new ArrayList<>(new TreeSet<>(read)), read, "in id order, none twice");
        long last = read.isEmpty() ? Long.MAX_VALUE : read.get(read.size() - 1);
        Set<Long> expected = new HashSet<>();
        site.stayed(initial).stream().filter(id -> id <= last || !result.truncated()).forEach(expected::add);
        assertTrue(read.containsAll(expected), "the stayed rows up to the last one read: missing " + missing(expected, read));
    }

    @Provide
    Arbitrary<Script> scripts() {
        Arbitrary<List<Integer>> counts = Arbitraries.integers().between(0, 4).list().ofMaxSize(12);
        return Combinators.combine(Arbitraries.integers().between(0, 60), Arbitraries.integers().between(1, 7), counts, counts,
                Arbitraries.longs(), Arbitraries.of(true, false))
                .as((rows, size, creates, deletes, seed, parallel) -> {
                    List<Integer> d = new ArrayList<>(deletes);
                    while (d.size() < creates.size()) {
                        d.add(0);
                    }
                    return new Script(rows, size, creates, d.subList(0, creates.size()), seed, parallel);
                });
    }

    @Provide
    Arbitrary<Integer> limits() {
        return Arbitraries.integers().between(1, 40);
    }

    private static List<Long> ids(FptrPager.Result result) {
        return result.rows().stream().map(r -> r.path("id").asLong()).toList();
    }

    private static Set<Long> missing(Set<Long> expected, List<Long> read) {
        Set<Long> m = new TreeSet<>(expected);
        read.forEach(m::remove);
        return m;
    }
}
