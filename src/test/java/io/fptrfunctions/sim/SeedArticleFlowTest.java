package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed article's flow, as its readers run it: the standalone simulator ({@code infra/local/fptr-sim})
 * and the Python {@code requests} script {@code infra/local/seed_article_flow.py} (token with
 * client_credentials, a HumanUser by name with _search, that user's Notes, a Note's image with
 * {@code ?alt=original}). Needs python3 with {@code requests}, like the rest of the build.
 */
class SeedArticleFlowTest {

    private static final Pattern LISTENING = Pattern.compile("FPTR simulator listening on (http://127\\.0\\.0\\.1:\\d+)");
    private static Process simulator;
    private static String site;

    @BeforeAll
    static void startStandaloneSimulator() throws Exception {
        Path log = Path.of("target/seed-article-flow/fptr-sim.log");
        Files.createDirectories(log.getParent());
        simulator = new ProcessBuilder("infra/local/fptr-sim", "--port", "0")
                .redirectError(ProcessBuilder.Redirect.to(log.toFile()))
                .start();
        // The launcher may compile first (it checks its own stamp); allow for it. One thread reads the
        // simulator's output to its end, so the simulator never blocks on a full pipe.
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(simulator.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        url.complete(m.group(1));
                    }
                }
            } catch (IOException ignored) {
                // the simulator stopped
            }
            url.complete(null);
        }, "fptr-sim-output");
        reader.setDaemon(true);
        reader.start();
        site = url.get(240, TimeUnit.SECONDS);
        assertTrue(site != null, "infra/local/fptr-sim did not start; see " + log);
    }

    @AfterAll
    static void stopSimulator() throws InterruptedException {
        if (simulator != null) {
            simulator.descendants().forEach(ProcessHandle::destroy);
            simulator.destroy();
            if (!simulator.waitFor(10, TimeUnit.SECONDS)) {
                simulator.destroyForcibly();
            }
        }
    }

    @Test
    void janeDoesNoteImageIsDownloadedWithRequests() throws Exception {
        Path out = Path.of("target/seed-article-flow/download");
        Result r = runScript("--site", site, "--user", "Jane Doe", "--out", out.toString());
        assertEquals(0, r.exit(), "the flow failed: " + r.stderr());
        JsonNode report = SimJson.parse(r.stdout().trim().getBytes(StandardCharsets.UTF_8));
        assertEquals(88, report.at("/user/id").asInt());
        assertEquals(3, report.get("notes").asInt(), "Jane Doe is the author of Notes 7003, 7004 and 7006");
        assertEquals(2, report.get("notes_with_image").asInt());
        assertEquals("image/png", report.at("/download/content_type").asText());

        byte[] file = Files.readAllBytes(Path.of(report.at("/download/path").asText()));
        assertEquals(report.at("/download/size").asLong(), file.length);
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(file, 4), "a PNG file");
    }

    @Test
    void unknownUserFailsWithAClearReason() throws Exception {
        Result r = runScript("--site", site, "--user", "Nobody Here");
        assertEquals(1, r.exit());
        assertTrue(r.stderr().contains("No HumanUser is named 'Nobody Here'"), r.stderr());
    }

    @Test
    void wrongScriptKeyFailsAtTheToken() throws Exception {
        Result r = runScript("--site", site, "--script-key", "wrong");
        assertEquals(1, r.exit());
        assertTrue(r.stderr().contains("Could not get an access token (HTTP 400"), r.stderr());
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    private static Result runScript(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("python3", "infra/local/seed_article_flow.py"));
        command.addAll(List.of(args));
        File err = File.createTempFile("seed-article-flow", ".err");
        err.deleteOnExit();
        Process p = new ProcessBuilder(command).redirectError(err).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the script hung");
        String stderr = Files.readString(err.toPath());
        if (stderr.contains("No module named 'requests'")) {
            throw new AssertionError("Python's requests package is missing: pip install requests");
        }
        return new Result(p.exitValue(), stdout, stderr);
    }
}
