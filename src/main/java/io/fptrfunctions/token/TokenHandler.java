package io.fptrfunctions.token;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.fptrfunctions.http.ApiResponse;
import io.fptrfunctions.http.HttpApiAdapter;
import io.fptrfunctions.http.ProblemException;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/** {@code POST /v1/token}. Skeleton: the token service arrives with the client issue. */
@Named("token")
public class TokenHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApiAdapter http;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            request.jsonObjectBody();
            throw new ProblemException(501, "Not Implemented", "The token service is not built yet.");
        });
    }
}
