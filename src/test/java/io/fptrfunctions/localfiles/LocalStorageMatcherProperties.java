package io.fptrfunctions.localfiles;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link LocalStorageMatcher} against a naive model of FPTR's rule written another way: paths and roots
 * as lists of segments (after Windows separators are read as '/'), a root matching when it is a strict
 * prefix of the path's segments of the same kind (POSIX, UNC, drive), case-insensitively for Windows
 * roots; the deepest root wins, then the higher id, then the first platform (linux, mac, windows).
 */
class LocalStorageMatcherProperties {

    private static final List<String> ROOTS = List.of("/mnt/projects", "/mnt/projects/renders", "/mnt/pro", "/Volumes/projects",
            "/Volumes/Projects/renders", "P:\\", "P:\\renders", "p:/Renders", "\\\\server\\share", "\\\\SERVER\\share\\renders",
            "//server/share", "/srv", "M:", "/mnt/projects/renders/deep/er");
    private static final List<String> SEGMENTS = List.of("demo", "sh010", "renders", "Renders", "a.mov", "plate.v001.exr", "x",
            "projects", "share", "deep", "er");

    record Case(String path, List<LocalStorage> storages) {
    }

    @Property(tries = 1000)
    void matchesLikeTheModel(@ForAll("cases") Case c) {
        Optional<StorageMatch> expected = naive(c.path(), c.storages());
        assertEquals(expected, LocalStorageMatcher.match(c.path(), c.storages()), c.toString());
        Statistics.collect(expected.isPresent() ? "matched" : "under no root");
        // A generator whose paths seldom fall under a root would test little: keep both outcomes common.
        Statistics.coverage(coverage -> {
            coverage.check("matched").percentage(p -> p > 20);
            coverage.check("under no root").percentage(p -> p > 10);
        });
    }

    // ---- the model --------------------------------------------------------------------------------------

    private enum Kind { POSIX, UNC, OTHER }

    private record Parsed(Kind kind, List<String> segments) {
    }

    private static Parsed parse(String s, boolean separatorsOfWindows) {
        String p = separatorsOfWindows ? s.replace('\\', '/') : s;
        Kind kind = p.startsWith("//") ? Kind.UNC : p.startsWith("/") ? Kind.POSIX : Kind.OTHER;
        List<String> segments = new ArrayList<>();
        for (String part : p.split("/")) {
            if (!part.isEmpty()) {
                segments.add(part);
            }
        }
        return new Parsed(kind, segments);
    }

    private static boolean windowsLooking(String path) {
        return path.startsWith("\\\\") || path.startsWith("//")
                || (path.length() >= 2 && Character.isLetter(path.charAt(0)) && path.charAt(0) < 128 && path.charAt(1) == ':'
                && (path.length() == 2 || path.charAt(2) == '\\' || path.charAt(2) == '/'));
    }

    static Optional<StorageMatch> naive(String path, List<LocalStorage> storages) {
        Parsed p = parse(path, windowsLooking(path));
        StorageMatch best = null;
        int bestDepth = -1;
        for (LocalStorage s : storages) {
            for (Platform platform : Platform.values()) {
                String root = s.root(platform);
                if (root == null) {
                    continue;
                }
                Parsed r = parse(root.trim(), true);
                boolean ignoreCase = platform == Platform.WINDOWS;
                if (r.kind() != p.kind() || p.segments().size() <= r.segments().size()) {
                    continue;
                }
                boolean prefix = true;
                for (int i = 0; i < r.segments().size() && prefix; i++) {
                    String a = p.segments().get(i);
                    String b = r.segments().get(i);
                    prefix = ignoreCase ? a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT)) : a.equals(b);
                }
                if (!prefix) {
                    continue;
                }
                int depth = r.segments().size();
                if (depth > bestDepth || (depth == bestDepth && s.id() > best.storage().id())) {
                    best = new StorageMatch(s, platform, String.join("/", p.segments().subList(depth, p.segments().size())));
                    bestDepth = depth;
                }
            }
        }
        return Optional.ofNullable(best);
    }

    // ---- cases ------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<String> root = Arbitraries.oneOf(Arbitraries.of(ROOTS), Arbitraries.of(ROOTS).map(LocalStorageMatcherProperties::vary));
        Arbitrary<String> maybeRoot = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, root), net.jqwik.api.Tuple.of(2, Arbitraries.just(null)));
        Arbitrary<List<LocalStorage>> storages = Combinators.combine(maybeRoot, maybeRoot, maybeRoot).as((linux, mac, windows) -> java.util.Arrays.asList(linux, mac, windows))
                .list().ofMinSize(0).ofMaxSize(4)
                .map(roots -> {
                    List<LocalStorage> rows = new ArrayList<>();
                    for (int i = 0; i < roots.size(); i++) {
                        List<String> r = roots.get(i);
                        rows.add(new LocalStorage(10 - i * 3 + (i % 2) * 7, "s" + i, r.get(1), r.get(0), r.get(2)));
                    }
                    return rows;
                });
        Arbitrary<String> path = Combinators.combine(Arbitraries.of(ROOTS).map(LocalStorageMatcherProperties::vary),
                        Arbitraries.of(SEGMENTS).list().ofMaxSize(4), Arbitraries.of("/", "//", "\\"))
                .as((base, rest, separator) -> {
                    StringBuilder s = new StringBuilder(base);
                    boolean windows = windowsLooking(base);
                    for (String segment : rest) {
                        s.append(windows || !separator.equals("\\") ? separator : "/").append(segment);
                    }
                    return s.toString();
                });
        return Combinators.combine(path, storages).as(Case::new);
    }

    /** The same root as another studio writes it: other case, a trailing separator, doubled separators. */
    private static String vary(String root) {
        String r = root;
        int h = Math.abs(root.hashCode() + root.length());
        if (h % 3 == 0) {
            r = r.toUpperCase(Locale.ROOT);
        }
        if (h % 4 == 1) {
            r = r + (r.contains("\\") ? "\\" : "/");
        }
        if (h % 5 == 2) {
            r = r.replace("/mnt/", "/mnt//");
        }
        return r;
    }
}
