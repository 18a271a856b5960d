package io.fptrfunctions.lifecycle;

/**
 * Implemented by a bean holding what must never be captured in a Lambda SnapStart snapshot, where one
 * snapshot starts many sandboxes: credentials and tokens with a lifetime (each restore would reuse them,
 * expired), open connections (dead after a restore), random seeds (every restore would draw the same
 * retry jitter). {@link ColdStart} calls it around the checkpoint, only for beans that were created.
 */
public interface SnapshotSafe {

    /** Just before the snapshot: drop what must not be in it. */
    default void beforeSnapshot() {
    }

    /** In each restored sandbox, before its first event. */
    default void afterRestore() {
    }
}
