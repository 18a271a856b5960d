package io.fptrfunctions.notes;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.fptrfunctions.access.CallerAccess;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.http.ApiResponse;
import io.fptrfunctions.http.HttpApiAdapter;
import io.fptrfunctions.lifecycle.FirstCall;
import jakarta.inject.Inject;
import jakarta.inject.Named;

import java.util.List;

/**
 * {@code POST /v1/notes/search}: the body becomes a checked query, the service answers it. Raw FPTR
 * {@code filters} reach any Note field, so only callers the access policy allows may send them.
 */
@Named(NoteSearchHandler.FUNCTION)
public class NoteSearchHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, FirstCall {

    /** The handler's name: what QUARKUS_LAMBDA_HANDLER picks, and the function in log lines and metrics. */
    static final String FUNCTION = "note-search";

    @Inject
    HttpApiAdapter http;

    @Inject
    NotesSearchService service;

    @Inject
    CallerAccess access;

    @Inject
    FptrClient fptr;

    /** Every call reads FPTR with the script's own token. */
    @Override
    public List<Runnable> prefetches() {
        return List.of(fptr::prefetch);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(FUNCTION, event, context, request -> {
            NoteQuery query = NoteSearchRequestReader.read(request.body());
            if (query.filters() != null) {
                access.requireRawFilters(request.caller(), "/filters");
            }
            return ApiResponse.ok(service.search(query, request.deadline()));
        });
    }
}
