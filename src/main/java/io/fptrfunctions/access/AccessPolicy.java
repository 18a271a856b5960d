package io.fptrfunctions.access;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.http.Caller;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Which IAM callers may act as which FPTR users, and which may send raw {@code filters} to note-search:
 * a JSON object from caller ARN patterns to what they are granted, e.g.
 * <pre>{"arn:aws:iam::123456789012:role/Pipeline*": ["*", "note-search:filters"],
 *  "arn:aws:iam::123456789012:role/Review": ["group:Reviewers", "jdoe"]}</pre>
 * <ul>
 *   <li>a pattern is an ARN in which {@code *} stands for any run of characters (or {@code "*"}: every
 *       caller); it is matched against the caller's ARN and against its principal (a role session's role,
 *       see {@link Caller});</li>
 *   <li>a grant is {@code "*"} (any login), a login ({@code "jdoe"}), {@code "group:<code>"} (the HumanUsers
 *       of that FPTR Group) or {@code "note-search:filters"};</li>
 *   <li>a caller gets what every matching pattern grants; nothing else. An empty policy grants nothing.</li>
 * </ul>
 * Plain data, no FPTR call: group membership is asked of the function given to {@link #sudoGrant}.
 */
public final class AccessPolicy {

    static final String ANY_LOGIN = "*";
    static final String GROUP = "group:";
    static final String RAW_FILTERS = "note-search:filters";
    /** ARNs and grants are short; a longer one is a mistake (the whole policy sits in a 4 KB environment). */
    private static final int MAX_TEXT = 2048;

    /** One pattern and its grants. */
    private record Rule(String pattern, boolean anyLogin, Set<String> logins, List<String> groups, boolean rawFilters) {
    }

    private final List<Rule> rules;

    private AccessPolicy(List<Rule> rules) {
        this.rules = rules;
    }

    /** The policy that grants nothing (the default: sudo and raw filters are off). */
    public static AccessPolicy none() {
        return new AccessPolicy(List.of());
    }

    /**
     * Reads a policy; blank is {@link #none()}. A malformed one is an {@link IllegalArgumentException}
     * saying what is wrong (for the operator's log), so a typo never grants or silently denies.
     */
    public static AccessPolicy parse(String json, ObjectMapper mapper) {
        if (json == null || json.isBlank()) {
            return none();
        }
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("it is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("it must be a JSON object from caller ARN patterns to lists of grants");
        }
        List<Rule> rules = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            rules.add(rule(e.getKey(), e.getValue()));
        }
        return new AccessPolicy(List.copyOf(rules));
    }

    private static Rule rule(String pattern, JsonNode grants) {
        if (!(pattern.equals("*") || pattern.startsWith("arn:")) || pattern.length() > MAX_TEXT) {
            throw new IllegalArgumentException("'" + pattern + "' is not an ARN pattern (arn:..., '*' for any characters)");
        }
        if (!grants.isArray()) {
            throw new IllegalArgumentException("the grants of '" + pattern + "' must be a list");
        }
        boolean anyLogin = false;
        boolean rawFilters = false;
        Set<String> logins = new LinkedHashSet<>();
        List<String> groups = new ArrayList<>();
        for (JsonNode g : grants) {
            String grant = g.isTextual() ? g.textValue() : "";
            if (grant.isBlank() || grant.length() > MAX_TEXT) {
                throw new IllegalArgumentException("'" + pattern + "' has a grant that is not a non-empty string: " + g);
            }
            if (grant.equals(ANY_LOGIN)) {
                anyLogin = true;
            } else if (grant.equals(RAW_FILTERS)) {
                rawFilters = true;
            } else if (grant.startsWith(GROUP) && grant.length() > GROUP.length()) {
                groups.add(grant.substring(GROUP.length()));
            } else if (grant.indexOf(':') < 0 && grant.chars().noneMatch(Character::isWhitespace)) {
                logins.add(grant);
            } else {
                throw new IllegalArgumentException("'" + pattern + "' has the grant '" + grant + "', which is none of "
                        + "\"*\", a login, \"group:<Group code>\" or \"" + RAW_FILTERS + "\"");
            }
        }
        return new Rule(pattern, anyLogin, Set.copyOf(logins), List.copyOf(groups), rawFilters);
    }

    /**
     * The grant that lets {@code caller} act as {@code login} ({@code "*"}, the login, {@code "group:<code>"}),
     * empty when none does. Logins and {@code "*"} are tried before groups, so a group is read only when needed.
     */
    public Optional<String> sudoGrant(Caller caller, String login, Function<String, Set<String>> groupMembers) {
        List<Rule> matching = matching(caller);
        for (Rule r : matching) {
            if (r.anyLogin()) {
                return Optional.of(ANY_LOGIN);
            }
            if (r.logins().contains(login)) {
                return Optional.of(login);
            }
        }
        for (Rule r : matching) {
            for (String group : r.groups()) {
                if (groupMembers.apply(group).contains(login)) {
                    return Optional.of(GROUP + group);
                }
            }
        }
        return Optional.empty();
    }

    /** True when a matching pattern grants {@code note-search:filters}. */
    public boolean mayUseRawFilters(Caller caller) {
        return matching(caller).stream().anyMatch(Rule::rawFilters);
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    private List<Rule> matching(Caller caller) {
        if (caller.isAnonymous()) {
            return List.of();
        }
        return rules.stream().filter(r -> matches(r.pattern(), caller.arn()) || matches(r.pattern(), caller.principal())).toList();
    }

    /**
     * {@code *} matches any run of characters, everything else itself. Greedy with one backtrack point
     * (the last {@code *}): at most pattern × text steps, both bounded, and no regular expression over
     * caller text (a role session name is the caller's choice).
     */
    static boolean matches(String pattern, String text) {
        int p = 0;
        int t = 0;
        int star = -1;
        int resume = 0;
        while (t < text.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                resume = t;
            } else if (p < pattern.length() && pattern.charAt(p) == text.charAt(t)) {
                p++;
                t++;
            } else if (star >= 0) {
                p = star + 1;
                t = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
