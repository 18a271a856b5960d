package io.fptrfunctions.sim;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the simulator alone ({@code java -jar target/fptr-sim.jar}, {@code infra/local/fptr-sim}):
 * {@code [--port N] [--seed FILE] [--latency-ms N] [--script-name S --script-key K]}. Prints
 * {@code FPTR simulator listening on http://127.0.0.1:N} on stdout and serves until the process is stopped.
 */
public final class FptrSimMain {

    public static final int DEFAULT_PORT = 8090;

    private FptrSimMain() {
    }

    public static void main(String[] args) throws Exception {
        FptrSimulator.Options options = new FptrSimulator.Options().port(DEFAULT_PORT);
        Path seed = null;
        String scriptName = FptrSimulator.DEMO_SCRIPT_NAME;
        String scriptKey = FptrSimulator.DEMO_SCRIPT_KEY;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                usage(null);
            }
            if (i + 1 >= args.length) {
                usage("missing value for " + a);
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--port" -> options.port(Integer.parseInt(v));
                    case "--seed" -> seed = Path.of(v);
                    case "--latency-ms" -> options.latencyMs(Long.parseLong(v));
                    case "--script-name" -> scriptName = v;
                    case "--script-key" -> scriptKey = v;
                    default -> usage("unknown option " + a);
                }
            } catch (NumberFormatException e) {
                usage(a + " needs a number, got " + v);
            }
        }
        if (seed != null) {
            options.seedFile(seed);
        } else {
            options.seed(FptrSimulator.demoSeed());
        }
        options.script(scriptName, scriptKey);
        FptrSimulator sim = FptrSimulator.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sim.close();
            stopped.countDown();
        }, "fptr-sim-stop"));
        System.out.println("FPTR simulator listening on " + sim.baseUrl());
        System.out.flush();
        System.err.println("fptr-sim: script " + scriptName + " / " + scriptKey + (seed == null ? " on the demo site" : "")
                + "; REST API under " + sim.baseUrl() + "/api/v1.1, admin API under " + sim.baseUrl() + "/_sim (Ctrl-C stops)");
        stopped.await();
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println("fptr-sim: " + problem);
        }
        System.err.println("usage: fptr-sim [--port N (default " + DEFAULT_PORT + ", 0 = any free port)] [--seed FILE]"
                + " [--latency-ms N] [--script-name S --script-key K]");
        System.exit(problem == null ? 0 : 2);
    }
}
