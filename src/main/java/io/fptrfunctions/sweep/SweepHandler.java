package io.fptrfunctions.sweep;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.http.Problems;
import io.fptrfunctions.telemetry.Invocations;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The sweep's Lambda entry: EventBridge's Scheduled Event (or an empty body) runs the scheduled catch-up,
 * a backfill body walks history ({@link SweepRequestReader}). The answer is the run's
 * {@link SweepAnswer}; a request it refuses, or a run that could not start, is answered with the problem
 * as JSON ({@code type, title, status, detail, pointer}) and logged, never thrown: a scheduled run that
 * failed is caught up by the next one, which a retry from Lambda would only race.
 */
@Named("sweep")
public class SweepHandler implements RequestHandler<JsonNode, JsonNode> {

    private static final Logger LOG = Logger.getLogger(SweepHandler.class);
    /** Lambda gives a function 15 minutes at most; a remaining time outside (0, 15 min] means no deadline was sent. */
    private static final Duration MOST_LAMBDA_GIVES = Duration.ofMinutes(15);

    @Inject
    SweepService sweep;

    @Inject
    ObjectMapper mapper;

    @Inject
    Clock clock;

    @Inject
    Invocations invocations;

    @Override
    public JsonNode handleRequest(JsonNode event, Context context) {
        return invocations.run(context, () -> sweep(event, context));
    }

    private JsonNode sweep(JsonNode event, Context context) {
        String requestId = context == null ? "-" : context.getAwsRequestId();
        try {
            SweepRequest request = SweepRequestReader.read(event, clock);
            return mapper.valueToTree(sweep.run(request, deadline(context), requestId));
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

    /**
     * When Lambda cuts this invocation. (Quarkus's mock event server, which the tests use, sends no deadline,
     * and its context then answers nonsense: anything outside what Lambda can give counts as 15 minutes.)
     */
    private Instant deadline(Context context) {
        long ms = context == null ? 0 : context.getRemainingTimeInMillis();
        Duration left = ms > 0 && ms <= MOST_LAMBDA_GIVES.toMillis() ? Duration.ofMillis(ms) : MOST_LAMBDA_GIVES;
        return clock.instant().plus(left);
    }
}
