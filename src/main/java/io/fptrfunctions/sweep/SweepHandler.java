package io.fptrfunctions.sweep;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.deadline.LambdaDeadlines;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.http.Problems;
import io.fptrfunctions.telemetry.Invocations;
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
            return mapper.valueToTree(sweep.run(request, deadlines.of(context), requestId));
        } catch (ProblemException e) {
            LOG.warnf("sweep: not run: %d %s: %s", e.status(), e.title(), e.detail());
            return e.body(mapper);
        } catch (RuntimeException e) {
            ProblemException problem = Problems.of(e, requestId);
            if (problem.status() == 500 && problem.getCause() == null) {
                LOG.errorf(e, "sweep: failed (request %s)", requestId);   // a bug: its stack trace in the log, not the answer
            } else {
                LOG.warnf("sweep: not run: %d %s: %s", problem.status(), problem.title(), problem.detail());
            }
            return problem.body(mapper);
        }
    }
}
