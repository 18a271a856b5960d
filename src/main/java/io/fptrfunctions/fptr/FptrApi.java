package io.fptrfunctions.fptr;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Form;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * FPTR's REST API ({@code /api/v1.1}) as a Quarkus REST Client. Built per site by {@link FptrSites}
 * because the site URL may come from Secrets Manager at run time. Every method answers the raw
 * {@link Response} (the default exception mapper is off) so {@link FptrResponses} sees each status,
 * {@code Retry-After} and {@code Location} itself. Bodies are JSON text written by Jackson.
 */
@RegisterRestClient(configKey = "fptr")
@Path("/api/v1.1")
@Produces(MediaType.APPLICATION_JSON)
public interface FptrApi {

    /** FPTR's filter formats for _search; plain application/json is refused with 415. */
    String API3_HASH = "application/vnd+shotgun.api3_hash+json";

    @POST
    @Path("/auth/access_token")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    Response accessToken(Form form);

    @POST
    @Path("/entity/{type}/_search")
    @Consumes(API3_HASH)
    Response search(@HeaderParam("Authorization") String authorization, @PathParam("type") String type, String body);

    @GET
    @Path("/entity/{type}/{id}")
    Response read(@HeaderParam("Authorization") String authorization, @PathParam("type") String type,
                  @PathParam("id") long id, @QueryParam("fields") String fields);

    @POST
    @Path("/entity/{type}")
    @Consumes(MediaType.APPLICATION_JSON)
    Response create(@HeaderParam("Authorization") String authorization, @PathParam("type") String type, String body);

    @PUT
    @Path("/entity/{type}/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    Response update(@HeaderParam("Authorization") String authorization, @PathParam("type") String type,
                    @PathParam("id") long id, String body);

    /** An image or url field: {@code {"data":...}}, or with {@code alt} a 302 to the stored bytes. */
    @GET
    @Path("/entity/{type}/{id}/{field}")
    Response field(@HeaderParam("Authorization") String authorization, @PathParam("type") String type,
                   @PathParam("id") long id, @PathParam("field") String field, @QueryParam("alt") String alt);

    /** One field's schema: {@code {"data":{"data_type":{"value":"url"},...}}}; unknown field → 404. */
    @GET
    @Path("/schema/{type}/fields/{field}")
    Response fieldSchema(@HeaderParam("Authorization") String authorization, @PathParam("type") String type,
                         @PathParam("field") String field);

    /** Every field's schema of one entity type: {@code {"data":{"<field>":{...},...}}}; unknown type → 404. */
    @GET
    @Path("/schema/{type}/fields")
    Response typeFieldsSchema(@HeaderParam("Authorization") String authorization, @PathParam("type") String type);

    /**
     * Step 1 of an upload into a field ({@code image}, a url field...): where to put the bytes. With the
     * field {@code attachments} the upload becomes a new Attachment on the record (its attachment_links).
     */
    @GET
    @Path("/entity/{type}/{id}/{field}/_upload")
    Response fieldUpload(@HeaderParam("Authorization") String authorization, @PathParam("type") String type,
                         @PathParam("id") long id, @PathParam("field") String field,
                         @QueryParam("filename") String filename, @QueryParam("multipart_upload") Boolean multipart);

    /** Tells FPTR how a webhook delivery was handled (at most 4096 bytes). */
    @PUT
    @Path("/webhook/deliveries/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    Response acknowledgeDelivery(@HeaderParam("Authorization") String authorization, @PathParam("id") String deliveryId,
                                 String body);
}
