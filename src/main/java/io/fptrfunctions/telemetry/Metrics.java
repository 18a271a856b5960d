package io.fptrfunctions.telemetry;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Counts {@link Metric}s into the current invocation, from any thread; before the first invocation into
 * the start-up's counts, which the cold start reports; otherwise outside an invocation (a test calling a
 * service directly) nothing is kept. Cheap: no I/O until the invocation's one EMF line.
 */
@ApplicationScoped
public class Metrics {

    public void count(Metric metric) {
        add(metric, 1);
    }

    /** Adds {@code amount} to a summed metric, or records one value of a per-event metric ({@link Metric#COPY_TIME}). */
    public void add(Metric metric, long amount) {
        Invocation invocation = Invocation.counting();
        if (invocation != null) {
            invocation.count(metric, amount);
        }
    }
}
