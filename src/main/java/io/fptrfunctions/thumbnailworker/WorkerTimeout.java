package io.fptrfunctions.thumbnailworker;

import io.fptrfunctions.deadline.Deadline;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * A queue worker's check when an invocation starts. Lambda's time is whole then, so less than the worker's
 * {@code min-time-left} is a Timeout set below that setting: every job would be "not started" and sent again, its
 * receive count reset, for ever, and none would reach the dead-letter queue. The batch fails instead (said once in
 * the log, naming both settings) and its jobs stay on the queue.
 */
public final class WorkerTimeout {

    private static final Logger LOG = Logger.getLogger(WorkerTimeout.class);

    private final String worker;
    private final String setting;
    private final String variable;
    private volatile boolean logged;

    /** For the worker named {@code worker} ("thumbnail worker"), whose min-time-left is {@code setting} / {@code variable}. */
    public WorkerTimeout(String worker, String setting, String variable) {
        this.worker = worker;
        this.setting = setting;
        this.variable = variable;
    }

    /** Throws {@link IllegalStateException} when the invocation starts with less than {@code minTimeLeft}. */
    public void requireAtStart(Deadline deadline, Duration minTimeLeft) {
        if (deadline.allows(minTimeLeft)) {
            return;
        }
        String why = "the invocation starts with " + deadline.remaining().toSeconds() + " s (the function's Timeout less "
                + "fptr.deadline.margin), less than " + setting + " (" + minTimeLeft.toSeconds() + " s), so no job would "
                + "ever start; raise the Timeout or lower " + variable;
        if (!logged) {
            logged = true;
            LOG.errorf("The %s is not configured: %s. Every batch fails and stays on the queue", worker, why);
        }
        throw new IllegalStateException("The " + worker + " is not configured: " + why + ".");
    }
}
