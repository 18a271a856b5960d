package io.fptrfunctions.uploads;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.fptrfunctions.http.ApiResponse;
import io.fptrfunctions.http.HttpApiAdapter;
import io.fptrfunctions.http.ProblemException;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/**
 * {@code POST /v1/uploads}, {@code PUT /v1/entities/{type}/{id}/files/{field}} and
 * {@code PUT /v1/entities/{type}/{id}/image}: routes by API Gateway's {@code routeKey} to {@link UploadService}.
 */
@Named("upload")
public class UploadHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApiAdapter http;

    @Inject
    UploadService uploads;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, context, request -> switch (request.routeKey()) {
            case "POST /v1/uploads" -> ApiResponse.created(uploads.createAttachment(UploadRequests.attachment(request.body()), request.deadline()));
            case "PUT /v1/entities/{type}/{id}/files/{field}" -> ApiResponse.ok(uploads.uploadToField(UploadRequests.field(request), request.deadline()));
            case "PUT /v1/entities/{type}/{id}/image" -> ApiResponse.ok(uploads.uploadImage(UploadRequests.image(request), request.deadline()));
            default -> throw new ProblemException(404, "Not Found", "The upload function has no route '" + request.routeKey() + "'.");
        });
    }
}
