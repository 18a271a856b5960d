package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrFilter;
import io.fptrfunctions.fptr.FptrRecords;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The site's LocalStorage rows, read once and kept for {@code local-files.storage-cache-ttl} (storages
 * change a few times a year; paths are checked on every write). A lookup that misses re-reads the
 * rows once before giving up, so a storage created a minute ago is found without waiting for the TTL;
 * {@code local-files.miss-refresh-min-interval} stops a burst of bad paths from turning into a burst
 * of reads.
 */
@ApplicationScoped
public class LocalStorageCatalog {

    private static final Logger LOG = Logger.getLogger(LocalStorageCatalog.class);
    static final List<String> FIELDS = List.of("code", "mac_path", "linux_path", "windows_path");

    @Inject
    FptrClient fptr;

    @Inject
    Clock clock;

    @ConfigProperty(name = "local-files.storage-cache-ttl", defaultValue = "5M")
    Duration ttl;

    @ConfigProperty(name = "local-files.miss-refresh-min-interval", defaultValue = "1S")
    Duration missRefreshMinInterval;

    private List<LocalStorage> storages;
    private Instant fetchedAt;

    /** Every LocalStorage row, from the cache while it is fresh. */
    public synchronized List<LocalStorage> storages() {
        ensureFresh();
        return storages;
    }

    /** The storage {@code path} lies under (see {@link LocalStorageMatcher}), re-reading the rows once on a miss. */
    public synchronized Optional<StorageMatch> match(String path) {
        return lookup(rows -> LocalStorageMatcher.match(path, rows));
    }

    /** The storage a caller named by id or by code (exact, then case-insensitive), re-reading once on a miss. */
    public synchronized Optional<LocalStorage> find(LinkRequest.StorageRef ref) {
        return lookup(rows -> {
            if (ref.id() != null) {
                return rows.stream().filter(s -> s.id() == ref.id()).findFirst();
            }
            Optional<LocalStorage> exact = rows.stream().filter(s -> ref.name().equals(s.code())).findFirst();
            return exact.isPresent() ? exact
                    : rows.stream().filter(s -> ref.name().equalsIgnoreCase(s.code())).findFirst();
        });
    }

    /** Forget the rows, e.g. when FPTR refused a path this cache thought was fine. */
    public synchronized void invalidate() {
        storages = null;
        fetchedAt = null;
    }

    private <T> Optional<T> lookup(Function<List<LocalStorage>, Optional<T>> find) {
        boolean justRead = ensureFresh();
        Optional<T> found = find.apply(storages);
        if (found.isEmpty() && !justRead
                && !clock.instant().isBefore(fetchedAt.plus(missRefreshMinInterval))) {
            read();
            found = find.apply(storages);
        }
        return found;
    }

    /** True when the rows were read by this call. */
    private boolean ensureFresh() {
        if (storages == null || !clock.instant().isBefore(fetchedAt.plus(ttl))) {
            read();
            return true;
        }
        return false;
    }

    private void read() {
        List<LocalStorage> rows = new ArrayList<>();
        for (JsonNode record : fptr.searchAll("LocalStorage", FptrFilter.all(), FIELDS, "id", null).rows()) {
            rows.add(toStorage(FptrRecords.flatten(record)));
        }
        storages = List.copyOf(rows);
        fetchedAt = clock.instant();
        LOG.debugf("Read %d LocalStorage rows", rows.size());
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
