package io.fptrfunctions.fptr;

import io.quarkus.rest.client.reactive.Url;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.InputStream;

/**
 * Calls to URLs FPTR hands out rather than ones we build: the upload target (a presigned storage URL,
 * or a site URL for {@code storage_service: "sg"}) and {@code links.complete_upload}.
 */
public interface FptrLinksApi {

    /** Step 2: the bytes, streamed. S3 presigned URLs take no Authorization header (pass null). */
    @PUT
    @Consumes(MediaType.WILDCARD)
    Response putBytes(@Url String url, @HeaderParam("Authorization") String authorization,
                      @HeaderParam("Content-Type") String contentType, @HeaderParam("Content-Length") long length,
                      InputStream bytes);

    /** Step 3: {@code {"upload_info": <step 1 data>, "upload_data": {...}}}; FPTR answers 201 with " ". */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.WILDCARD)
    Response completeUpload(@Url String url, @HeaderParam("Authorization") String authorization, String body);
}
