package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import io.fptrfunctions.http.HostileJson;
import io.fptrfunctions.http.Input;
import io.fptrfunctions.http.ReaderProperty;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;

/** Any body of {@code POST /v1/notes/search} is read or refused with a 4xx problem, quickly (issue 13). */
class NoteSearchRequestReaderProperties {

    @Property(tries = 600)
    void anyBodyIsReadOrRefusedWithA4xxQuickly(@ForAll("bodies") JsonNode body) {
        ReaderProperty.readsOrRefuses(() -> NoteSearchRequestReader.read(Input.of(body)), body);
    }

    @Provide
    Arbitrary<JsonNode> bodies() {
        List<String> keys = new ArrayList<>(NoteSearchRequestReader.KEYS);
        keys.addAll(List.of("type", "id", "name", "logical_operator", "conditions"));
        return HostileJson.objects(keys);
    }
}
