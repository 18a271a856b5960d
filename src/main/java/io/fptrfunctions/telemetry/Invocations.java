package io.fptrfunctions.telemetry;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Begins and ends invocations: the first of the process is the cold start; each gets the log fields its
 * lines carry and, at its end, at most one metrics line in CloudWatch's Embedded Metric Format, printed
 * to stdout as it is (Lambda sends stdout to CloudWatch Logs, which turns the line into metrics; no agent,
 * no client, no call). HTTP functions go through {@code HttpApiAdapter}, which also writes their access
 * line; other handlers (a queue's, a schedule's) wrap their work in {@link #run}.
 */
@ApplicationScoped
public class Invocations {

    private static final Logger LOG = Logger.getLogger(Invocations.class);
    /** The per-invocation access lines' category, so operators can raise or lower it alone. */
    public static final Logger ACCESS = Logger.getLogger("io.fptrfunctions.access");

    public static final String DURATION_MS = "duration_ms";

    /** CloudWatch namespaces: letters, digits and . - _ / # :, at most 255, not AWS's own "AWS/". */
    private static final Pattern NAMESPACE = Pattern.compile("(?!AWS/)[A-Za-z0-9._#:/-]{1,255}");
    /** Lambda request ids and FPTR's x-request-id are short tokens; anything else is not copied into lines. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:/=+-]{1,128}");

    @Inject
    MetricsConfig config;

    @Inject
    ObjectMapper mapper;

    private final AtomicBoolean warm = new AtomicBoolean();
    private final AtomicBoolean badNamespaceReported = new AtomicBoolean();

    /**
     * Starts an invocation of {@code function}, the handler's name (what QUARKUS_LAMBDA_HANDLER picks in the
     * deployment: token, note-search...); context may be null: no Lambda request id. Pair with {@link #end}.
     */
    public Invocation begin(String function, Context context) {
        boolean coldStart = !warm.getAndSet(true);
        Invocation invocation = new Invocation(function, id(context == null ? null : context.getAwsRequestId()), coldStart);
        if (coldStart) {
            invocation.takeOverStartUp();
        }
        invocation.makeCurrent();
        return invocation;
    }

    /** Writes the invocation's metrics line (if it counted anything) and forgets it. Never throws. */
    public void end(Invocation invocation) {
        try {
            metricsLine(invocation).ifPresent(System.out::println);
        } catch (RuntimeException e) {
            LOG.warnf("The metrics line of this invocation could not be written: %s", e.toString());
        } finally {
            invocation.release();
        }
    }

    /** A handler that is not HTTP: its work as one invocation, ended by one line with its duration. */
    public <T> T run(String function, Context context, Supplier<T> work) {
        Invocation invocation = begin(function, context);
        try {
            return work.get();
        } finally {
            long ms = invocation.elapsedMillis();
            MDC.put(DURATION_MS, String.valueOf(ms));
            try {
                ACCESS.infof("%s invocation done in %d ms", invocation.function(), ms);
            } finally {
                MDC.remove(DURATION_MS);
            }
            end(invocation);
        }
    }

    /** Sets a field of the current invocation's later log lines (an id only: anything else is dropped). */
    public void tagId(String field, String value) {
        Invocation invocation = Invocation.current();
        String id = id(value);
        if (invocation != null && id != null) {
            invocation.put(field, id);
        }
    }

    /** Removes a field from the current invocation's later log lines (a batch's job done, its delivery id goes). */
    public void untag(String field) {
        Invocation invocation = Invocation.current();
        if (invocation != null) {
            invocation.put(field, null);
        }
    }

    /** The metrics line, or nothing when metrics are off or nothing was counted. */
    Optional<String> metricsLine(Invocation invocation) {
        Map<Metric, Object> metrics = invocation.metrics();
        if (!config.enabled() || metrics.isEmpty() || !validNamespace()) {
            return Optional.empty();
        }
        ObjectNode line = mapper.createObjectNode();
        ObjectNode aws = line.putObject("_aws");
        aws.put("Timestamp", System.currentTimeMillis());   // wall time (not the injectable Clock tests move)
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", config.namespace());
        directive.putArray("Dimensions").addArray().add("Function");
        ArrayNode definitions = directive.putArray("Metrics");
        line.put("Function", invocation.function());
        metrics.forEach((metric, value) -> {
            definitions.addObject().put("Name", metric.metricName()).put("Unit", metric.unit().cloudWatchName());
            if (value instanceof List<?> values) {
                ArrayNode array = line.putArray(metric.metricName());
                values.forEach(v -> array.add((Long) v));
            } else {
                line.put(metric.metricName(), (Long) value);
            }
        });
        String requestId = invocation.field(Invocation.AWS_REQUEST_ID);
        if (requestId != null) {
            line.put(Invocation.AWS_REQUEST_ID, requestId);   // a property, not a dimension: joins the line to the logs
        }
        return Optional.of(line.toString());
    }

    private boolean validNamespace() {
        if (NAMESPACE.matcher(config.namespace()).matches()) {
            return true;
        }
        if (!badNamespaceReported.getAndSet(true)) {
            LOG.errorf("fptr.metrics.namespace '%s' is not a CloudWatch namespace (letters, digits, . - _ / # :, at most "
                    + "255, not AWS/...): no metrics are written", config.namespace());
        }
        return false;
    }

    private static String id(String value) {
        return value != null && ID.matcher(value).matches() ? value : null;
    }
}
