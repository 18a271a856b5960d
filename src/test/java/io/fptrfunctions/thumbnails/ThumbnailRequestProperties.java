package io.fptrfunctions.thumbnails;

import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.HostileJson;
import io.fptrfunctions.http.ReaderProperty;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;

/** Any path and query of {@code PUT /v1/entities/{type}/{id}/thumbnail} is read or refused with a 4xx problem, quickly. */
class ThumbnailRequestProperties {

    @Property(tries = 300)
    void anyPathAndQueryIsReadOrRefusedWithA4xxQuickly(@ForAll("strings") String type, @ForAll("strings") String id,
                                                        @ForAll("strings") String variant) {
        ReaderProperty.readsOrRefuses(() -> ThumbnailRequest.read(ApiGatewayEvents.request(
                ApiGatewayEvents.route("PUT /v1/entities/{type}/{id}/thumbnail", "/x")
                        .pathParameter("type", type).pathParameter("id", id).query("variant", variant))), List.of(type, id, variant));
    }

    @Provide
    Arbitrary<String> strings() {
        return HostileJson.strings();
    }
}
