package io.fptrfunctions.sim;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * One FPTR simulator (demo seed) per test JVM, applied to every {@code @QuarkusTest}: it sets
 * {@code fptr.site-url}, {@code fptr.script-name} and {@code fptr.script-key}. Tests reach it with
 * {@link #baseUrl()} and should {@code POST /_sim/reset} when they change data, config or faults.
 */
@QuarkusTestResource(FptrSimTestResource.class)
public class FptrSimTestResource implements QuarkusTestResourceLifecycleManager {

    /** The demo seed's script (ApiUser) credentials. */
    public static final String SCRIPT_NAME = "fptr-functions";
    public static final String SCRIPT_KEY = "demo-script-key-0000";

    private static FptrSimulator simulator;

    /** The demo site: the demo seed, its script accepting {@link #SCRIPT_NAME} / {@link #SCRIPT_KEY}. */
    static FptrSimulator.Options demoSite() throws IOException {
        return new FptrSimulator.Options().seed(FptrSimulator.demoSeed()).script(SCRIPT_NAME, SCRIPT_KEY);
    }

    /** The shared simulator, started on first use and stopped when the JVM exits. */
    public static synchronized FptrSimulator simulator() {
        if (simulator == null) {
            try {
                simulator = FptrSimulator.start(demoSite());
            } catch (IOException e) {
                throw new UncheckedIOException("could not start the FPTR simulator", e);
            }
            FptrSimulator started = simulator;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "fptr-sim-stop"));
        }
        return simulator;
    }

    /** {@code http://127.0.0.1:<port>} of the shared simulator. */
    public static String baseUrl() {
        return simulator().baseUrl();
    }

    @Override
    public Map<String, String> start() {
        return Map.of(
                "fptr.site-url", baseUrl(),
                "fptr.script-name", SCRIPT_NAME,
                "fptr.script-key", SCRIPT_KEY);
    }

    @Override
    public void stop() {
        // lives for the whole test JVM (shutdown hook), not per Quarkus restart
    }
}
