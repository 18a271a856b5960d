package io.fptrfunctions.thumbnailworker;

import java.time.Duration;

/** How long a job waits before its next try. */
final class Delays {

    private Delays() {
    }

    /**
     * While FPTR still makes the thumbnail: half the time waited so far, within {@code [min, max]}. FPTR usually
     * needs 20-40 s, so the first looks come every {@code min}; one that takes longer is looked at less often.
     */
    static Duration pending(Duration waited, Duration min, Duration max) {
        return clamp(waited.dividedBy(2), min, max);
    }

    /** After the {@code receiveCount}-th receive failed: {@code min}, doubling with each receive, at most {@code max}. */
    static Duration failure(int receiveCount, Duration min, Duration max) {
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
