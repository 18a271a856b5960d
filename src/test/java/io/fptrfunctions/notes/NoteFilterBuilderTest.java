package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hash filter each criterion becomes (what FPTR receives). */
class NoteFilterBuilderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private String filter(String body, String author) throws Exception {
        NoteQuery q = NoteSearchRequestReader.read(io.fptrfunctions.http.Input.of(JSON.readTree(body.replace('\'', '"'))));
        JsonNode a = author == null ? null : JSON.readTree(author.replace('\'', '"'));
        return NoteFilterBuilder.build(q, a).toString().replace('"', '\'');
    }

    private static String and(String conditions) {
        return "{'logical_operator':'and','conditions':[" + conditions + "]}";
    }

    @Test
    void projectByIdIsAnEntityAndByNameADottedPath() throws Exception {
        assertEquals(and("['project','is',{'type':'Project','id':70}]"), filter("{'project': 70}", null));
        assertEquals(and("['project.Project.name','is','Demo']"), filter("{'project': 'Demo'}", null));
    }

    @Test
    void authorIsTheResolvedUser() throws Exception {
        assertEquals(and("{'logical_operator':'or','conditions':[['user','is',{'type':'ApiUser','id':5}],"
                        + "['created_by','is',{'type':'ApiUser','id':5}]]}"),
                filter("{'author': 'bot'}", "{'type':'ApiUser','id':5}"));
    }

    @Test
    void linkedIdsShareOneInAndNamesGoThroughTheirTypesNameField() throws Exception {
        assertEquals(and("['note_links','is',{'type':'Shot','id':7}]"), filter("{'linked': {'type':'Shot','id':7}}", null));
        assertEquals(and("{'logical_operator':'or','conditions':["
                        + "['note_links','in',[{'type':'Shot','id':7},{'type':'Version','id':9}]],"
                        + "['note_links.Asset.code','is','hero'],"
                        + "['note_links.Task.content','is','comp']]}"),
                filter("{'linked': [{'type':'Shot','id':7},{'type':'Asset','name':'hero'},{'type':'Version','id':9},{'type':'Task','name':'comp'}]}", null));
    }

    @Test
    void deliveriesAndTicketsAreNamedByTheirTitle() throws Exception {
        // The Python API's usage tips: "on the Ticket and Delivery entities the name key would contain the value of the
        // title field". note_links.Delivery.code was FPTR's 400 (Delivery has no code) for a name the README promises.
        assertEquals(and("{'logical_operator':'or','conditions':[['note_links.Delivery.title','is','client drop 3'],"
                        + "['note_links.Ticket.title','is','render farm down']]}"),
                filter("{'linked': [{'type':'Delivery','name':'client drop 3'},{'type':'Ticket','name':'render farm down'}]}", null));
    }

    @Test
    void sequenceMatchesTheSequenceOrAnyOfItsShots() throws Exception {
        assertEquals(and("{'logical_operator':'or','conditions':[['note_links.Sequence.code','is','SEQ01'],"
                + "['note_links.Shot.sg_sequence.Sequence.code','is','SEQ01']]}"), filter("{'sequence': 'SEQ01'}", null));
    }

    @Test
    void shotTextStatusDatesThumbnail() throws Exception {
        assertEquals(and("['note_links.Shot.code','is','sh010']"), filter("{'shot': 'sh010'}", null));
        assertEquals(and("{'logical_operator':'or','conditions':[['subject','contains','light'],['content','contains','light']]}"),
                filter("{'text': 'light'}", null));
        assertEquals(and("['sg_status_list','is','opn']"), filter("{'status': 'opn'}", null));
        assertEquals(and("['sg_status_list','in',['opn','ip']]"), filter("{'status': ['opn','ip']}", null));
        assertEquals(and("['created_at','greater_than','2026-01-01T00:00:00Z'],['created_at','less_than','2026-01-02T00:00:00Z']"),
                filter("{'created_after': '2026-01-01', 'created_before': '2026-01-02T01:00:00+01:00'}", null));
        assertEquals(and("['image','is_not',null]"), filter("{'has_thumbnail': true}", null));
        assertEquals(and("['image','is',null]"), filter("{'has_thumbnail': false}", null));
    }

    @Test
    void rawFiltersAreAndedAsTheirOwnGroup() throws Exception {
        assertEquals(and("['note_links.Shot.code','is','sh010'],{'logical_operator':'or','conditions':[['subject','is','a'],['subject','is','b']]}"),
                filter("{'shot': 'sh010', 'filters': {'logical_operator':'or','conditions':[['subject','is','a'],['subject','is','b']]}}", null));
        assertEquals(and("{'logical_operator':'and','conditions':[['subject','is','a']]}"),
                filter("{'filters': [['subject','is','a']]}", null));
    }
}
