package io.fptrfunctions.token;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.fptrfunctions.http.ApiResponse;
import io.fptrfunctions.fptr.FptrTokens;
import io.fptrfunctions.http.HttpApiAdapter;
import io.fptrfunctions.lifecycle.FirstCall;
import jakarta.inject.Inject;
import jakarta.inject.Named;

import java.util.List;

/** {@code POST /v1/token} → {@link TokenService}. */
@Named(TokenHandler.FUNCTION)
public class TokenHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, FirstCall {

    /** The handler's name: what QUARKUS_LAMBDA_HANDLER picks, and the function in log lines and metrics. */
    static final String FUNCTION = "token";

    @Inject
    HttpApiAdapter http;

    @Inject
    TokenService tokens;

    @Inject
    FptrTokens fptrTokens;

    /** The credentials and the REST client, not a token: which one a call wants (sudo or not) is its own. */
    @Override
    public List<Runnable> prefetches() {
        return List.of(fptrTokens::prefetchCredentials);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(FUNCTION, event, context, request -> {
            TokenRequest asked = TokenRequest.read(request.body()).fresh(request.cacheDirective("no-cache"));
            return ApiResponse.ok(tokens.token(asked, request.caller(), request.requestId(), request.deadline()))
                    .withHeader("Cache-Control", "no-store");
        });
    }
}
