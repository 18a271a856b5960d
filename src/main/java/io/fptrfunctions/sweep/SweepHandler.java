package io.fptrfunctions.sweep;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.deadline.LambdaDeadlines;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.http.Problems;
import io.fptrfunctions.telemetry.Invocations;
import io.fptrfunctions.telemetry.Metric;
import io.fptrfunctions.telemetry.Metrics;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.jboss.logging.Logger;

import java.time.Clock;

/**
 * The sweep's Lambda entry: EventBridge's Scheduled Event (or an empty body) runs the scheduled catch-up,
 * a backfill body walks history ({@link SweepRequestReader}). The answer is the run's
 * {@link SweepAnswer}; a request it refuses, or a run that could not start, is answered with the problem
 * as JSON ({@code type, title, status, detail, pointer}) and logged, never thrown: a scheduled run that
 * failed is caught up by the next one, which a retry from Lambda would only race.
 */
@Named(SweepHandler.FUNCTION)
public class SweepHandler implements RequestHandler<JsonNode, JsonNode> {

    /** The handler's name: what QUARKUS_LAMBDA_HANDLER picks, and the function in log lines and metrics. */
    static final String FUNCTION = "sweep";

    private static final Logger LOG = Logger.getLogger(SweepHandler.class);

    @Inject
    SweepService sweep;

    @Inject
    ObjectMapper mapper;

    @Inject
    Clock clock;

    @Inject
    Metrics metrics;

    @Inject
    Invocations invocations;

    /** Lambda's remaining time less {@code fptr.deadline.margin}, as every handler takes it. */
    @Inject
    LambdaDeadlines deadlines;

    @Override
    public JsonNode handleRequest(JsonNode event, Context context) {
        return invocations.run(FUNCTION, context, () -> sweep(event, context));
    }

    private JsonNode sweep(JsonNode event, Context context) {
        String requestId = context == null ? "-" : context.getAwsRequestId();
        try {
            SweepRequest request = SweepRequestReader.read(event, clock);
            SweepAnswer answer = sweep.run(request, deadlines.of(context), requestId);
            if (answer.error() != null) {
                metrics.count(Metric.SWEEP_FAILED);   // an answer, not a Lambda error: SweepFailedAlarm watches this
            }
            return mapper.valueToTree(answer);
        } catch (ProblemException e) {
            LOG.warnf("sweep: not run: %d %s: %s", e.status(), e.title(), e.detail());
            countFailed(e.status());
            return e.body(mapper);
        } catch (RuntimeException e) {
            ProblemException problem = Problems.of(e, requestId);
            if (problem.status() == 500 && problem.getCause() == null) {
                LOG.errorf(e, "sweep: failed (request %s)", requestId);   // a bug: its stack trace in the log, not the answer
            } else {
                LOG.warnf("sweep: not run: %d %s: %s", problem.status(), problem.title(), problem.detail());
            }
            countFailed(problem.status());
            return problem.body(mapper);
        }
    }

    /** A run that could not start on our side or upstream's (not configured, FPTR down) failed; a bad backfill body did not. */
    private void countFailed(int status) {
        if (status >= 500) {
            metrics.count(Metric.SWEEP_FAILED);
        }
    }
}
