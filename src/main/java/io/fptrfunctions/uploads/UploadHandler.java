package io.fptrfunctions.uploads;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.http.ApiRequest;
import io.fptrfunctions.http.ApiResponse;
import io.fptrfunctions.http.HttpApiAdapter;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.idempotency.IdempotentWrites;
import io.fptrfunctions.lifecycle.FirstCall;
import jakarta.inject.Inject;
import jakarta.inject.Named;

import java.util.List;

import static io.fptrfunctions.uploads.UploadService.Run.IN_REQUEST;

/**
 * {@code POST /v1/uploads}, {@code PUT /v1/entities/{type}/{id}/files/{field}} and
 * {@code PUT /v1/entities/{type}/{id}/image}: routes by API Gateway's {@code routeKey} to {@link UploadService}.
 * Each takes an {@code Idempotency-Key} ({@link IdempotentWrites}), after its request was read and checked; with
 * {@code Prefer: respond-async} each is checked and queued for the upload worker instead ({@link QueuedUploads}, 202).
 */
@Named(UploadHandler.FUNCTION)
public class UploadHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, FirstCall {

    /** Its name in Idempotency-Key records ({@code idempotency#upload#...}) and in the template's IAM policy. */
    static final String FUNCTION = "upload";

    /** RFC 7240's preference for an answer before the work is done. */
    static final String RESPOND_ASYNC = "respond-async";

    @Inject
    HttpApiAdapter http;

    @Inject
    UploadService uploads;

    @Inject
    IdempotentWrites writes;

    @Inject
    QueuedUploads queued;

    @Inject
    FptrClient fptr;

    @Inject
    SourceObjects sources;

    /** Every upload reads its S3 object and writes to FPTR with the script's own token: the S3 and SQS clients are built meanwhile. */
    @Override
    public List<Runnable> prefetches() {
        return List.of(fptr::prefetch, sources::prefetch, queued::prefetch);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(FUNCTION, event, context, request -> switch (request.routeKey()) {
            case UploadJob.ATTACHMENT_ROUTE -> {
                UploadRequests.AttachmentUpload upload = UploadRequests.attachment(request.body());
                yield queued(request) ? queued.queue(request, FUNCTION, new UploadJob(request.routeKey(), upload, null, null))
                        : writes.run(request, FUNCTION, attempt -> ApiResponse.created(uploads.createAttachment(upload, attempt, IN_REQUEST, request.deadline())));
            }
            case UploadJob.FILE_ROUTE -> {
                UploadRequests.FieldUpload upload = UploadRequests.field(request);
                yield queued(request) ? queued.queue(request, FUNCTION, new UploadJob(request.routeKey(), null, upload, null))
                        : writes.run(request, FUNCTION, attempt -> ApiResponse.ok(uploads.uploadToField(upload, attempt, IN_REQUEST, request.deadline())));
            }
            case UploadJob.IMAGE_ROUTE -> {
                UploadRequests.FieldUpload upload = UploadRequests.image(request);
                yield queued(request) ? queued.queue(request, FUNCTION, new UploadJob(request.routeKey(), null, upload, null))
                        : writes.run(request, FUNCTION, attempt -> ApiResponse.ok(uploads.uploadImage(upload, attempt, IN_REQUEST, request.deadline())));
            }
            default -> throw new ProblemException(404, "Not Found", "The upload function has no route '" + request.routeKey() + "'.");
        });
    }

    /** {@code Prefer: respond-async} (RFC 7240), honoured when the job queue is configured. */
    private boolean queued(ApiRequest request) {
        return request.prefers(RESPOND_ASYNC) && queued.available();
    }
}
