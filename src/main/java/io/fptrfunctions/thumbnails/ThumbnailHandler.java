package io.fptrfunctions.thumbnails;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.fptrfunctions.aws.AwsFailure;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.http.ApiResponse;
import io.fptrfunctions.http.HttpApiAdapter;
import io.fptrfunctions.lifecycle.FirstCall;
import jakarta.inject.Inject;
import jakarta.inject.Named;

import java.time.Duration;
import java.util.List;

/**
 * {@code PUT /v1/entities/{type}/{id}/thumbnail?variant=original|thumbnail}: copies the entity's image into S3,
 * or with {@code Prefer: respond-async} queues the copy for the thumbnail worker (202).
 */
@Named(ThumbnailHandler.FUNCTION)
public class ThumbnailHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, FirstCall {

    /** The handler's name: what QUARKUS_LAMBDA_HANDLER picks, and the function in log lines and metrics. */
    static final String FUNCTION = "thumbnail";

    /** RFC 7240's preference for an answer before the work is done. */
    static final String RESPOND_ASYNC = "respond-async";

    /**
     * What a copy cut at the request's deadline adds: a large image ends so however often it is sent (and a tool
     * honouring Retry-After would send it for ever), while the worker has Lambda's 15 minutes.
     */
    static final String TOO_LARGE_FOR_THE_REQUEST = " If the image is large, send the request with the header "
            + "'Prefer: respond-async': the thumbnail worker then copies it, with up to 15 minutes.";

    @Inject
    HttpApiAdapter http;

    @Inject
    ThumbnailService thumbnails;

    @Inject
    QueuedCopies queued;

    @Inject
    FptrClient fptr;

    @Inject
    ThumbnailStore store;

    /** Every copy reads FPTR with the script's own token, then looks at S3: its client is built meanwhile. */
    @Override
    public List<Runnable> prefetches() {
        return List.of(fptr::prefetch, store::prefetch);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(FUNCTION, event, context, request -> {
            ThumbnailRequest copy = ThumbnailRequest.read(request);
            if (request.prefers(RESPOND_ASYNC) && queued.available()) {
                return ApiResponse.accepted(queued.queue(copy, request.deadline())).withHeader("Preference-Applied", RESPOND_ASYNC);
            }
            try {
                return ApiResponse.ok(thumbnails.copy(copy, request.deadline()));
            } catch (Deadline.Exceeded | AwsFailure failure) {
                throw outOfTime(failure, request.deadline()) && queued.available()
                        ? new Deadline.Exceeded(failure.getMessage() + TOO_LARGE_FOR_THE_REQUEST) : failure;
            }
        });
    }

    /**
     * The copy used the request's whole time: the download's watchdog or S3's call timeout, both cut to the
     * deadline, whichever noticed first (a stalled download holds the S3 upload it feeds).
     */
    private static boolean outOfTime(RuntimeException failure, Deadline deadline) {
        return failure instanceof Deadline.Exceeded
                || failure instanceof AwsFailure s3 && s3.timedOut() && !deadline.allows(Duration.ofMillis(1));
    }
}
