package io.fptrfunctions.uploads;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.HostileJson;
import io.fptrfunctions.http.Input;
import io.fptrfunctions.http.ReaderProperty;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;

/** Any body, path and query of the upload routes is read or refused with a 4xx problem, quickly. */
class UploadRequestsProperties {

    private static final List<String> KEYS = List.of("project", "s3", "bucket", "key", "name", "content_type",
            "attachment_links", "description", "tag_list", "type", "id");

    @Property(tries = 400)
    void anyAttachmentBodyIsReadOrRefusedWithA4xxQuickly(@ForAll("bodies") JsonNode body) {
        ReaderProperty.readsOrRefuses(() -> UploadRequests.attachment(Input.of(body)), body);
    }

    @Property(tries = 300)
    void anyFieldOrImageRequestIsReadOrRefusedWithA4xxQuickly(@ForAll("bodies") JsonNode body, @ForAll("strings") String type,
                                                              @ForAll("strings") String id, @ForAll("strings") String field) {
        ApiGatewayEvents event = ApiGatewayEvents.route("PUT /v1/entities/{type}/{id}/files/{field}", "/x")
                .pathParameter("type", type).pathParameter("id", id).pathParameter("field", field).body(body.toString());
        ReaderProperty.readsOrRefuses(() -> UploadRequests.field(ApiGatewayEvents.request(event)), body);
        ReaderProperty.readsOrRefuses(() -> UploadRequests.image(ApiGatewayEvents.request(event)), body);
    }

    @Provide
    Arbitrary<JsonNode> bodies() {
        return HostileJson.objects(KEYS);
    }

    @Provide
    Arbitrary<String> strings() {
        return HostileJson.strings();
    }
}
