package io.fptrfunctions.token;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.http.HostileJson;
import io.fptrfunctions.http.Input;
import io.fptrfunctions.http.ReaderProperty;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;

/** Any body of {@code POST /v1/token} is read or refused with a 4xx problem, quickly. */
class TokenRequestProperties {

    @Property(tries = 300)
    void anyBodyIsReadOrRefusedWithA4xxQuickly(@ForAll("bodies") JsonNode body) {
        ReaderProperty.readsOrRefuses(() -> TokenRequest.read(Input.of(body)), body);
    }

    @Provide
    Arbitrary<JsonNode> bodies() {
        return HostileJson.objects(List.of("sudo_as_login"));
    }
}
