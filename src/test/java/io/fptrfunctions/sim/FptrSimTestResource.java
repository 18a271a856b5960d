package io.fptrfunctions.sim;

import io.fptrfunctions.SecretsCanary;
import io.fptrfunctions.fptr.TestClock;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;

/**
 * One FPTR simulator (demo site) per test JVM, applied to every {@code @QuarkusTest}: it sets
 * {@code fptr.site-url}, {@code fptr.script-name} and {@code fptr.script-key}. Tests reach it through
 * {@link #admin()} and should reset it when they change data, config, clock or faults. (A test that
 * wants a simulator of its own starts one with {@link SimAdmin#startDemo()}.)
 */
@QuarkusTestResource(FptrSimTestResource.class)
public class FptrSimTestResource implements QuarkusTestResourceLifecycleManager {

    /**
     * The demo seed's script (ApiUser), which the app's test config uses, with a canary for its key
     * ({@link SecretsCanary}: a test that logs it fails).
     */
    public static final String SCRIPT_NAME = FptrSimulator.DEMO_SCRIPT_NAME;
    public static final String SCRIPT_KEY = SecretsCanary.SCRIPT_KEY;

    private static FptrSimulator simulator;

    /** The shared simulator, started on first use and stopped when the JVM exits. */
    static synchronized FptrSimulator simulator() {
        if (simulator == null) {
            try {
                simulator = FptrSimulator.start(FptrSimulator.Options.demoSite().script(SCRIPT_NAME, SCRIPT_KEY));
            } catch (IOException e) {
                throw new UncheckedIOException("could not start the FPTR simulator", e);
            }
            FptrSimulator started = simulator;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "fptr-sim-stop"));
        }
        return simulator;
    }

    /** A client of the shared simulator (each call a new one, holding its own bearer). */
    public static SimAdmin admin() {
        return SimAdmin.of(simulator()).credentials(SCRIPT_NAME, SCRIPT_KEY);
    }

    /** {@code http://127.0.0.1:<port>} of the shared simulator. */
    public static String baseUrl() {
        return simulator().baseUrl();
    }

    /**
     * A clean start for a test of the app's FPTR client: simulator reset, circuit breakers closed, every
     * cached token expired (the app's clock moves a day), empty request log.
     */
    public static void freshSite(TestClock clock) {
        SimAdmin sim = admin();
        sim.reset();
        CircuitBreakerMaintenance.get().resetAll();
        clock.advance(Duration.ofDays(1));
        sim.clearRequests();
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
