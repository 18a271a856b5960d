package io.fptrfunctions.notes;

import io.fptrfunctions.deadline.Deadline;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;

import java.util.List;
import java.util.Map;

/**
 * Base of the note-search tests against the shared simulator: the {@link NoteFixture} is created before
 * the class's first test (with the simulator's config as it was then), and the simulator is reset after
 * its last, so each test class works on data of its own.
 */
abstract class NoteFixtureTest {

    /** The shared FPTR simulator's admin client. */
    static final SimAdmin SIM = FptrSimTestResource.admin();

    static NoteFixture f;
    /** The simulator's config before the first test, to put back after a test changed it. */
    static Map<String, Object> simConfig;

    @BeforeEach
    void data() {
        if (f == null) {
            f = new NoteFixture();
            simConfig = new ObjectMapper().convertValue(SIM.config(), new TypeReference<Map<String, Object>>() { });
        }
    }

    @AfterAll
    static void resetSimulator() {
        SIM.reset();
        f = null;
    }

    /**
     * After a test that made FPTR fail on purpose: the client's circuit breaker may be open. Waits until
     * one plain call goes through again, so the next test starts with a closed circuit.
     */
    static void awaitClosedCircuit(FptrClient fptr) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try {
                fptr.searchPage(Deadline.none(), "Project", null, List.of("name"), "id", 1, 1);
                return;
            } catch (RuntimeException stillOpen) {
                if (System.currentTimeMillis() > deadline) {
                    throw stillOpen;
                }
                Thread.sleep(200);
            }
        }
    }
}
