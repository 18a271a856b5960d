package io.fptrfunctions.uploads;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.http.ApiResponse;
import io.fptrfunctions.http.HttpApiAdapter;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.idempotency.IdempotentWrites;
import io.fptrfunctions.lifecycle.FirstCall;
import jakarta.inject.Inject;
import jakarta.inject.Named;

import java.util.List;

/**
 * {@code POST /v1/uploads}, {@code PUT /v1/entities/{type}/{id}/files/{field}} and
 * {@code PUT /v1/entities/{type}/{id}/image}: routes by API Gateway's {@code routeKey} to {@link UploadService}.
 * Each takes an {@code Idempotency-Key} ({@link IdempotentWrites}), after its request was read and checked.
 */
@Named(UploadHandler.FUNCTION)
public class UploadHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, FirstCall {

    /** Its name in Idempotency-Key records ({@code idempotency#upload#...}) and in the template's IAM policy. */
    static final String FUNCTION = "upload";

    @Inject
    HttpApiAdapter http;

    @Inject
    UploadService uploads;

    @Inject
    IdempotentWrites writes;

    @Inject
    FptrClient fptr;

    @Inject
    SourceObjects sources;

    /** Every upload reads its S3 object and writes to FPTR with the script's own token: the S3 client is built meanwhile. */
    @Override
    public List<Runnable> prefetches() {
        return List.of(fptr::prefetch, sources::prefetch);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(FUNCTION, event, context, request -> switch (request.routeKey()) {
            case "POST /v1/uploads" -> {
                UploadRequests.AttachmentUpload upload = UploadRequests.attachment(request.body());
                yield writes.run(request, FUNCTION, attempt -> ApiResponse.created(uploads.createAttachment(upload, attempt, request.deadline())));
            }
            case "PUT /v1/entities/{type}/{id}/files/{field}" -> {
                UploadRequests.FieldUpload upload = UploadRequests.field(request);
                yield writes.run(request, FUNCTION, attempt -> ApiResponse.ok(uploads.uploadToField(upload, attempt, request.deadline())));
            }
            case "PUT /v1/entities/{type}/{id}/image" -> {
                UploadRequests.FieldUpload upload = UploadRequests.image(request);
                yield writes.run(request, FUNCTION, attempt -> ApiResponse.ok(uploads.uploadImage(upload, attempt, request.deadline())));
            }
            default -> throw new ProblemException(404, "Not Found", "The upload function has no route '" + request.routeKey() + "'.");
        });
    }
}
