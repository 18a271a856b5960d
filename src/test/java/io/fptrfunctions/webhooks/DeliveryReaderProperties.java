package io.fptrfunctions.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.http.ApiGatewayEvents;
import io.fptrfunctions.http.HostileJson;
import io.fptrfunctions.http.ReaderProperty;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Any signed body and delivery id header of a webhook delivery is read or refused with a 4xx problem, quickly. */
class DeliveryReaderProperties {

    private final DeliveryReader reader = new DeliveryReader();

    DeliveryReaderProperties() {
        reader.mapper = new ObjectMapper();
    }

    @Property(tries = 400)
    void anyBodyIsReadOrRefusedWithA4xxQuickly(@ForAll("bodies") JsonNode body, @ForAll("strings") String deliveryHeader) {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        ReaderProperty.readsOrRefuses(() -> {
            String id = DeliveryReader.deliveryId(ApiGatewayEvents.request(ApiGatewayEvents.route("POST /v1/webhooks/fptr", "/x")
                    .header("X-SG-Delivery-Id", deliveryHeader)).headerInput("X-SG-Delivery-Id"));
            reader.read(bytes, id);
        }, body);
    }

    @Provide
    Arbitrary<JsonNode> bodies() {
        return HostileJson.objects(List.of("data", "deliveries", "event_type", "operation", "entity", "meta", "type", "id",
                "entity_type", "entity_id", "attribute_name", "delivery_id", "event_log_entry_id", "created_at", "project"));
    }

    @Provide
    Arbitrary<String> strings() {
        return HostileJson.strings();
    }
}
