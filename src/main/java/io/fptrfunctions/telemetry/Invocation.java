package io.fptrfunctions.telemetry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One invocation of the function: the fields every log line written during it carries (see
 * {@link InvocationLogFilter}) and the metrics it counted, written as one EMF line at its end.
 *
 * <p>A Lambda execution environment runs one invocation at a time, so the process has at most one current
 * invocation; it is held here rather than per thread because the functions also work on threads of their
 * own (note-search's pages, upload's parts), whose lines and counts belong to the same invocation.
 */
public final class Invocation {

    /** Log field names (keys of each line's {@code mdc} object). */
    public static final String FUNCTION = "function";
    /** Lambda's request id, under the name Quarkus's own Lambda poll loop gives it (tests, native builds), so it is one field. */
    public static final String AWS_REQUEST_ID = "AWSRequestId";
    public static final String API_REQUEST_ID = "api_request_id";
    public static final String ROUTE = "route";
    public static final String COLD_START = "cold_start";
    public static final String FPTR_REQUEST_ID = "fptr_request_id";
    public static final String DELIVERY_ID = "delivery_id";

    /** EMF takes at most 100 values of one metric in one line. */
    static final int MAX_VALUES = 100;

    private static final AtomicReference<Invocation> CURRENT = new AtomicReference<>();
    /**
     * In a Lambda execution environment (Lambda, the local stack: AWS_LAMBDA_RUNTIME_API is set), what the
     * process counted before its first invocation (work done while the function starts, such as a token
     * fetched ahead), which the cold-start invocation takes over. After that, and outside Lambda (tests
     * calling a service directly), counts outside an invocation are dropped.
     */
    private static final AtomicReference<Invocation> BEFORE_FIRST = new AtomicReference<>();

    static {
        if (System.getenv("AWS_LAMBDA_RUNTIME_API") != null) {
            countStartUp();
        }
    }

    /** From now until the next cold start, counts outside an invocation are the start-up's. */
    static void countStartUp() {
        BEFORE_FIRST.set(new Invocation("start", null, false));
    }

    private final String function;
    private final long startedNanos = System.nanoTime();
    private final Map<String, String> fields = new LinkedHashMap<>();
    private final Map<Metric, Long> sums = new EnumMap<>(Metric.class);
    private final Map<Metric, List<Long>> values = new EnumMap<>(Metric.class);

    Invocation(String function, String awsRequestId, boolean coldStart) {
        this.function = function;
        fields.put(FUNCTION, function);
        if (awsRequestId != null) {
            fields.put(AWS_REQUEST_ID, awsRequestId);
        }
        fields.put(COLD_START, String.valueOf(coldStart));
        if (coldStart) {
            count(Metric.COLD_START, 1);
        }
    }

    /** The invocation running now, or null (outside one: start-up, a test calling a service directly). */
    static Invocation current() {
        return CURRENT.get();
    }

    /** Where a count goes: the current invocation, or before the first one the start-up's; else nowhere (null). */
    static Invocation counting() {
        Invocation current = CURRENT.get();
        return current != null ? current : BEFORE_FIRST.get();
    }

    /** The cold start takes over what the start-up counted. */
    void takeOverStartUp() {
        Invocation startUp = BEFORE_FIRST.getAndSet(null);
        if (startUp != null) {
            startUp.metrics().forEach((metric, value) -> {
                if (value instanceof List<?> list) {
                    list.forEach(v -> count(metric, (Long) v));
                } else {
                    count(metric, (Long) value);
                }
            });
        }
    }

    void makeCurrent() {
        CURRENT.set(this);
    }

    void release() {
        CURRENT.compareAndSet(this, null);
    }

    public String function() {
        return function;
    }

    public long elapsedMillis() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    /** Adds or replaces a field of every later log line of this invocation (a null value removes it). */
    public synchronized void put(String field, String value) {
        if (value == null) {
            fields.remove(field);
        } else {
            fields.put(field, value);
        }
    }

    synchronized String field(String field) {
        return fields.get(field);
    }

    synchronized Map<String, String> fields() {
        return new LinkedHashMap<>(fields);
    }

    synchronized void count(Metric metric, long amount) {
        if (metric.summed()) {
            sums.merge(metric, amount, Long::sum);
        } else {
            List<Long> list = values.computeIfAbsent(metric, m -> new ArrayList<>());
            if (list.size() < MAX_VALUES) {
                list.add(amount);
            }
        }
    }

    /** Summed metrics with their total, others with their values, in the enum's order. */
    synchronized Map<Metric, Object> metrics() {
        Map<Metric, Object> all = new EnumMap<>(Metric.class);
        sums.forEach(all::put);
        values.forEach((metric, list) -> all.put(metric, Collections.unmodifiableList(new ArrayList<>(list))));
        return all;
    }
}
