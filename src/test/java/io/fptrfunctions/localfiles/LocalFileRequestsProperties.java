package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.ApiRequest;
import io.fptrfunctions.http.HostileJson;
import io.fptrfunctions.http.Input;
import io.fptrfunctions.http.ReaderProperty;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;

/** Any body, path and query of the local-file routes is read or refused with a 4xx problem, quickly. */
class LocalFileRequestsProperties {

    @Property(tries = 400)
    void anyPutBodyIsReadOrRefusedWithA4xxQuickly(@ForAll("bodies") JsonNode body) {
        ReaderProperty.readsOrRefuses(() -> LocalFileRequests.local(Input.of(body)), body);
    }

    @Property(tries = 400)
    void anyAttachmentBodyIsReadOrRefusedWithA4xxQuickly(@ForAll("bodies") JsonNode body) {
        ReaderProperty.readsOrRefuses(() -> LocalFileRequests.attachment(Input.of(body)), body);
    }

    @Property(tries = 300)
    void anyPathAndQueryIsReadOrRefusedWithA4xxQuickly(@ForAll("strings") String type, @ForAll("strings") String id,
                                                        @ForAll("strings") String field, @ForAll("strings") String platform) {
        ApiRequest request = ApiGatewayEvents.request(ApiGatewayEvents.route("GET /v1/entities/{type}/{id}/local-files/{field}", "/x")
                .pathParameter("type", type).pathParameter("id", id).pathParameter("field", field).query("platform", platform));
        ReaderProperty.readsOrRefuses(() -> {
            LocalFileRequests.target(request);
            LocalFileRequests.platform(request);
        }, List.of(type, id, field, platform));
    }

    @Provide
    Arbitrary<JsonNode> bodies() {
        List<String> keys = new ArrayList<>(LocalFileRequests.LOCAL_KEYS);
        keys.addAll(LocalFileRequests.ATTACHMENT_KEYS);
        keys.addAll(List.of("url", "type", "id", "name"));
        return HostileJson.objects(keys);
    }

    @Provide
    Arbitrary<String> strings() {
        return HostileJson.strings();
    }
}
