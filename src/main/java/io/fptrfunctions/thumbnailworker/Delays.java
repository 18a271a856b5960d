package io.fptrfunctions.thumbnailworker;

import java.time.Duration;

/** How long a job waits before its next try. */
public final class Delays {

    private Delays() {
    }

    /**
     * While FPTR still makes the thumbnail: a third of the time waited so far, within {@code [min, max]}, so
     * the image lands at most {@code min} (10 s), or a third of FPTR's own time, after it is ready. FPTR
     * usually needs 20-40 s: the looks come every 10 s until 30 s, then grow. (Half the time waited, measured
     * first, found images ready at 30-40 s only at 48 s: infra/bench/webhook, p50 10.4 s.)
     */
    static Duration pending(Duration waited, Duration min, Duration max) {
        return clamp(waited.dividedBy(3), min, max);
    }

    /** After the {@code receiveCount}-th receive failed: {@code min}, doubling with each receive, at most {@code max}. */
    public static Duration failure(int receiveCount, Duration min, Duration max) {
        int doublings = Math.min(30, Math.max(0, receiveCount - 1));
        Duration delay = min;
        for (int i = 0; i < doublings && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return clamp(delay, min, max);
    }

    private static Duration clamp(Duration d, Duration min, Duration max) {
        return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
    }
}
