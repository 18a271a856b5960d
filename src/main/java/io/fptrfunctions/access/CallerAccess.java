package io.fptrfunctions.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrCache;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrFilter;
import io.fptrfunctions.fptr.FptrRecords;
import io.fptrfunctions.http.Caller;
import io.fptrfunctions.http.ProblemException;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The access decisions of the HTTP functions, from {@code fptr.access.policy} ({@link AccessPolicy}): may
 * this caller ask for a token acting as that login, may it send raw filters. A refusal is a 403 problem
 * that names neither the policy nor any other login; a malformed policy refuses everything it governs
 * with a 500 and says why in the log once. Group members are read from FPTR ({@code Group.users}, then
 * those HumanUsers' logins) and kept in an {@link FptrCache}.
 */
@ApplicationScoped
public class CallerAccess {

    private static final Logger LOG = Logger.getLogger(CallerAccess.class);

    @Inject
    AccessConfig config;

    @Inject
    FptrClient fptr;

    @Inject
    ObjectMapper mapper;

    @Inject
    Clock clock;

    private AccessPolicy policy;
    private String misconfiguration;
    private FptrCache<String, Set<String>> groups;

    @PostConstruct
    void read() {
        groups = FptrCache.withTtl(clock, config.groupCacheTtl());
        try {
            policy = AccessPolicy.parse(config.policy().orElse(null), mapper);
        } catch (IllegalArgumentException e) {
            misconfiguration = "fptr.access.policy (FPTR_ACCESS_POLICY) is malformed: " + e.getMessage();
            LOG.errorf("%s; every sudo_as_login and raw filters request is refused until it is fixed", misconfiguration);
        }
    }

    /**
     * The grant that lets {@code caller} act as {@code login} ({@code "*"}, the login, {@code "group:<code>"});
     * a 403 problem when none does.
     */
    public String requireSudo(Caller caller, String login, Deadline deadline) {
        return policy().sudoGrant(caller, login, group -> members(group, deadline)).orElseThrow(() -> new ProblemException(403, "Forbidden",
                "Your IAM identity (" + caller.arn() + ") may not ask for a token acting as '" + login + "'. "
                        + "Ask whoever deploys these functions to allow it.").with("pointer", "/sudo_as_login"));
    }

    /** Raw FPTR filters in note-search; a 403 problem naming {@code pointer} when the caller may not send them. */
    public void requireRawFilters(Caller caller, String pointer) {
        if (!policy().mayUseRawFilters(caller)) {
            throw new ProblemException(403, "Forbidden", "Your IAM identity (" + caller.arn() + ") may not send raw FPTR "
                    + "filters; use note-search's own criteria (project, author, linked, text, status, dates...), or ask "
                    + "whoever deploys these functions to allow it.").with("pointer", pointer);
        }
    }

    private AccessPolicy policy() {
        if (misconfiguration != null) {
            throw new ProblemException(500, "The function is not configured", "The function's access policy is "
                    + "malformed, so it refuses this request; its log says why.");
        }
        return policy;
    }

    /** The logins of the HumanUsers in every Group with this code (none when there is no such group). */
    private Set<String> members(String groupCode, Deadline deadline) {
        return groups.get(groupCode, deadline, code -> {
            Set<Long> ids = new LinkedHashSet<>();
            for (JsonNode group : fptr.searchAll(deadline, "Group", FptrFilter.and(FptrFilter.condition("code", "is", code)),
                    List.of("code", "users"), "id", null).rows()) {
                FptrRecords.flatten(group).path("users").forEach(u -> {
                    if ("HumanUser".equals(u.path("type").asText())) {
                        ids.add(u.path("id").asLong());
                    }
                });
            }
            Set<String> logins = new LinkedHashSet<>();
            if (!ids.isEmpty()) {
                ArrayNode idList = JsonNodeFactory.instance.arrayNode();
                ids.forEach(idList::add);
                fptr.searchAll(deadline, "HumanUser", FptrFilter.and(FptrFilter.condition("id", "in", idList)), List.of("login"), "id", ids.size())
                        .rows().forEach(u -> {
                            String login = FptrRecords.flatten(u).path("login").asText(null);
                            if (login != null) {
                                logins.add(login);
                            }
                        });
            }
            LOG.debugf("FPTR Group '%s' has %d HumanUser members", code, logins.size());
            return Set.copyOf(logins);
        });
    }
}
