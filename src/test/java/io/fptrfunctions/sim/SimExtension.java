package io.fptrfunctions.sim;

/**
 * A part of the simulator that lives in its own classes ({@link SimMedia} and {@link LocalFileLinks}
 * are built in this way). Other implementations are found with {@link java.util.ServiceLoader}: list
 * the class name in a {@code META-INF/services/io.fptrfunctions.sim.SimExtension} on the classpath.
 * {@link #install} runs once per simulator, before the seed is loaded; use {@link FptrSimulator#route},
 * {@link FptrSimulator#apiRoute}, {@link FptrSimulator#fieldHooks()}, {@link FptrSimulator#onReset}
 * and {@link SimStore#addListener}.
 */
public interface SimExtension {
    void install(FptrSimulator sim);
}
