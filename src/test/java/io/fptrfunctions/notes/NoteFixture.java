package io.fptrfunctions.notes;

import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Test data of the note-search tests, created in the simulator over its admin API with names unique
 * to this run, so the tests depend neither on the demo seed nor on other tests' records. The notes are
 * dated in 2031 so that date criteria alone select only them.
 */
final class NoteFixture {

    /** The shared FPTR simulator's admin client. */
    private static final SimAdmin SIM = FptrSimTestResource.admin();

    final String tag = UUID.randomUUID().toString().substring(0, 8);
    final long project;
    final long otherProject;
    final long jane;
    final long samA;
    final long samB;
    final long bot;
    final long seqA;
    final long shA010;
    final long shA020;
    final long shB010;
    final long hero;
    final long lookalike;
    final long v001;
    /** n1..n7 by number (index 0 unused). */
    final long[] n = new long[8];

    /** Creates the data; each test class makes its own (another class may reset the simulator). */
    NoteFixture() {
        project = SIM.insert(rec("Project", "name", "Notes Test " + tag));
        otherProject = SIM.insert(rec("Project", "name", "Notes Other " + tag));
        jane = SIM.insert(rec("HumanUser", "login", "jane." + tag, "name", "Jane Doe " + tag));
        samA = SIM.insert(rec("HumanUser", "login", "sam.a." + tag, "name", "Sam Lee " + tag));
        samB = SIM.insert(rec("HumanUser", "login", "sam.b." + tag, "name", "Sam Lee " + tag));
        bot = SIM.insert(rec("ApiUser", "firstname", "review-bot-" + tag));
        seqA = SIM.insert(rec("Sequence", "code", "SEQA_" + tag, "project", link("Project", project)));
        long seqB = SIM.insert(rec("Sequence", "code", "SEQB_" + tag, "project", link("Project", otherProject)));
        shA010 = SIM.insert(rec("Shot", "code", "shA010_" + tag, "sg_sequence", link("Sequence", seqA), "project", link("Project", project)));
        shA020 = SIM.insert(rec("Shot", "code", "shA020_" + tag, "sg_sequence", link("Sequence", seqA), "project", link("Project", project)));
        shB010 = SIM.insert(rec("Shot", "code", "shB010_" + tag, "sg_sequence", link("Sequence", seqB), "project", link("Project", otherProject)));
        hero = SIM.insert(rec("Asset", "code", "hero_" + tag, "project", link("Project", project)));
        // An Asset with a shot's code: a shot criterion must not match notes on it.
        lookalike = SIM.insert(rec("Asset", "code", "shA010_" + tag, "project", link("Project", project)));
        v001 = SIM.insert(rec("Version", "code", "shA010_comp_v001_" + tag, "entity", link("Shot", shA010), "project", link("Project", project)));

        List<Map<String, Object>> notes = new ArrayList<>();
        notes.add(note(project, human(jane), null, List.of(link("Shot", shA010)), "lighting " + tag + " too hot", "key light", "opn", "2031-01-05T10:00:00Z", null));
        notes.add(note(project, link("ApiUser", bot), jane, List.of(link("Version", v001), link("Shot", shA010)), "comp " + tag, "fix LIGHTING edge", "clsd", "2031-01-10T10:00:00Z", "https://images.example/n2.jpg"));
        notes.add(note(project, human(samA), null, List.of(link("Sequence", seqA)), "seq " + tag + " note", "timing", "opn", "2031-02-01T10:00:00Z", null));
        notes.add(note(otherProject, human(samB), null, List.of(link("Shot", shB010)), "other " + tag, "comp", "ip", "2031-02-15T10:00:00Z", "https://images.example/n4.jpg"));
        notes.add(note(project, human(jane), null, List.of(link("Asset", hero)), "asset " + tag, "lighting rig", "ip", "2031-03-01T00:00:00Z", "https://images.example/n5.jpg"));
        notes.add(note(project, human(jane), null, List.of(link("Shot", shA020)), "shot 20 " + tag, "ok", "opn", "2031-03-10T10:00:00Z", null));
        notes.add(note(project, human(samA), null, List.of(link("Asset", lookalike)), "lookalike " + tag, "asset named like a shot", "opn", "2031-03-20T10:00:00Z", null));
        List<Long> ids = SIM.insert(notes);
        for (int i = 0; i < ids.size(); i++) {
            n[i + 1] = ids.get(i);
        }
    }

    /** Ids of notes by number: {@code notes(1, 2)}. */
    List<Long> notes(int... numbers) {
        List<Long> ids = new ArrayList<>();
        for (int k : numbers) ids.add(n[k]);
        return ids;
    }

    static Map<String, Object> rec(String type, Object... kv) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", type);
        for (int i = 0; i < kv.length; i += 2) {
            r.put((String) kv[i], kv[i + 1]);
        }
        return r;
    }

    static Map<String, Object> human(long id) {
        return link("HumanUser", id);
    }

    static Map<String, Object> link(String type, long id) {
        return Map.of("type", type, "id", id);
    }

    private static Map<String, Object> note(long project, Map<String, Object> author, Long user, List<Map<String, Object>> links, String subject,
                                            String content, String status, String createdAt, String image) {
        Map<String, Object> r = rec("Note", "project", link("Project", project), "subject", subject, "content", content,
                "sg_status_list", status, "created_at", createdAt, "note_links", links,
                "created_by", author);
        if (user != null) r.put("user", link("HumanUser", user));
        if (image != null) r.put("image", image);
        return r;
    }
}
