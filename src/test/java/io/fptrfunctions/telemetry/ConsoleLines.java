package io.fptrfunctions.telemetry;

import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The lines the console handler writes while it is open, exactly: each record goes through the console's
 * own filter and formatter (the JSON one when {@code quarkus.log.console.json.enabled}), as configured.
 */
public final class ConsoleLines extends ExtHandler implements AutoCloseable {

    private final Logger root = LogContext.getLogContext().getLogger("");
    private final Handler console;
    private final List<String> lines = new ArrayList<>();
    private final List<Record> records = new ArrayList<>();

    /** A record as the console saw it: its logger, message and MDC (the invocation's fields included). */
    public record Record(String logger, String message, Map<String, String> mdc) {
    }

    private ConsoleLines() {
        console = consoleHandler(root.getHandlers());
        if (console == null) {
            throw new IllegalStateException("no console handler on the root logger");
        }
        setLevel(Level.ALL);
        root.addHandler(this);
    }

    public static ConsoleLines capture() {
        return new ConsoleLines();
    }

    /** The console handler, looked for under Quarkus's wrappers (the delayed handler holds the real ones). */
    private static Handler consoleHandler(Handler[] handlers) {
        for (Handler h : handlers) {
            if (h instanceof org.jboss.logmanager.handlers.ConsoleHandler) {
                return h;
            }
            if (h instanceof ExtHandler ext) {
                Handler inner = consoleHandler(ext.getHandlers());
                if (inner != null) {
                    return inner;
                }
            }
        }
        return null;
    }

    public Formatter formatter() {
        return console.getFormatter();
    }

    @Override
    protected void doPublish(ExtLogRecord record) {
        if (!console.isLoggable(record)) {   // its level and its filter, which stamps the invocation's fields
            return;
        }
        String line = console.getFormatter().format(record);
        synchronized (lines) {
            lines.add(line.endsWith("\n") ? line.substring(0, line.length() - 1) : line);
            records.add(new Record(record.getLoggerName(), record.getFormattedMessage(), record.getMdcCopy()));
        }
    }

    public List<Record> records() {
        synchronized (lines) {
            return List.copyOf(records);
        }
    }

    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void close() {
        root.removeHandler(this);
    }
}
