package io.fptrfunctions.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What {@code infra/local/up} prints on its standard output while it starts: "name URL" lines, then "ready". */
public final class LocalStackOutput {

    private LocalStackOutput() {
    }

    /** Reads the stack's output into {@code printed} (name → URL) until it prints "ready"; fails if it exits first. */
    public static void readUntilReady(Process stack, Map<String, String> printed) {
        // not closed: the stack keeps writing to it until it stops
        BufferedReader out = new BufferedReader(new InputStreamReader(stack.getInputStream(), StandardCharsets.UTF_8));
        try {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.equals("ready")) {
                    return;
                }
                String[] parts = line.split(" ", 2);
                if (parts.length == 2) {
                    printed.put(parts[0], parts[1]);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("infra/local/up exited before it was ready");
    }
}
