package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed article's flow, as its readers run it: the standalone simulator ({@code java -jar
 * target/fptr-sim.jar}, what {@code infra/local/fptr-sim} runs) and the Python {@code requests} script
 * {@code infra/local/seed_article_flow.py} (token with client_credentials, a HumanUser by name with
 * _search, that user's Notes, a Note's image with {@code ?alt=original}). Needs python3 with
 * {@code requests}, like the rest of the build.
 */
class SeedArticleFlowIT {

    private static FptrSimJarIT.Running simulator;
    private static String site;

    @BeforeAll
    static void startStandaloneSimulator() throws Exception {
        simulator = FptrSimJarIT.Running.start(Path.of("target/seed-article-flow/fptr-sim.log"), "--port", "0");
        site = simulator.url;
    }

    @AfterAll
    static void stopSimulator() throws InterruptedException {
        if (simulator != null) {
            simulator.close();
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
