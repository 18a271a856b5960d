package io.fptrfunctions.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.MDC;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An invocation's fields, its metrics line and its end, without Quarkus (a handler calls them the same way). */
class InvocationsTest {

    private static Invocations invocations(String namespace, boolean enabled) {
        Invocations invocations = new Invocations();
        invocations.config = new MetricsConfig() {
            @Override
            public String namespace() {
                return namespace;
            }

            @Override
            public boolean enabled() {
                return enabled;
            }
        };
        invocations.mapper = new ObjectMapper();
        return invocations;
    }

    @Test
    void aRunIsOneInvocationWhoseCountsMakeOneValidMetricsLine() {
        Invocations invocations = invocations("studio/fptr-functions", true);
        Metrics metrics = new Metrics();
        JsonNode line = EmfLines.of(() -> assertEquals("done", invocations.run("thumbnail-worker", null, () -> {
            metrics.count(Metric.FPTR_CALLS_OK);
            metrics.add(Metric.FPTR_CALLS_OK, 2);
            metrics.add(Metric.BYTES_COPIED, 1_000_000);
            for (int i = 0; i < 120; i++) {
                metrics.add(Metric.COPY_TIME, i);
            }
            return "done";
        })));

        assertEquals("studio/fptr-functions", line.at("/_aws/CloudWatchMetrics/0/Namespace").asText());
        assertEquals("thumbnail-worker", line.get("Function").asText());
        assertEquals(1, line.get("ColdStart").asInt(), "the first invocation of this process");
        assertEquals(3, line.get("FptrCallsOk").asInt());
        assertEquals(1_000_000, line.get("BytesCopied").asLong());
        assertEquals(100, line.get("CopyTime").size(), "EMF takes 100 values of a metric in one line");
        assertEquals(Set.of("ColdStart", "FptrCallsOk", "BytesCopied", "CopyTime"), EmfLines.declared(line));
        assertNull(Invocation.current(), "the run ended the invocation");

        JsonNode warm = EmfLines.of(() -> invocations.run("thumbnail-worker", null, () -> {
            metrics.count(Metric.TOKEN_CACHE_HITS);
            return null;
        }));
        assertEquals(Set.of("TokenCacheHits"), EmfLines.declared(warm), "a warm invocation is no cold start");
    }

    @Test
    void aFailedRunStillEndsItsInvocation() {
        Invocations invocations = invocations("fptr-functions", true);
        try (EmfLines emf = EmfLines.capture()) {
            assertThrows(IllegalStateException.class, () -> invocations.run("thumbnail-worker", null, () -> {
                new Metrics().count(Metric.FPTR_CALLS_UNAVAILABLE);
                throw new IllegalStateException("the work failed");
            }));
            assertEquals(1, emf.only().get("FptrCallsUnavailable").asInt(), "what it counted is still written");
        }
        assertNull(Invocation.current());
    }

    @Test
    void noLineWhenNothingWasCountedMetricsAreOffOrTheNamespaceIsNotCloudWatchs() {
        Invocations warm = invocations("fptr-functions", true);
        warm.end(warm.begin("thumbnail-worker", null));   // the cold start, counted
        for (Invocations each : List.of(warm, invocations("fptr-functions", false), invocations("AWS/Lambda", true),
                invocations("with space", true))) {
            try (EmfLines emf = EmfLines.capture()) {
                Invocation invocation = each.begin("thumbnail-worker", null);
                if (each != warm) {
                    new Metrics().count(Metric.TOKEN_MINTS);
                }
                each.end(invocation);
                assertEquals(List.of(), emf.lines());
            }
        }
    }

    @Test
    void countsOutsideAnInvocationAreDropped() {
        new Metrics().count(Metric.TOKEN_MINTS);   // a test calling a service directly: nothing to write to
        Invocations invocations = invocations("fptr-functions", true);
        invocations.end(invocations.begin("thumbnail-worker", null));
        Invocation next = invocations.begin("thumbnail-worker", null);
        assertEquals(Set.of(), next.metrics().keySet());
        invocations.end(next);
    }

    @Test
    void inLambdaWhatTheStartUpCountedIsTheColdStartsAndOnlyItsOwn() {
        Invocation.countStartUp();   // as in a Lambda execution environment (AWS_LAMBDA_RUNTIME_API set)
        Metrics metrics = new Metrics();
        metrics.count(Metric.TOKEN_MINTS);   // a token fetched while the function starts
        metrics.add(Metric.COPY_TIME, 7);
        Invocations invocations = invocations("fptr-functions", true);
        JsonNode cold = EmfLines.of(() -> invocations.run("thumbnail-worker", null, () -> {
            metrics.count(Metric.FPTR_CALLS_OK);
            return null;
        }));
        assertEquals(Set.of("ColdStart", "TokenMints", "CopyTime", "FptrCallsOk"), EmfLines.declared(cold), cold.toString());
        assertEquals(7, EmfLines.value(cold, "CopyTime"));

        metrics.count(Metric.TOKEN_MINTS);   // between invocations: nobody's
        JsonNode warm = EmfLines.of(() -> invocations.run("thumbnail-worker", null, () -> {
            metrics.count(Metric.TOKEN_CACHE_HITS);
            return null;
        }));
        assertEquals(Set.of("TokenCacheHits"), EmfLines.declared(warm), warm.toString());
    }

    @Test
    void theFilterStampsTheInvocationsFieldsOnRecordsOfAnyThreadAndOnlyDuringIt() throws Exception {
        Invocations invocations = invocations("fptr-functions", true);
        InvocationLogFilter filter = new InvocationLogFilter();
        Invocation invocation = invocations.begin("thumbnail-worker", null);
        invocations.tagId(Invocation.FPTR_REQUEST_ID, "6a0d36dd-c9fa-4f38-997f-e363752825b4");
        invocations.tagId(Invocation.DELIVERY_ID, "not an id\nforged: line");   // dropped: not an id
        ExtLogRecord[] onAnotherThread = new ExtLogRecord[1];
        Thread page = new Thread(() -> {
            onAnotherThread[0] = new ExtLogRecord(Level.INFO, "page 2", ExtLogRecord.FormatStyle.NO_FORMAT, getClass().getName());
            filter.isLoggable(onAnotherThread[0]);
        });
        page.start();
        page.join();
        MDC.put(Invocation.FUNCTION, "set by the thread");
        ExtLogRecord own = new ExtLogRecord(Level.INFO, "line", ExtLogRecord.FormatStyle.NO_FORMAT, getClass().getName());
        own.copyMdc();   // as the logger does when it takes the record
        MDC.remove(Invocation.FUNCTION);
        assertTrue(filter.isLoggable(own), "the filter never drops a record");
        invocations.end(invocation);
        ExtLogRecord after = new ExtLogRecord(Level.INFO, "after", ExtLogRecord.FormatStyle.NO_FORMAT, getClass().getName());
        filter.isLoggable(after);

        assertEquals("thumbnail-worker", onAnotherThread[0].getMdc(Invocation.FUNCTION));
        assertEquals("6a0d36dd-c9fa-4f38-997f-e363752825b4", onAnotherThread[0].getMdc(Invocation.FPTR_REQUEST_ID));
        assertEquals("true", onAnotherThread[0].getMdc(Invocation.COLD_START));
        assertNull(onAnotherThread[0].getMdc(Invocation.DELIVERY_ID));
        assertEquals("set by the thread", own.getMdc(Invocation.FUNCTION), "a field of the thread's own MDC wins");
        assertNull(after.getMdc(Invocation.FUNCTION), "an ended invocation stamps nothing");
    }
}
