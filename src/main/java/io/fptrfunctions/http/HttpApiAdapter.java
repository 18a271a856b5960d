package io.fptrfunctions.http;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.deadline.LambdaDeadlines;
import jakarta.enterprise.context.ApplicationScoped;
import io.fptrfunctions.telemetry.Invocation;
import io.fptrfunctions.telemetry.Invocations;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Shared by every HTTP function: turns the API Gateway v2 event into an {@link ApiRequest}, runs the
 * function, and turns its answer or failure into a response. Failures become problem+json through the
 * one table of {@link Problems}; anything it does not know (a bug, even an {@link Error} such as a stack
 * overflow) becomes a generic 500 problem, logged here with its stack trace and the request id, never
 * shown to the caller and never a crashed invocation.
 *
 * <p>Each call is one {@link Invocation}: its log lines carry the Lambda and API Gateway request ids, the
 * route and the cold-start flag, and it ends with one access line (category {@code io.fptrfunctions.access}:
 * route, status, duration, bytes in and out, the caller's IAM ARN on IAM routes) and its metrics line.
 * Neither holds a body, a header value or a query string.
 */
@ApplicationScoped
public class HttpApiAdapter {

    private static final Logger LOG = Logger.getLogger(HttpApiAdapter.class);
    public static final String PROBLEM_JSON = "application/problem+json";

    /** Field names of the access line (with the invocation's own, see {@link Invocation}). */
    static final String STATUS = "status";
    static final String BYTES_IN = "bytes_in";
    static final String BYTES_OUT = "bytes_out";
    static final String CALLER_ARN = "caller_arn";

    @Inject
    ObjectMapper mapper;

    @Inject
    Invocations invocations;

    @Inject
    LambdaDeadlines deadlines;

    /**
     * Runs {@code function} on the event, within the invocation's deadline (Lambda's remaining time in
     * {@code context} less {@code fptr.deadline.margin}), which the request hands on ({@link ApiRequest#deadline()});
     * {@code name} is the handler's (as QUARKUS_LAMBDA_HANDLER picks it); {@code context} is null in tests
     * that call this directly.
     */
    public APIGatewayV2HTTPResponse handle(String name, APIGatewayV2HTTPEvent event, Context context, Function<ApiRequest, ApiResponse> function) {
        Deadline deadline = deadlines.of(context);
        return invoke(name, event, context, () -> answer(event, deadline, function));
    }

    /**
     * Answers {@code refusal} without running anything, for a function that knows it cannot serve (its
     * configuration is incomplete: logged once where that was found, not once per request).
     */
    public APIGatewayV2HTTPResponse refuse(String name, APIGatewayV2HTTPEvent event, Context context, ProblemException refusal) {
        return invoke(name, event, context, () -> problem(refusal));
    }

    private APIGatewayV2HTTPResponse invoke(String name, APIGatewayV2HTTPEvent event, Context context, Supplier<APIGatewayV2HTTPResponse> answer) {
        Invocation invocation = invocations.begin(name, context);
        if (event != null) {
            invocations.tagId(Invocation.API_REQUEST_ID, event.getRequestContext() == null ? null : event.getRequestContext().getRequestId());
            invocation.put(Invocation.ROUTE, event.getRouteKey());
        }
        APIGatewayV2HTTPResponse response = null;
        try {
            response = answer.get();
            return response;
        } finally {
            access(event, response, invocation);
            invocations.end(invocation);
        }
    }

    private APIGatewayV2HTTPResponse answer(APIGatewayV2HTTPEvent event, Deadline deadline, Function<ApiRequest, ApiResponse> function) {
        if (event == null) {
            return problem(ProblemException.badRequest("No event was given."));
        }
        try {
            ApiResponse answer = function.apply(new ApiRequest(event, deadline));
            return json(answer);
        } catch (Throwable failure) {
            String requestId = requestId(event);
            ProblemException problem = Problems.of(failure, requestId);
            if (Problems.isUnexpected(failure)) {
                LOG.errorf(failure, "%s %s failed unexpectedly", event.getRouteKey(), requestId);
            } else if (problem.status() >= 500) {
                LOG.warnf("%s %s answered %d: %s", event.getRouteKey(), requestId, problem.status(), problem.detail());
            }
            return problem(problem);
        }
    }

    /** The invocation's one access line. (No answer: the invocation failed, which Lambda reports, and API Gateway answers 500.) */
    private static void access(APIGatewayV2HTTPEvent event, APIGatewayV2HTTPResponse response, Invocation invocation) {
        String route = event == null || event.getRouteKey() == null ? "-" : event.getRouteKey();
        int status = response == null ? 500 : response.getStatusCode();
        long ms = invocation.elapsedMillis();
        long in = event == null ? 0 : bytes(event.getBody(), event.getIsBase64Encoded());
        long out = response == null ? 0 : bytes(response.getBody(), response.getIsBase64Encoded());
        String caller = event == null ? null : callerArn(event);
        MDC.put(STATUS, String.valueOf(status));
        MDC.put(Invocations.DURATION_MS, String.valueOf(ms));
        MDC.put(BYTES_IN, String.valueOf(in));
        MDC.put(BYTES_OUT, String.valueOf(out));
        if (caller != null) {
            MDC.put(CALLER_ARN, caller);
        }
        try {
            Invocations.ACCESS.infof("%s %d in %d ms, %d bytes in, %d out%s", route, status, ms, in, out,
                    caller == null ? "" : ", caller " + caller);
        } finally {
            MDC.remove(STATUS);
            MDC.remove(Invocations.DURATION_MS);
            MDC.remove(BYTES_IN);
            MDC.remove(BYTES_OUT);
            MDC.remove(CALLER_ARN);
        }
    }

    /** The IAM authoriser's caller (an ARN API Gateway verified), on IAM routes only. */
    private static String callerArn(APIGatewayV2HTTPEvent event) {
        APIGatewayV2HTTPEvent.RequestContext context = event.getRequestContext();
        if (context == null || context.getAuthorizer() == null || context.getAuthorizer().getIam() == null) {
            return null;
        }
        return context.getAuthorizer().getIam().getUserArn();
    }

    /** A body's size in bytes: base64-decoded, or its UTF-8 encoding, counted without copying it. */
    static long bytes(String body, boolean base64) {
        if (body == null) {
            return 0;
        }
        if (base64) {
            int padding = body.endsWith("==") ? 2 : body.endsWith("=") ? 1 : 0;
            return Math.max(0, (long) body.length() / 4 * 3 - padding);
        }
        long bytes = 0;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < body.length() && Character.isLowSurrogate(body.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static String requestId(APIGatewayV2HTTPEvent event) {
        return event.getRequestContext() == null ? "-" : String.valueOf(event.getRequestContext().getRequestId());
    }

    /** The response API Gateway gets for an answer (the idempotency layer stores exactly this). */
    public APIGatewayV2HTTPResponse json(ApiResponse answer) {
        Map<String, String> headers = new HashMap<>(answer.headers());
        String body = null;
        if (answer.body() != null) {
            headers.putIfAbsent("Content-Type", "application/json");
            body = write(answer.body());
        }
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(answer.status())
                .withHeaders(headers)
                .withBody(body)
                .withIsBase64Encoded(false)
                .build();
    }

    public APIGatewayV2HTTPResponse problem(ProblemException e) {
        ObjectNode body = e.body(mapper);
        Map<String, String> headers = new HashMap<>(e.headers());
        headers.put("Content-Type", PROBLEM_JSON);
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(e.status())
                .withHeaders(headers)
                .withBody(write(body))
                .withIsBase64Encoded(false)
                .build();
    }

    private String write(Object body) {
        try {
            return wellFormed(mapper.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Response body could not be serialised", e);
        }
    }

    /**
     * The text with any half of a surrogate pair (from a caller's text, or FPTR's data) as U+FFFD: a Lambda
     * answer is UTF-8, which has no code for one, and the gateway would fail on it.
     */
    static String wellFormed(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean lone = Character.isHighSurrogate(c) ? i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))
                    : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
            if (lone && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (out != null) {
                out.append(lone ? '\uFFFD' : c);
            }
        }
        return out == null ? text : out.toString();
    }
}
