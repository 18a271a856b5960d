package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrFilter;
import io.fptrfunctions.fptr.FptrRecords;
import io.fptrfunctions.http.Input;
import io.fptrfunctions.http.ProblemException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Finds the one user an {@code author} names: a HumanUser by login or full name, or an ApiUser (a script)
 * by its name. FPTR could filter notes by {@code created_by.HumanUser.login} itself, but then a typo or a
 * name two people share would silently give no notes or both people's notes; so this is the one look-up
 * the search makes. Both user types are asked at once. A user who left is retired (deleted) in FPTR, and FPTR's
 * searches skip retired rows, but the notes they wrote stay: when no live user is called so, the retired ones are
 * asked ({@code return_only: retired}), so their notes are still found by their login or name.
 */
final class AuthorResolver {

    private static final List<String> HUMAN_FIELDS = List.of("login", "name", "email", "sg_status_list");
    private static final List<String> API_FIELDS = List.of("firstname", "sg_status_list");
    /** Enough to list every match of a shared name in the 409; a login or script name matches one. */
    private static final int LOOKUP_PAGE = 50;

    private final FptrClient fptr;
    private final ExecutorService executor;
    private final Deadline deadline;

    AuthorResolver(FptrClient fptr, ExecutorService executor, Deadline deadline) {
        this.fptr = fptr;
        this.executor = executor;
        this.deadline = deadline;
    }

    /** {@code {"type","id"}} of the author; 404 problem when nobody matches, 409 listing them when several do. */
    ObjectNode resolve(String author) {
        List<ObjectNode> matches = matches(author, FptrClient.Rows.LIVE);
        boolean retired = matches.isEmpty();   // no live user: the users who left (retired in FPTR) are asked
        if (retired) {
            matches = matches(author, FptrClient.Rows.RETIRED);
        }
        if (matches.isEmpty()) {
            throw new ProblemException(404, "Unknown author",
                    "No HumanUser has the login or name '" + Input.quote(author) + "', and no ApiUser (script) is called so.")
                    .with("pointer", "/author");
        }
        if (matches.size() > 1) {
            List<Map<String, Object>> listed = matches.stream().map(user -> describe(user, retired)).toList();
            throw new ProblemException(409, "Ambiguous author",
                    matches.size() + " users match '" + Input.quote(author) + "'; send the login of the one you mean (or filter by id through filters: [\"created_by\", \"is\", {\"type\", \"id\"}]).")
                    .with("pointer", "/author").with("matches", listed);
        }
        ObjectNode user = matches.get(0);
        return FptrFilter.entity(user.path("type").asText(), user.path("id").asLong());
    }

    /** The users among {@code rows} that {@code author} names: a login's one user, else every name match. */
    private List<ObjectNode> matches(String author, FptrClient.Rows rows) {
        TextNode name = TextNode.valueOf(author);
        Future<List<JsonNode>> scripts = executor.submit(() -> fptr.searchPage(deadline, "ApiUser",
                FptrFilter.and(FptrFilter.condition("firstname", "is", name)), API_FIELDS, "id", LOOKUP_PAGE, 1, rows));
        List<JsonNode> humans;
        try {
            humans = fptr.searchPage(deadline, "HumanUser",
                    FptrFilter.or(FptrFilter.condition("login", "is", name), FptrFilter.condition("name", "is", name)),
                    HUMAN_FIELDS, "id", LOOKUP_PAGE, 1, rows);
        } catch (RuntimeException e) {
            scripts.cancel(true);
            throw e;
        }
        List<ObjectNode> found = new ArrayList<>();
        humans.stream().map(FptrRecords::flatten).forEach(found::add);
        join(scripts).stream().map(FptrRecords::flatten).forEach(found::add);
        // A login names one person; prefer it to full names that happen to be equal to it.
        List<ObjectNode> byLogin = found.stream()
                .filter(u -> "HumanUser".equals(u.path("type").asText()) && author.equalsIgnoreCase(u.path("login").asText()))
                .toList();
        return byLogin.size() == 1 ? byLogin : found;
    }

    private static Map<String, Object> describe(ObjectNode user, boolean retired) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", user.path("type").asText());
        m.put("id", user.path("id").asLong());
        boolean human = "HumanUser".equals(user.path("type").asText());
        m.put("name", human ? user.path("name").asText(null) : user.path("firstname").asText(null));
        if (human) {
            m.put("login", user.path("login").asText(null));
        }
        m.put("status", user.path("sg_status_list").asText(null));
        m.put("retired", retired);
        return m;
    }

    private static List<JsonNode> join(Future<List<JsonNode>> lookup) {
        try {
            return lookup.get();
        } catch (ExecutionException e) {
            // The lookup's own failure (an FptrFailure...), as if it had run in this thread.
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while looking up the author", e);
        }
    }
}
