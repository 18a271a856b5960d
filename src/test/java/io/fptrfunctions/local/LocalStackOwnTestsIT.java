package io.fptrfunctions.local;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The local stack's own tests (Python's unittest, {@code infra/local/tests}), one process per test module,
 * all at once: they mostly wait (on their own servers, timeouts and moto), so together they take as long as
 * the slowest module, and as an IT they run beside the other ITs' stacks. Each module's output is in
 * {@code target/local-stack-tests/<module>.log}; a failure shows its end. (Alone, as before:
 * {@code cd infra/local && python3 -m unittest discover --start-directory tests --top-level-directory .})
 */
class LocalStackOwnTestsIT {

    private static final Path TESTS = Path.of("infra/local/tests");
    private static final Path LOGS = Path.of("target/local-stack-tests");

    @Test
    void everyModulePasses() throws Exception {
        Files.createDirectories(LOGS);
        List<String> modules;
        try (Stream<Path> files = Files.list(TESTS)) {
            modules = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("test_") && n.endsWith(".py"))
                    .map(n -> n.substring(0, n.length() - 3)).sorted().toList();
        }
        assertFalse(modules.isEmpty(), "no test modules in " + TESTS);

        Map<String, Process> running = new LinkedHashMap<>();
        for (String module : modules) {
            running.put(module, new ProcessBuilder("python3", "-m", "unittest", "tests." + module)
                    .directory(new File("infra/local")).redirectErrorStream(true)
                    .redirectOutput(LOGS.resolve(module + ".log").toFile()).start());
        }
        List<String> failed = new ArrayList<>();
        try {
            for (Map.Entry<String, Process> m : running.entrySet()) {
                if (!m.getValue().waitFor(10, TimeUnit.MINUTES)) {
                    failed.add(m.getKey() + " did not finish within 10 minutes");
                } else if (m.getValue().exitValue() != 0) {
                    failed.add(m.getKey() + " failed:\n" + tail(LOGS.resolve(m.getKey() + ".log")));
                } else {
                    System.out.println("infra/local/tests/" + m.getKey() + ".py: " + summary(LOGS.resolve(m.getKey() + ".log")));
                }
            }
        } finally {
            running.values().forEach(Process::destroy);
        }
        if (!failed.isEmpty()) {
            fail(String.join("\n\n", failed));
        }
    }

    /** unittest's "Ran N tests in Xs" and "OK" lines. */
    private static String summary(Path log) throws IOException {
        return String.join(", ", Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith("Ran ") || l.startsWith("OK")).toList());
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
