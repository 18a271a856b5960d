package io.fptrfunctions.token;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.fptrfunctions.http.ApiResponse;
import io.fptrfunctions.http.HttpApiAdapter;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/** {@code POST /v1/token} → {@link TokenService}. */
@Named("token")
public class TokenHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApiAdapter http;

    @Inject
    TokenService tokens;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, context, request -> ApiResponse.ok(tokens.token(TokenRequest.read(request.body()), request.caller(), request.requestId(), request.deadline()))
                .withHeader("Cache-Control", "no-store"));
    }
}
