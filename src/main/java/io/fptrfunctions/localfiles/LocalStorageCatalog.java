package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrCache;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrFilter;
import io.fptrfunctions.fptr.FptrRecords;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The site's LocalStorage rows, read once and kept for {@code fptr.local-files.storage-cache-ttl} (storages
 * change a few times a year; paths are checked on every write). A lookup that misses re-reads the
 * rows once before giving up, so a storage created a minute ago is found without waiting for the TTL;
 * {@code fptr.local-files.miss-refresh-min-interval} stops a burst of bad paths from turning into a burst
 * of reads. The rows live in an {@link FptrCache}: concurrent first calls (or concurrent misses) read
 * them once, and a failed read is not remembered.
 */
@ApplicationScoped
public class LocalStorageCatalog {

    private static final Logger LOG = Logger.getLogger(LocalStorageCatalog.class);
    static final List<String> FIELDS = List.of("code", "mac_path", "linux_path", "windows_path");
    /** The cache's only key: one site, one list of storages. */
    private static final String ALL = "all";

    private final FptrClient fptr;
    private final Clock clock;
    private final Duration missRefreshMinInterval;
    private final FptrCache<String, List<LocalStorage>> rows;

    @Inject
    LocalStorageCatalog(FptrClient fptr, Clock clock, LocalFilesConfig config) {
        this(fptr, clock, config.storageCacheTtl(), config.missRefreshMinInterval());
    }

    LocalStorageCatalog(FptrClient fptr, Clock clock, Duration ttl, Duration missRefreshMinInterval) {
        this.fptr = fptr;
        this.clock = clock;
        this.missRefreshMinInterval = missRefreshMinInterval;
        this.rows = FptrCache.withTtl(clock, ttl);
    }

    /** Every LocalStorage row, from the cache while it is fresh. */
    public List<LocalStorage> storages(Deadline deadline) {
        return rows.get(ALL, deadline, key -> read(deadline));
    }

    /** The storage {@code path} lies under (see {@link LocalStorageMatcher}), re-reading the rows once on a miss. */
    public Optional<StorageMatch> match(Deadline deadline, String path) {
        return lookup(deadline, rows -> LocalStorageMatcher.match(path, rows));
    }

    /** The storage a caller named by id or by code (exact, then case-insensitive), re-reading once on a miss. */
    public Optional<LocalStorage> find(Deadline deadline, LinkRequest.StorageRef ref) {
        return lookup(deadline, rows -> {
            if (ref.id() != null) {
                return rows.stream().filter(s -> s.id() == ref.id()).findFirst();
            }
            Optional<LocalStorage> exact = rows.stream().filter(s -> ref.name().equals(s.code())).findFirst();
            return exact.isPresent() ? exact
                    : rows.stream().filter(s -> ref.name().equalsIgnoreCase(s.code())).findFirst();
        });
    }

    /** Forget the rows, e.g. when FPTR refused a path this cache thought was fine. */
    public void invalidate() {
        rows.invalidate(ALL);
    }

    private <T> Optional<T> lookup(Deadline deadline, Function<List<LocalStorage>, Optional<T>> find) {
        Instant asked = clock.instant();
        Optional<T> found = find.apply(storages(deadline));
        if (found.isPresent()) {
            return found;
        }
        // Re-read only rows an earlier request read, and not more often than the minimum interval.
        Instant lastAllowed = clock.instant().minus(missRefreshMinInterval);
        List<LocalStorage> reread = rows.reloadIf(ALL, deadline, readAt -> readAt.isBefore(asked) && !readAt.isAfter(lastAllowed),
                key -> read(deadline));
        return find.apply(reread);
    }

    private List<LocalStorage> read(Deadline deadline) {
        List<LocalStorage> read = new ArrayList<>();
        for (JsonNode record : fptr.searchAll(deadline, "LocalStorage", FptrFilter.all(), FIELDS, "id", null).rows()) {
            read.add(toStorage(FptrRecords.flatten(record)));
        }
        LOG.debugf("Read %d LocalStorage rows", read.size());
        return List.copyOf(read);
    }

    static LocalStorage toStorage(JsonNode flat) {
        return new LocalStorage(flat.path("id").asLong(), text(flat, "code"), text(flat, "mac_path"),
                text(flat, "linux_path"), text(flat, "windows_path"));
    }

    private static String text(JsonNode flat, String key) {
        JsonNode v = flat.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }
}
