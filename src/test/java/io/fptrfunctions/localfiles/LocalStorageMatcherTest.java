package io.fptrfunctions.localfiles;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalStorageMatcherTest {

    static final LocalStorage PRIMARY = new LocalStorage(3, "primary", "/Volumes/projects", "/mnt/projects", "M:\\projects");

    StorageMatch only(String path, LocalStorage... storages) {
        Optional<StorageMatch> match = LocalStorageMatcher.match(path, List.of(storages));
        assertTrue(match.isPresent(), () -> path + " should match");
        return match.get();
    }

    @Test
    void linuxPathFillsEveryPlatformTheRowDefines() {
        StorageMatch m = only("/mnt/projects/demo/sh010/plate.v001.exr", PRIMARY);
        assertEquals(3, m.storage().id());
        assertEquals(Platform.LINUX, m.matchedPlatform());
        assertEquals("demo/sh010/plate.v001.exr", m.relativePath());
        assertEquals("/mnt/projects/demo/sh010/plate.v001.exr", m.localPath(Platform.LINUX));
        assertEquals("/Volumes/projects/demo/sh010/plate.v001.exr", m.localPath(Platform.MAC));
        assertEquals("M:\\projects\\demo\\sh010\\plate.v001.exr", m.localPath(Platform.WINDOWS));
    }

    @Test
    void macPathMatchesTheMacRoot() {
        StorageMatch m = only("/Volumes/projects/demo/a.ma", PRIMARY);
        assertEquals(Platform.MAC, m.matchedPlatform());
        assertEquals("demo/a.ma", m.relativePath());
        assertEquals("/mnt/projects/demo/a.ma", m.localPath(Platform.LINUX));
    }

    @Test
    void windowsPathWithBackslashesForwardSlashesAndOtherCaseMatches() {
        for (String path : List.of("M:\\projects\\demo\\a.mov", "M:/projects/demo/a.mov", "m:\\Projects\\demo\\a.mov",
                "M:\\projects\\\\demo\\a.mov")) {
            StorageMatch m = only(path, PRIMARY);
            assertEquals(Platform.WINDOWS, m.matchedPlatform(), path);
            assertEquals("demo/a.mov", m.relativePath(), path);
            assertEquals("M:\\projects\\demo\\a.mov", m.localPath(Platform.WINDOWS), path);
        }
    }

    @Test
    void macAndLinuxRootsAreCaseSensitive() {
        assertTrue(LocalStorageMatcher.match("/MNT/projects/a.exr", List.of(PRIMARY)).isEmpty());
    }

    @Test
    void rootMustEndAtASegmentBoundary() {
        LocalStorage pro = new LocalStorage(5, "pro", null, "/mnt/pro", null);
        assertTrue(LocalStorageMatcher.match("/mnt/projects/a.exr", List.of(pro)).isEmpty());
        assertEquals("x/a.exr", only("/mnt/pro/x/a.exr", pro).relativePath());
    }

    @Test
    void theRootItselfIsNotAFileUnderIt() {
        assertTrue(LocalStorageMatcher.match("/mnt/projects", List.of(PRIMARY)).isEmpty());
        assertTrue(LocalStorageMatcher.match("/mnt/projects/", List.of(PRIMARY)).isEmpty());
    }

    @Test
    void deepestRootWinsWhateverTheIdOrder() {
        LocalStorage shallowOld = new LocalStorage(79, "n", null, "/srv/n", null);
        LocalStorage deepNew = new LocalStorage(80, "n-sub", null, "/srv/n/sub", null);
        assertEquals(80, only("/srv/n/sub/deep/p.exr", shallowOld, deepNew).storage().id());
        assertEquals("deep/p.exr", only("/srv/n/sub/deep/p.exr", shallowOld, deepNew).relativePath());
        assertEquals(79, only("/srv/n/other/p.exr", shallowOld, deepNew).storage().id());

        LocalStorage deepOld = new LocalStorage(81, "m-sub", null, "/srv/m/sub", null);
        LocalStorage shallowNew = new LocalStorage(82, "m", null, "/srv/m", null);
        assertEquals(81, only("/srv/m/sub/deep/p.exr", shallowNew, deepOld).storage().id());
    }

    @Test
    void identicalRootsResolveToTheHigherId() {
        LocalStorage a = new LocalStorage(84, "d2", null, "/srv/d", null);
        LocalStorage b = new LocalStorage(83, "d1", null, "/srv/d/", null);
        assertEquals(84, only("/srv/d/p.exr", a, b).storage().id());
        assertEquals(84, only("/srv/d/p.exr", b, a).storage().id());
    }

    @Test
    void depthIsComparedAcrossPlatforms() {
        LocalStorage winDeep = new LocalStorage(1, "w", null, null, "S:\\show\\plates");
        LocalStorage winShallow = new LocalStorage(2, "s", null, null, "S:\\");
        StorageMatch m = only("S:/show/plates/a.dpx", winDeep, winShallow);
        assertEquals(1, m.storage().id());
        assertEquals("S:\\show\\plates\\a.dpx", m.localPath(Platform.WINDOWS));
        StorageMatch top = only("S:\\other\\a.dpx", winDeep, winShallow);
        assertEquals(2, top.storage().id());
        assertEquals("S:\\other\\a.dpx", top.localPath(Platform.WINDOWS));
    }

    @Test
    void unsetRootsGiveNullPathsAndNeverMatch() {
        LocalStorage macOnly = new LocalStorage(7, "mac-only", "/Volumes/show", null, " ");
        StorageMatch m = only("/Volumes/show/a.exr", macOnly);
        assertNull(m.localPath(Platform.LINUX));
        assertNull(m.localPath(Platform.WINDOWS));
        assertTrue(LocalStorageMatcher.match("/a.exr", List.of(macOnly)).isEmpty());
    }

    @Test
    void uncRootsMatchWithEitherSlash() {
        LocalStorage unc = new LocalStorage(9, "nas", null, null, "\\\\nas01\\show");
        assertEquals("a/b.exr", only("\\\\nas01\\show\\a\\b.exr", unc).relativePath());
        assertEquals("a/b.exr", only("//nas01/show/a/b.exr", unc).relativePath());
        assertEquals("\\\\nas01\\show\\a\\b.exr", only("//NAS01/show/a/b.exr", unc).localPath(Platform.WINDOWS));
    }

    @Test
    void slashRootMatchesEveryAbsolutePath() {
        LocalStorage slash = new LocalStorage(11, "everything", "/", "/", null);
        StorageMatch m = only("/tmp/a.txt", slash);
        assertEquals("tmp/a.txt", m.relativePath());
        assertEquals("/tmp/a.txt", m.localPath(Platform.MAC));
        // any deeper root still wins over "/"
        assertEquals(3, only("/mnt/projects/a.txt", slash, PRIMARY).storage().id());
    }

    @Test
    void backslashesInAMacOrLinuxPathAreNotSeparators() {
        assertTrue(LocalStorageMatcher.match("\\mnt\\projects\\a.exr", List.of(PRIMARY)).isEmpty());
        assertFalse(LocalStorageMatcher.looksWindows("/mnt/a\\b"));
    }

    @Test
    void relativePathsAndOtherDrivesMatchNothing() {
        assertTrue(LocalStorageMatcher.match("projects/a.exr", List.of(PRIMARY)).isEmpty());
        assertTrue(LocalStorageMatcher.match("N:\\projects\\a.exr", List.of(PRIMARY)).isEmpty());
    }

    @Test
    void fileNameIsTheLastSegment() {
        assertEquals("a.v001.exr", LocalStorageMatcher.fileName("/mnt/projects/a.v001.exr"));
        assertEquals("a.mov", LocalStorageMatcher.fileName("M:\\projects\\a.mov"));
        assertEquals("a.mov", LocalStorageMatcher.fileName("a.mov"));
    }
}
