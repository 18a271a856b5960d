package io.fptrfunctions.sim;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the simulator's own HTTP tests: one simulator per test class on the demo site the Quarkus tests
 * use ({@link SimAdmin#startDemo()}: its own port, clock, faults and request log), reset before each
 * test, and a client already holding a token. A test class that needs another start of each test
 * overrides {@link #reset()}.
 */
abstract class SimHttpTest {

    private static SimAdmin server;
    static FptrSimulator sim;
    SimAdmin c;

    @BeforeAll
    static void start() {
        server = SimAdmin.startDemo();
        sim = server.simulator();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        c = SimAdmin.of(sim);
        c.reset();
        c.login();
    }
}
