package io.fptrfunctions.localfiles;

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
        public List<JsonNode> searchPage(String type, JsonNode filter, List<String> fields, String sort, int size, int page) {
            searches++;
            int from = Math.min(rows.size(), (page - 1) * size);
            return List.copyOf(rows.subList(from, Math.min(rows.size(), from + size)));
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
        assertEquals(3, catalog.match("/mnt/c/x.exr").orElseThrow().storage().id());
        assertEquals(3, site.searches, "3 rows in pages of 2, then the empty page that proves the end");
        clock.advance(Duration.ofMinutes(4));
        catalog.match("/mnt/a/x.exr").orElseThrow();
        catalog.storages();
        assertEquals(3, site.searches);
        clock.advance(Duration.ofMinutes(2));
        catalog.match("/mnt/a/x.exr").orElseThrow();
        assertEquals(6, site.searches, "re-read after the TTL");
    }

    @Test
    void aMissReReadsOnceSoANewStorageIsFound() {
        catalog.match("/mnt/a/x.exr").orElseThrow();
        int before = site.searches;
        site.add(4, "/mnt/new");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(4, catalog.match("/mnt/new/x.exr").orElseThrow().storage().id());
        assertTrue(site.searches > before);
    }

    @Test
    void missesWithinTheMinimumIntervalDoNotReRead() {
        catalog.match("/mnt/a/x.exr").orElseThrow();
        int before = site.searches;
        for (int i = 0; i < 50; i++) {
            assertTrue(catalog.match("/nowhere/" + i).isEmpty());
        }
        assertEquals(before, site.searches, "a burst of bad paths right after a read costs no reads");
        clock.advance(Duration.ofSeconds(1));
        assertTrue(catalog.match("/nowhere/again").isEmpty());
        assertTrue(site.searches > before, "once the interval has passed a miss re-reads");
    }

    @Test
    void aMissRightAfterAReadDoesNotReadTwice() {
        assertTrue(catalog.match("/nowhere/x").isEmpty());
        assertEquals(3, site.searches, "the first read was this request's; no second one");
    }

    @Test
    void storagesAreFoundByIdOrCode() {
        assertEquals(2, catalog.find(new LinkRequest.StorageRef(2L, null)).orElseThrow().id());
        assertEquals(3, catalog.find(new LinkRequest.StorageRef(null, "s3")).orElseThrow().id());
        assertEquals(3, catalog.find(new LinkRequest.StorageRef(null, "S3")).orElseThrow().id(), "case-insensitive fallback");
        assertTrue(catalog.find(new LinkRequest.StorageRef(99L, null)).isEmpty());
    }

    @Test
    void invalidateForgetsTheRows() {
        catalog.storages();
        catalog.invalidate();
        catalog.storages();
        assertEquals(6, site.searches);
    }
}
