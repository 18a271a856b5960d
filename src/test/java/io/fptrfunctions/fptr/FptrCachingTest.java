package io.fptrfunctions.fptr;

import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What the caches of tokens and field schemas cost FPTR, counted in the simulator's request log. */
@QuarkusTest
class FptrCachingTest {

    private static final String TOKEN = "/api/v1\\.1/auth/access_token";
    private static final String UNKNOWN_FIELD = "/api/v1\\.1/schema/Note/fields/sg_no_such_field";
    private static final SimAdmin SIM = FptrSimTestResource.admin();

    @Inject
    FptrTokens tokens;

    @Inject
    FieldSchemas schemas;

    @Inject
    FptrConfig config;

    @Inject
    TestClock clock;

    @BeforeEach
    void freshSite() {
        FptrSimTestResource.freshSite(clock);
    }

    @Test
    void concurrentFirstCallsMintOnce() throws Exception {
        // A slow mint, so every caller arrives while it is in flight.
        SIM.fault(Map.of("method", "POST", "path", TOKEN, "times", 1, "latency_ms", 400));

        Set<String> values = new HashSet<>();
        for (AccessToken token : allAtOnce(8, () -> tokens.token(Deadline.none(), null))) {
            values.add(token.value());
        }

        assertEquals(1, values.size(), "every caller got the same token");
        assertEquals(1, SIM.mints());
    }

    @Test
    void aFailedMintIsNotCachedTheNextCallMintsAgain() {
        SIM.fault(Map.of("method", "POST", "path", TOKEN, "times", 1, "status", 500));

        assertThrows(FptrFailure.Refused.class, () -> tokens.token(Deadline.none(), null));
        AccessToken token = tokens.token(Deadline.none(), null);
        AccessToken again = tokens.token(Deadline.none(), null);

        assertFalse(token.value().isBlank());
        assertEquals(token, again, "the successful mint is cached");
        assertEquals(2, SIM.mints(), "the failed mint and one new one");
    }

    @Test
    void anUnknownFieldIsReadOnceForManyRequestsWithinItsNegativeLifetime() throws Exception {
        List<FptrFailure.Refused> refusals = allAtOnce(6, () -> assertThrows(FptrFailure.Refused.class,
                () -> schemas.field(Deadline.none(), "Note", "sg_no_such_field")));
        for (int i = 0; i < 14; i++) {
            refusals.add(assertThrows(FptrFailure.Refused.class, () -> schemas.field(Deadline.none(), "Note", "sg_no_such_field")));
        }

        assertEquals(20, refusals.size());
        refusals.forEach(e -> assertEquals(FptrFailure.Refused.Kind.UNKNOWN_FIELD, e.kind()));
        assertEquals(1, SIM.count("GET", UNKNOWN_FIELD), "20 requests, one read");

        clock.advance(config.unknownFieldTtl().plusSeconds(1));
        assertThrows(FptrFailure.Refused.class, () -> schemas.field(Deadline.none(), "Note", "sg_no_such_field"));
        assertEquals(2, SIM.count("GET", UNKNOWN_FIELD), "read again once the negative entry expired");
    }

    @Test
    void aKnownFieldIsKeptForTheSchemaTtl() {
        assertEquals("text", schemas.dataType(Deadline.none(), "Note", "subject"));
        clock.advance(config.unknownFieldTtl().plusSeconds(1));
        assertEquals("text", schemas.dataType(Deadline.none(), "Note", "subject"));
        assertEquals(1, SIM.count("GET", "/api/v1\\.1/schema/Note/fields/subject"));

        clock.advance(config.schemaCacheTtl());
        schemas.dataType(Deadline.none(), "Note", "subject");
        assertEquals(2, SIM.count("GET", "/api/v1\\.1/schema/Note/fields/subject"));
    }

    /** Runs {@code n} copies of the call released together; their results in order. */
    private static <T> List<T> allAtOnce(int n, Callable<T> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(30, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
