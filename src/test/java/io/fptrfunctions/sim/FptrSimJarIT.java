package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code target/fptr-sim.jar} as a studio runs it ({@code java -jar}, after {@code ./mvnw package}): it
 * prints its URL, serves the demo site with images and file uploads working (nothing switches them on),
 * honours its options, and holds the simulator and Jackson only.
 */
class FptrSimJarIT {

    static final Path JAR = Path.of("target/fptr-sim.jar");
    private static final Pattern LISTENING = Pattern.compile("FPTR simulator listening on (http://127\\.0\\.0\\.1:\\d+)");

    /** One {@code java -jar target/fptr-sim.jar ...} process; {@link #close()} stops it. */
    static final class Running implements AutoCloseable {
        final Process process;
        final String url;

        private Running(Process process, String url) {
            this.process = process;
            this.url = url;
        }

        static Running start(Path log, String... args) throws Exception {
            assertTrue(Files.isRegularFile(JAR), JAR + " is missing: ./mvnw package builds it");
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", JAR.toString()));
            command.addAll(Arrays.asList(args));
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(log.toFile())).start();
            // one thread reads the output to its end, so the simulator never blocks on a full pipe
            CompletableFuture<String> url = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
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
            }, "fptr-sim-jar-output");
            reader.setDaemon(true);
            reader.start();
            String site = url.get(60, TimeUnit.SECONDS);
            if (site == null) {
                p.destroy();
                throw new AssertionError("java -jar " + JAR + " did not start; see " + log + ": " + Files.readString(log));
            }
            return new Running(p, site);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static Running demo;

    @BeforeAll
    static void startTheJar() throws Exception {
        demo = Running.start(Path.of("target/fptr-sim-jar-it/demo.log"), "--port", "0");
    }

    @AfterAll
    static void stopTheJar() throws InterruptedException {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void portZeroPrintsItsUrlAndServesTheDemoSite() {
        SimAdmin site = SimAdmin.at(demo.url).login();
        assertEquals("Jane Doe", site.get("/api/v1.1/entity/human_users/88?fields=name").json().at("/data/attributes/name").asText());
        assertEquals(8, site.searchArray("Note", "{\"filters\":[[\"project\",\"is\",{\"type\":\"Project\",\"id\":70}]]}")
                .json().get("data").size());
        assertEquals(5000, site.config().get("max_page_size").asInt(), "the admin API answers");
    }

    @Test
    void imagesAndFileUploadsWorkWithoutAnythingSwitchingThemOn() {
        SimAdmin site = SimAdmin.at(demo.url).login();
        String image = site.get("/api/v1.1/entity/notes/7001?fields=image").json().at("/data/attributes/image").asText();
        assertTrue(image.startsWith(demo.url + "/_storage/") && image.contains("X-Amz-Signature="), image);
        byte[] original = site.download(site.location("notes", 7001, "original"));
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(original, 4));

        byte[] movie = "take 2".getBytes(StandardCharsets.UTF_8);
        site.upload("versions", 6002, "sg_uploaded_movie", "take2.mov", "video/quicktime", movie);
        JsonNode value = site.get("/api/v1.1/entity/versions/6002?fields=sg_uploaded_movie").json().at("/data/attributes/sg_uploaded_movie");
        assertArrayEquals(movie, site.download(value.get("url").asText()));
        JsonNode local = site.put("/api/v1.1/entity/versions/6002", "{\"sg_uploaded_movie\":{\"local_path\":\"/mnt/projects/demo/x.mov\"}}")
                .json().at("/data/attributes/sg_uploaded_movie");
        assertEquals("primary", local.at("/local_storage/name").asText(), "local file links are matched to LocalStorages");
        site.reset();
    }

    @Test
    void optionsGiveAnotherSeedScriptAndLatency() throws Exception {
        Path seed = Path.of("target/fptr-sim-jar-it/seed.json");
        Files.createDirectories(seed.getParent());
        Files.writeString(seed, "{\"records\":[{\"type\":\"Project\",\"id\":5,\"name\":\"Tiny\"}]}");
        try (Running tiny = Running.start(Path.of("target/fptr-sim-jar-it/tiny.log"), "--port", "0", "--seed", seed.toString(),
                "--script-name", "my-tool", "--script-key", "k3y", "--latency-ms", "300")) {
            SimAdmin site = SimAdmin.at(tiny.url).credentials("my-tool", "k3y").login();
            long t0 = System.nanoTime();
            JsonNode projects = site.get("/api/v1.1/entity/projects?fields=name").json().get("data");
            assertTrue((System.nanoTime() - t0) / 1_000_000 >= 300, "--latency-ms delays every API call");
            assertEquals(1, projects.size());
            assertEquals("Tiny", projects.at("/0/attributes/name").asText());
            assertEquals(400, SimAdmin.at(tiny.url).form("/api/v1.1/auth/access_token",
                    "grant_type=client_credentials&client_id=fptr-functions&client_secret=demo-script-key-0000").status(),
                    "the demo script is not in this seed");
        }
    }

    /** The README's "Test your own tools against the simulator" session, run as a studio would. */
    @Test
    void theReadmesStudioSessionRunsAsShown() throws Exception {
        Process p = new ProcessBuilder("python3", "infra/local/studio_session.py", demo.url).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the session hung");
        assertEquals(0, p.exitValue(), out);
        for (String line : List.of("1. token: Bearer expires_in 600", "3. notes on tool_sh010: [('tool_sh010: fix the flicker', 'Jane Doe')]",
                "4a. 503 Retry-After: 2 then 200", "4b. read timed out after 0.5 s", "4c. cut mid-body: ChunkedEncodingError",
                "5. delivery: Shotgun_Shot_Change sg_status_list wtg -> ip signature ok",
                "6b. 601 s later the token is refused: 401", "6c. after the reset: 200")) {
            assertTrue(out.contains(line), "missing '" + line + "' in:\n" + out);
        }
    }

    @Test
    void helpAndBadOptionsExplainThemselves() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process help = new ProcessBuilder(java, "-jar", JAR.toString(), "--help").redirectErrorStream(true).start();
        String usage = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(help.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, help.exitValue());
        assertTrue(usage.contains("--port") && usage.contains("--seed") && usage.contains("--latency-ms"), usage);

        Process bad = new ProcessBuilder(java, "-jar", JAR.toString(), "--port", "eighty").redirectErrorStream(true).start();
        String said = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bad.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, bad.exitValue());
        assertTrue(said.contains("--port needs a number, got eighty"), said);
    }

    @Test
    void theJarHoldsTheSimulatorAndJacksonOnly() throws Exception {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            assertEquals("io.fptrfunctions.sim.FptrSimMain", jar.getManifest().getMainAttributes().getValue("Main-Class"));
            assertNotNull(jar.getEntry("sim/demo-seed.json"));
            assertNotNull(jar.getEntry("com/fasterxml/jackson/databind/ObjectMapper.class"));
            List<String> unwanted = jar.stream().map(e -> e.getName()).filter(n -> !n.endsWith("/"))
                    .filter(n -> n.endsWith("Test.class") || n.endsWith("IT.class") || n.contains("SimAdmin")
                            || n.contains("FptrSimTestResource") || n.startsWith("io/quarkus/") || n.startsWith("org/junit/")
                            || n.startsWith("io/fptrfunctions/") && !n.startsWith("io/fptrfunctions/sim/"))
                    .toList();
            assertEquals(List.of(), unwanted);
        }
        try (JarFile function = new JarFile("target/function.zip")) {
            assertFalse(function.stream().anyMatch(e -> e.getName().contains("io/fptrfunctions/sim/")),
                    "the simulator stays out of the deployed function");
        }
    }
}
