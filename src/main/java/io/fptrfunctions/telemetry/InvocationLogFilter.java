package io.fptrfunctions.telemetry;

import io.quarkus.logging.LoggingFilter;
import org.jboss.logmanager.ExtLogRecord;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Stamps each log record written during an invocation with its fields (function, AWSRequestId,
 * api_request_id, route, cold_start, and FPTR's x-request-id and the webhook delivery id once known) as
 * record MDC, so the JSON formatter writes them in every line's {@code mdc}, whichever thread logged it.
 * A field the thread's own MDC already set is left alone. Installed on the console handler
 * ({@code quarkus.log.console.filter=invocation}); it never drops a record.
 */
@LoggingFilter(name = "invocation")
public final class InvocationLogFilter implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
        Invocation invocation = Invocation.current();
        if (invocation != null && record instanceof ExtLogRecord ext) {
            invocation.fields().forEach((field, value) -> {
                if (ext.getMdc(field) == null) {
                    ext.putMdc(field, value);
                }
            });
        }
        return true;
    }
}
