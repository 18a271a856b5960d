package io.fptrfunctions.sim;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the simulator's own HTTP tests: one simulator per test class on the demo site the Quarkus tests
 * use ({@link FptrSimTestResource#demoSite()}), reset before each test, and a client already holding a
 * token. A test class that needs another start of each test overrides {@link #reset()}.
 */
abstract class SimHttpTest {

    static FptrSimulator sim;
    SimClient c;

    @BeforeAll
    static void start() throws Exception {
        sim = FptrSimulator.start(FptrSimTestResource.demoSite());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.reset();
        c = new SimClient(sim).login();
    }
}
