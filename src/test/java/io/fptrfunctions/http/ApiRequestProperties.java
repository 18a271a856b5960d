package io.fptrfunctions.http;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Any text as a request body is a JSON object or a 4xx problem, quickly: broken JSON, deep JSON, huge JSON. */
class ApiRequestProperties {

    @Property(tries = 400)
    void anyBodyTextIsAnObjectOrA4xx(@ForAll("texts") String body) {
        ReaderProperty.readsOrRefuses(() -> ApiGatewayEvents.request(ApiGatewayEvents.route("POST /v1/token", "/v1/token").body(body)).body(),
                body);
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> json = HostileJson.values().map(Object::toString);
        Arbitrary<String> broken = json.map(s -> s.substring(0, s.length() / 2));
        Arbitrary<String> nested = Arbitraries.integers().between(1, 5000).map(n -> "{\"a\":" + "[".repeat(n) + "]".repeat(n) + "}");
        Arbitrary<String> numbers = Arbitraries.integers().between(1, 5000).map(n -> "{\"a\":1" + "0".repeat(n) + "}");
        return Arbitraries.oneOf(json, broken, nested, numbers, HostileJson.strings());
    }
}
