package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fptrfunctions.http.Input;
import io.fptrfunctions.http.ProblemException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of bad input is a 400 whose pointer names the input at fault; good input is read as written. */
class NoteSearchRequestReaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static NoteQuery read(String json) throws Exception {
        return NoteSearchRequestReader.read(Input.of(JSON.readTree(json.replace('\'', '"'))));
    }

    private ProblemException refused(String json) {
        return assertThrows(ProblemException.class, () -> read(json));
    }

    @Test
    void readsEveryKey() throws Exception {
        NoteQuery q = read("{'project': 70, 'author': ' jdoe ', 'linked': [{'type': 'Shot', 'id': 7}, {'type': 'Asset', 'name': 'hero'}],"
                + "'sequence': 'SEQ01', 'shot': 'sh010', 'text': 'lighting', 'status': 'opn',"
                + "'created_after': '2026-01-01T00:00:00Z', 'created_before': '2026-02-01', 'has_thumbnail': true,"
                + "'fields': ['sg_status_list', 'project.Project.name'], 'sort': '-created_at, id', 'limit': 10,"
                + "'filters': [['subject', 'is', 'x']]}");
        assertEquals(70L, q.project().id());
        assertEquals("jdoe", q.author());
        assertEquals(2, q.linked().size());
        assertEquals("hero", q.linked().get(1).name());
        assertEquals(java.util.List.of("opn"), q.status());
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), q.createdAfter());
        assertEquals(Instant.parse("2026-02-01T00:00:00Z"), q.createdBefore());
        assertEquals("-created_at,id", q.sort());
        assertEquals(10, q.limit());
        assertEquals("and", q.filters().get("logical_operator").asText());
    }

    @Test
    void thePythonApisGroupsInAListFilterBecomeHashGroups() throws Exception {
        NoteQuery q = read("{'filters': [['sg_status_list', 'is', 'opn'], {'filter_operator': 'any', 'filters': "
                + "[['subject', 'contains', 'fire'], {'filter_operator': 'all', 'filters': [['id', 'greater_than', 5]]}]}]}");
        assertEquals("{\"logical_operator\":\"and\",\"conditions\":[[\"sg_status_list\",\"is\",\"opn\"],"
                + "{\"logical_operator\":\"or\",\"conditions\":[[\"subject\",\"contains\",\"fire\"],"
                + "{\"logical_operator\":\"and\",\"conditions\":[[\"id\",\"greater_than\",5]]}]}]}", q.filters().toString());
    }

    @Test
    void singleLinkedObjectAndProjectNameAreAccepted() throws Exception {
        NoteQuery q = read("{'project': 'Demo', 'linked': {'type': 'Version', 'name': 'v001'}}");
        assertEquals("Demo", q.project().name());
        assertNull(q.project().id());
        assertEquals("Version", q.linked().get(0).type());
    }

    @Test
    void emptyBodyAsksForACriterion() {
        ProblemException e = refused("{}");
        assertEquals(400, e.status());
        assertTrue(e.detail().contains("at least one search criterion"), e.detail());
    }

    @Test
    void shapingKeysAloneAreNotACriterion() {
        assertTrue(refused("{'limit': 5, 'fields': ['subject'], 'sort': 'id'}").detail().contains("at least one"));
    }

    @Test
    void unknownKeyIsNamedWithTheValidKeys() {
        ProblemException e = refused("{'shot': 'sh010', 'auther': 'jdoe'}");
        assertTrue(e.detail().contains("Unknown key 'auther'"), e.detail());
        assertTrue(e.detail().contains("the keys are: project, author,"), e.detail());
        assertEquals("/auther", e.extensions().get("pointer"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{'limit': '10', 'shot': 'a'}                 | /limit",
            "{'limit': 2.5, 'shot': 'a'}                  | /limit",
            "{'limit': 0, 'shot': 'a'}                    | /limit",
            "{'limit': -3, 'shot': 'a'}                   | /limit",
            "{'author': 5}                                | /author",
            "{'author': ['a']}                            | /author",
            "{'author': '  '}                             | /author",
            "{'has_thumbnail': 'yes'}                     | /has_thumbnail",
            "{'project': true}                            | /project",
            "{'project': 0}                               | /project",
            "{'project': ''}                              | /project",
            "{'linked': {'id': 7}}                        | /linked/type",
            "{'linked': {'type': 'Shot'}}                 | /linked",
            "{'linked': {'type': 'Shot', 'id': 7, 'name': 'x'}} | /linked",
            "{'linked': [{'type': 'Shot', 'id': 7}, {'type': 'shot', 'id': 8}]} | /linked/1/type",
            "{'linked': [{'type': 'Shot', 'id': 7}, {'type': 'Shot'}]} | /linked/1",
            "{'linked': {'type': 'Shot', 'code': 'x'}}    | /linked/code",
            "{'linked': {'type': 'Shot', 'id': 'seven'}}  | /linked/id",
            "{'linked': []}                               | /linked",
            "{'linked': 'sh010'}                          | /linked",
            "{'status': []}                               | /status",
            "{'status': 3}                                | /status",
            "{'status': ['opn', 3]}                       | /status/1",
            "{'created_after': 'yesterday'}               | /created_after",
            "{'created_before': '2026-01-01T10:00:00'}    | /created_before",
            "{'created_after': '2026-02-01T00:00:00Z', 'created_before': '2026-01-01T00:00:00Z'} | /created_after",
            "{'shot': 'a', 'fields': 'subject'}           | /fields",
            "{'shot': 'a', 'fields': ['sub ject']}        | /fields/0",
            "{'shot': 'a', 'fields': ['project.project.name']} | /fields/0",
            "{'shot': 'a', 'sort': 'created_at desc'}     | /sort",
            "{'shot': 'a', 'sort': 'created_at,,id'}      | /sort",
            "{'filters': {'conditions': []}}              | /filters/logical_operator",
            "{'filters': {'logical_operator': 'xor', 'conditions': []}} | /filters/logical_operator",
            "{'filters': {'logical_operator': 'and', 'conditions': [['subject']]}} | /filters/conditions/0",
            "{'filters': {'logical_operator': 'and', 'conditions': [], 'x': 1}} | /filters/x",
            "{'filters': []}                              | /filters",
            // An empty group inside another matches every note, like an empty filter (was sent to FPTR).
            "{'filters': {'logical_operator': 'or', 'conditions': [['id', 'is', 1], {'logical_operator': 'and', 'conditions': []}]}} | /filters/conditions/1",
            "{'filters': [['id', 'is', 1], {'logical_operator': 'or', 'conditions': []}]} | /filters/1",
            "{'filters': 'subject is x'}                  | /filters",
            "{'filters': [{'filter_operator': 'either', 'filters': [['id', 'is', 1]]}]} | /filters/0/filter_operator",
            "{'filters': [{'filter_operator': 'any', 'filters': []}]} | /filters/0",
            "{'filters': [{'filter_operator': 'any', 'filters': [['id']]}]} | /filters/0/filters/0",
            "{'filters': [{'filter_operator': 'any', 'filters': [['id', 'is', 1]], 'conditions': []}]} | /filters/0/conditions",
    })
    void badInputIsA400WhosePointerNamesTheInput(String json, String pointer) {
        ProblemException e = refused(json);
        assertEquals(400, e.status(), e.detail());
        assertEquals(pointer, e.extensions().get("pointer"), e.detail());
        assertTrue(e.detail().contains("'" + pointer.substring(1) + "'"), e.detail());
    }

    @Test
    void aSortOfThousandsOfNamesIsRefusedByItsBoundsWithoutOverflowingTheStack() throws Exception {
        // Issue 13: a regular expression with a repeated group overflowed the stack on this input; then, read by
        // splitting, it was sent to FPTR. Now its length and its number of keys are bounded.
        String sort = String.join(",", java.util.Collections.nCopies(2000, "a"));
        assertEquals("/sort", refused("{'shot': 'a', 'sort': '" + sort + "'}").extensions().get("pointer"));
        String ten = String.join(",", java.util.Collections.nCopies(10, "project.Project.name"));
        assertEquals(ten, read("{'shot': 'a', 'sort': '" + ten + "'}").sort());
        ProblemException eleven = refused("{'shot': 'a', 'sort': '" + ten + ",id'}");
        assertEquals("'sort' has 11 keys; at most 10 are allowed.", eleven.detail());
        String bad = ten.substring(0, 50) + ",created_at desc";
        assertEquals("/sort", refused("{'shot': 'a', 'sort': '" + bad + "'}").extensions().get("pointer"));
    }

    @Test
    void wrongTypeSaysWhatWasExpectedAndWhatCame() {
        ProblemException e = refused("{'shot': 'a', 'limit': '10'}");
        assertEquals("'limit' must be a positive whole number, not a string (\"10\").", e.detail());
    }

    @Test
    void datesRoundOutwardsToWholeSeconds() {
        assertEquals(Instant.parse("2026-01-01T10:00:00Z"), NoteSearchRequestReader.instant(text("2026-01-01T10:00:00.700Z"), false));
        assertEquals(Instant.parse("2026-01-01T10:00:01Z"), NoteSearchRequestReader.instant(text("2026-01-01T10:00:00.700Z"), true));
        assertEquals(Instant.parse("2026-01-01T08:00:00Z"), NoteSearchRequestReader.instant(text("2026-01-01T10:00:00+02:00"), false));
    }

    private static Input text(String value) {
        return Input.of(TextNode.valueOf(value));
    }
}
