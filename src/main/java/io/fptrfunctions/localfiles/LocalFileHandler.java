package io.fptrfunctions.localfiles;

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

import static io.fptrfunctions.localfiles.LocalFileRequests.attachment;
import static io.fptrfunctions.localfiles.LocalFileRequests.local;
import static io.fptrfunctions.localfiles.LocalFileRequests.platform;
import static io.fptrfunctions.localfiles.LocalFileRequests.target;

/**
 * {@code GET|PUT|DELETE /v1/entities/{type}/{id}/local-files/{field}[?platform=]} and
 * {@code POST /v1/attachments}: routes by API Gateway's {@code routeKey} to {@link LocalFileService}. The
 * writes take an {@code Idempotency-Key} ({@link IdempotentWrites}); the request is read and checked
 * first, so bad input is a 400 that keeps no key.
 */
@Named(LocalFileHandler.FUNCTION)
public class LocalFileHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, FirstCall {

    static final String FIELD_ROUTE = "/v1/entities/{type}/{id}/local-files/{field}";
    /** Its name in Idempotency-Key records ({@code idempotency#local-file#...}) and in the template's IAM policy. */
    static final String FUNCTION = "local-file";

    @Inject
    HttpApiAdapter http;

    @Inject
    LocalFileService files;

    @Inject
    IdempotentWrites writes;

    @Inject
    FptrClient fptr;

    /** Every call reads FPTR with the script's own token; links are written with a content type from Tika's table. */
    @Override
    public List<Runnable> prefetches() {
        return List.of(fptr::prefetch, ContentTypes::load);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(FUNCTION, event, context, request -> switch (request.routeKey()) {
            case "GET " + FIELD_ROUTE -> ApiResponse.ok(files.read(target(request), platform(request), request.deadline()));
            case "PUT " + FIELD_ROUTE -> {
                EntityField target = target(request);
                LinkRequest link = local(request.body());
                Platform platform = platform(request);
                yield writes.run(request, FUNCTION, attempt -> ApiResponse.ok(files.set(target, link, platform, attempt, request.deadline())));
            }
            case "DELETE " + FIELD_ROUTE -> {
                EntityField target = target(request);
                Platform platform = platform(request);
                yield writes.run(request, FUNCTION, attempt -> ApiResponse.ok(files.unset(target, platform, attempt, request.deadline())));
            }
            case "POST /v1/attachments" -> {
                AttachmentRequest attachment = attachment(request.body());
                Platform platform = platform(request);
                yield writes.run(request, FUNCTION, attempt -> ApiResponse.created(files.createAttachment(attachment, platform, attempt, request.deadline())));
            }
            default -> throw new ProblemException(404, "Not Found",
                    "The local-file function has no route '" + request.routeKey() + "'.");
        });
    }
}
