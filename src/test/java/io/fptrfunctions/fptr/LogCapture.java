package io.fptrfunctions.fptr;

import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Collects every log line (message and stack trace) written while it is open, from every logger. */
public final class LogCapture extends ExtHandler implements AutoCloseable {

    private final List<String> lines = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Logger root;

    private LogCapture() {
        root = LogContext.getLogContext().getLogger("");
        setLevel(Level.ALL);
        root.addHandler(this);
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    @Override
    protected void doPublish(ExtLogRecord record) {
        StringBuilder line = new StringBuilder(record.getLoggerName()).append(' ').append(record.getFormattedMessage());
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.append('\n').append(trace);
        }
        synchronized (lines) {
            lines.add(line.toString());
            if (record.getLevel().intValue() == org.jboss.logmanager.Level.WARN.intValue()) {
                warnings.add(line.toString());
            }
        }
    }

    /** The lines written at WARN. */
    public List<String> warnings() {
        synchronized (lines) {
            return List.copyOf(warnings);
        }
    }

    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    public String all() {
        return String.join("\n", lines());
    }

    @Override
    public void close() {
        root.removeHandler(this);
    }
}
