package io.fptrfunctions.access;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.http.Caller;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The policy's format and its decisions, without FPTR (groups come from a map). */
class AccessPolicyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POLICY = """
            {"arn:aws:iam::123456789012:role/Pipeline*": ["*", "note-search:filters"],
             "arn:aws:iam::123456789012:role/Review": ["group:Reviewers", "jdoe"],
             "arn:aws:sts::123456789012:assumed-role/Ops/oncall-*": ["ops.bot"]}""";
    private static final Map<String, Set<String>> GROUPS = Map.of("Reviewers", Set.of("alima", "jsmith"));

    private final List<String> groupsRead = new ArrayList<>();
    private final Function<String, Set<String>> members = g -> {
        groupsRead.add(g);
        return GROUPS.getOrDefault(g, Set.of());
    };

    private Optional<String> sudo(String policy, String callerArn, String login) {
        return AccessPolicy.parse(policy, JSON).sudoGrant(Caller.of(callerArn), login, members);
    }

    @Test
    void noPolicyGrantsNothing() {
        for (String none : new String[] {null, "", "  ", "{}"}) {
            AccessPolicy p = AccessPolicy.parse(none, JSON);
            assertEquals(Optional.empty(), p.sudoGrant(Caller.of("arn:aws:iam::123456789012:role/Pipeline"), "jdoe", members));
            assertFalse(p.mayUseRawFilters(Caller.of("arn:aws:iam::123456789012:user/admin")));
        }
    }

    @Test
    void aRoleSessionIsItsRoleAndPatternsMatchEither() {
        assertEquals("arn:aws:iam::123456789012:role/Review",
                Caller.of("arn:aws:sts::123456789012:assumed-role/Review/jane").principal());
        assertEquals("arn:aws-cn:iam::123456789012:role/R",
                Caller.of("arn:aws-cn:sts::123456789012:assumed-role/R/s").principal());
        assertEquals("arn:aws:iam::123456789012:user/dev", Caller.of("arn:aws:iam::123456789012:user/dev").principal());
        assertTrue(Caller.of(null).isAnonymous());

        assertEquals(Optional.of("jdoe"), sudo(POLICY, "arn:aws:sts::123456789012:assumed-role/Review/any-session", "jdoe"));
        assertEquals(Optional.of("ops.bot"), sudo(POLICY, "arn:aws:sts::123456789012:assumed-role/Ops/oncall-7", "ops.bot"));
        assertEquals(Optional.empty(), sudo(POLICY, "arn:aws:sts::123456789012:assumed-role/Ops/laptop", "ops.bot"),
                "the session pattern names oncall-* sessions only");
        assertEquals(Optional.of("*"), sudo(POLICY, "arn:aws:sts::123456789012:assumed-role/PipelineDeploy/ci", "anyone"));
        assertEquals(Optional.empty(), sudo(POLICY, "arn:aws:sts::999999999999:assumed-role/Review/jane", "jdoe"),
                "another account's role of the same name");
        assertEquals(Optional.empty(), sudo(POLICY, "arn:aws:iam::123456789012:role/ReviewExtra", "jdoe"),
                "a pattern without * matches the whole ARN only");
    }

    @Test
    void groupsAreAskedForOnlyWhenNoLoginGrantDecides() {
        String review = "arn:aws:iam::123456789012:role/Review";
        assertEquals(Optional.of("jdoe"), sudo(POLICY, review, "jdoe"));
        assertEquals(List.of(), groupsRead);
        assertEquals(Optional.of("group:Reviewers"), sudo(POLICY, review, "alima"));
        assertEquals(Optional.empty(), sudo(POLICY, review, "otimer"));
        assertEquals(List.of("Reviewers", "Reviewers"), groupsRead);
        assertEquals(Optional.empty(), sudo(POLICY, review, "JDOE"), "logins compare exactly: a near miss is refused");
    }

    @Test
    void rawFiltersNeedTheirOwnGrant() {
        AccessPolicy p = AccessPolicy.parse(POLICY, JSON);
        assertTrue(p.mayUseRawFilters(Caller.of("arn:aws:sts::123456789012:assumed-role/Pipeline/x")));
        assertFalse(p.mayUseRawFilters(Caller.of("arn:aws:iam::123456789012:role/Review")), "sudo grants are not filters grants");
        assertFalse(p.mayUseRawFilters(Caller.of(null)));
        assertTrue(AccessPolicy.parse("{\"*\": [\"note-search:filters\"]}", JSON).mayUseRawFilters(Caller.of("arn:aws:iam::1:user/u")));
    }

    @Test
    void aMalformedPolicyIsRefusedSayingWhatIsWrong() {
        Map<String, String> cases = Map.of(
                "{", "not valid JSON",
                "[\"arn:aws:iam::1:role/R\"]", "must be a JSON object",
                "{\"Pipeline\": [\"*\"]}", "is not an ARN pattern",
                "{\"arn:aws:iam::1:role/R\": \"*\"}", "must be a list",
                "{\"arn:aws:iam::1:role/R\": [1]}", "not a non-empty string",
                "{\"arn:aws:iam::1:role/R\": [\"groups:X\"]}", "none of",
                "{\"arn:aws:iam::1:role/R\": [\"j doe\"]}", "none of");
        cases.forEach((policy, expected) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AccessPolicy.parse(policy, JSON), policy);
            assertTrue(e.getMessage().contains(expected), policy + " -> " + e.getMessage());
        });
    }

    @Test
    void wildcardsMatchAnyRunAndNothingElse() {
        assertTrue(AccessPolicy.matches("*", ""));
        assertTrue(AccessPolicy.matches("a*b*c", "aXXbYYc"));
        assertTrue(AccessPolicy.matches("a*", "a"));
        assertFalse(AccessPolicy.matches("a*b", "aXXbY"));
        assertFalse(AccessPolicy.matches("arn:aws:iam::1:role/R.*", "arn:aws:iam::1:role/RX"), "'.' is a character, not a regex");
        String hostile = "a".repeat(2000);
        assertFalse(AccessPolicy.matches("*a*a*a*a*a*b", hostile), "bounded, no backtracking blow-up");
    }
}
