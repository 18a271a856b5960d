package io.fptrfunctions.notes;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** {@code fptr.notes.*}: note-search's settings (a group of {@code io.fptrfunctions.config.FunctionsConfig}). */
public interface NotesConfig {

    /** Pages in flight at once after the first two (FPTR's cost is per call, not per row). */
    @WithDefault("4")
    int parallelPages();

    /** A smaller page than FPTR's maximum ({@code fptr.max-page-size}), if ever needed. */
    Optional<Integer> pageSize();

    /**
     * The largest answer body, as it will sit (JSON-escaped) inside the Lambda response, which cannot
     * exceed 6 MB. A bigger result is refused with advice rather than failing inside Lambda.
     */
    @WithDefault("6000000")
    long maxResponseBytes();

    /** A project named by name is resolved to its id once and kept this long (ProjectNames). */
    @WithDefault("5m")
    Duration projectNameTtl();
}
