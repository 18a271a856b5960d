package io.fptrfunctions.sim;

/**
 * A part of the simulator that lives in its own classes (thumbnails, local files...). Implementations
 * are found with {@link java.util.ServiceLoader}: add the class name as one line to
 * {@code src/test/resources/META-INF/services/io.fptrfunctions.sim.SimExtension}. {@link #install}
 * runs once per simulator, before the seed is loaded; use {@link FptrSimulator#route},
 * {@link FptrSimulator#apiRoute}, {@link FptrSimulator#fieldHooks()}, {@link FptrSimulator#onReset}
 * and {@link SimStore#addListener}.
 */
public interface SimExtension {
    void install(FptrSimulator sim);
}
