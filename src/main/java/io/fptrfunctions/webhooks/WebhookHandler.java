package io.fptrfunctions.webhooks;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.fptrfunctions.http.ApiResponse;
import io.fptrfunctions.http.HttpApiAdapter;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.lifecycle.FirstCall;
import jakarta.inject.Inject;
import jakarta.inject.Named;

import java.util.List;

import java.util.Optional;

/** {@code POST /v1/webhooks/fptr} (FPTR's webhook deliveries; no IAM, the HMAC signature is the authentication) → {@link WebhookService}. */
@Named(WebhookHandler.FUNCTION)
public class WebhookHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, FirstCall {

    /** The handler's name: what QUARKUS_LAMBDA_HANDLER picks, and the function in log lines and metrics. */
    static final String FUNCTION = "webhook";

    @Inject
    HttpApiAdapter http;

    @Inject
    WebhookSettings settings;

    @Inject
    WebhookService webhooks;

    @Override
    public List<Runnable> prefetches() {
        return settings.problem().isEmpty() ? webhooks.prefetches() : List.of();
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        Optional<ProblemException> unconfigured = settings.problem();
        if (unconfigured.isPresent()) {
            return http.refuse(FUNCTION, event, context, unconfigured.get());   // logged once by WebhookSettings, not once per delivery
        }
        return http.handle(FUNCTION, event, context, request -> ApiResponse.ok(webhooks.receive(request)));
    }
}
