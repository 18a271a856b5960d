package io.fptrfunctions.localfiles;

import io.fptrfunctions.deadline.Deadline;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.fptr.FptrClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cache's timing rules with a clock the test moves: TTL, re-read on a miss, and the minimum
 * interval between miss re-reads. (That 100 writes read the storages once against the simulator over
 * HTTP is in LocalFileHandlerTest.)
 */
class LocalStorageCatalogTest {

    /**
     * Searches one read of the 3 rows costs: page 1 (ids 1, 2) with the last row (3) asked beside it, then the
     * ids after 2 (3: the last row's id, the end).
     */
    static final int READ = 3;

    /** The site's rows as the FPTR facade would page them, counting the searches. */
    static final class Site extends FptrClient {
        final List<JsonNode> rows = new ArrayList<>();
        int searches;

        void add(long id, String linuxRoot) {
            ObjectNode r = JsonNodeFactory.instance.objectNode().put("type", "LocalStorage").put("id", id);
            r.putObject("attributes").put("code", "s" + id).put("linux_path", linuxRoot).putNull("mac_path").putNull("windows_path");
            rows.add(r);
        }

        @Override
        public List<JsonNode> searchPage(Deadline deadline, String type, JsonNode filter, List<String> fields, String sort, int size, int page) {
            searches++;
            long after = afterId(filter);   // reading in id order, the pager asks for the ids after the last it read
            List<JsonNode> matching = new ArrayList<>(rows.stream().filter(r -> r.path("id").asLong() > after).toList());
            if ("-id".equals(sort)) {   // the last row, asked for beside page 1
                java.util.Collections.reverse(matching);
            }
            int from = Math.min(matching.size(), (page - 1) * size);
            return List.copyOf(matching.subList(from, Math.min(matching.size(), from + size)));
        }

        /** The N of an {@code ["id", "greater_than", N]} condition anywhere in the filter, 0 without one. */
        private static long afterId(JsonNode filter) {
            if (filter == null) {
                return 0;
            }
            if (filter.isArray() && filter.size() == 3 && "id".equals(filter.get(0).asText())
                    && "greater_than".equals(filter.get(1).asText())) {
                return filter.get(2).asLong();
            }
            long found = 0;
            for (JsonNode child : filter) {
                found = Math.max(found, afterId(child));
            }
            return found;
        }

        @Override
        public int maxPageSize() {
            return 2;   // small pages, so paging is exercised too
        }
    }

    static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-11-25T10:00:00Z");

        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
        void advance(Duration d) { now = now.plus(d); }
    }

    Site site;
    MovableClock clock;
    LocalStorageCatalog catalog;

    @BeforeEach
    void setUp() {
        site = new Site();
        site.add(1, "/mnt/a");
        site.add(2, "/mnt/b");
        site.add(3, "/mnt/c");
        clock = new MovableClock();
        catalog = new LocalStorageCatalog(site, clock, Duration.ofMinutes(5), Duration.ofSeconds(1));
    }

    @Test
    void readsEveryPageOnceThenServesFromTheCacheUntilTheTtl() {
        assertEquals(3, catalog.match(Deadline.none(), "/mnt/c/x.exr").orElseThrow().storage().id());
        assertEquals(READ, site.searches, "3 rows in pages of 2 read in id order, up to the last row's id");
        clock.advance(Duration.ofMinutes(4));
        catalog.match(Deadline.none(), "/mnt/a/x.exr").orElseThrow();
        catalog.storages(Deadline.none());
        assertEquals(READ, site.searches);
        clock.advance(Duration.ofMinutes(2));
        catalog.match(Deadline.none(), "/mnt/a/x.exr").orElseThrow();
        assertEquals(2 * READ, site.searches, "re-read after the TTL");
    }

    @Test
    void aMissReReadsOnceSoANewStorageIsFound() {
        catalog.match(Deadline.none(), "/mnt/a/x.exr").orElseThrow();
        int before = site.searches;
        site.add(4, "/mnt/new");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(4, catalog.match(Deadline.none(), "/mnt/new/x.exr").orElseThrow().storage().id());
        assertTrue(site.searches > before);
    }

    @Test
    void missesWithinTheMinimumIntervalDoNotReRead() {
        catalog.match(Deadline.none(), "/mnt/a/x.exr").orElseThrow();
        int before = site.searches;
        for (int i = 0; i < 50; i++) {
            assertTrue(catalog.match(Deadline.none(), "/nowhere/" + i).isEmpty());
        }
        assertEquals(before, site.searches, "a burst of bad paths right after a read costs no reads");
        clock.advance(Duration.ofSeconds(1));
        assertTrue(catalog.match(Deadline.none(), "/nowhere/again").isEmpty());
        assertTrue(site.searches > before, "once the interval has passed a miss re-reads");
    }

    @Test
    void aMissRightAfterAReadDoesNotReadTwice() {
        assertTrue(catalog.match(Deadline.none(), "/nowhere/x").isEmpty());
        assertEquals(READ, site.searches, "the first read was this request's; no second one");
    }

    @Test
    void storagesAreFoundByIdOrCode() {
        assertEquals(2, catalog.find(Deadline.none(), new LinkRequest.StorageRef(2L, null)).orElseThrow().id());
        assertEquals(3, catalog.find(Deadline.none(), new LinkRequest.StorageRef(null, "s3")).orElseThrow().id());
        assertEquals(3, catalog.find(Deadline.none(), new LinkRequest.StorageRef(null, "S3")).orElseThrow().id(), "case-insensitive fallback");
        assertTrue(catalog.find(Deadline.none(), new LinkRequest.StorageRef(99L, null)).isEmpty());
    }

    @Test
    void invalidateForgetsTheRows() {
        catalog.storages(Deadline.none());
        catalog.invalidate();
        catalog.storages(Deadline.none());
        assertEquals(2 * READ, site.searches);
    }
}
