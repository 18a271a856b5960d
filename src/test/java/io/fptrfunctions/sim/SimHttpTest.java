package io.fptrfunctions.sim;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the simulator's own HTTP tests: one simulator on the demo seed per test class, reset before
 * each test, and a client already holding a token.
 */
abstract class SimHttpTest {

    static FptrSimulator sim;
    SimClient c;

    @BeforeAll
    static void start() throws Exception {
        sim = FptrSimulator.start(new FptrSimulator.Options().seed(FptrSimulator.demoSeed()));
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
