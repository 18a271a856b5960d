package io.fptrfunctions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Shared by every HTTP function: turns the API Gateway v2 event into an {@link ApiRequest}, runs the
 * function, and turns its answer or failure into a response. Failures become problem+json through the
 * one table of {@link Problems}; anything it does not know (a bug, even an {@link Error} such as a stack
 * overflow) becomes a generic 500 problem, logged here with its stack trace and the request id, never
 * shown to the caller and never a crashed invocation.
 */
@ApplicationScoped
public class HttpApiAdapter {

    private static final Logger LOG = Logger.getLogger(HttpApiAdapter.class);
    public static final String PROBLEM_JSON = "application/problem+json";

    @Inject
    ObjectMapper mapper;

    public APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Function<ApiRequest, ApiResponse> function) {
        if (event == null) {
            return problem(ProblemException.badRequest("No event was given."));
        }
        try {
            ApiResponse answer = function.apply(new ApiRequest(event, mapper));
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
        ObjectNode body = mapper.createObjectNode();
        body.put("type", e.type());
        body.put("title", e.title());
        body.put("status", e.status());
        body.put("detail", e.detail());
        if (e.upstream() != null) {
            body.set("upstream", e.upstream());
        }
        e.extensions().forEach((k, v) -> body.set(k, mapper.valueToTree(v)));
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
            return mapper.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Response body could not be serialised", e);
        }
    }
}
