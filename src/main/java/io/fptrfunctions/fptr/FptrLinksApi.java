package io.fptrfunctions.fptr;

import io.quarkus.rest.client.reactive.Url;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Calls to links FPTR hands out rather than paths we build: {@code links.get_next_part},
 * {@code links.complete_upload} and the abort beside it. (The bytes themselves go to the upload URL
 * through {@link StoragePut}: this client would buffer a streamed body.)
 */
public interface FptrLinksApi {

    /** A multipart upload's next part: {@code {"links": {"upload", "get_next_part"}}}. */
    @GET
    Response nextPart(@Url String url, @HeaderParam("Authorization") String authorization);

    /** Step 3: {@code {"upload_info": <step 1 data>, "upload_data": {...}}}; FPTR answers 201 with " ". */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.WILDCARD)
    Response completeUpload(@Url String url, @HeaderParam("Authorization") String authorization, String body);

    /** {@code <complete_upload>/multipart_abort} with the upload_info flat (the wrapped form is refused); 204. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.WILDCARD)
    Response abortUpload(@Url String url, @HeaderParam("Authorization") String authorization, String body);
}
