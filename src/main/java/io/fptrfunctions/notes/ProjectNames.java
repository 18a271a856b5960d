package io.fptrfunctions.notes;

import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrCache;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrFilter;
import io.fptrfunctions.http.Input;
import io.fptrfunctions.http.ProblemException;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.util.List;

/**
 * A project named by name, resolved to its id before the search: FPTR's {@code project.Project.name is <name>} would
 * match the notes of every project of that name, a mixed answer nobody asked for. One {@code _search} of Project per
 * name, a unique match kept {@code fptr.notes.project-name-ttl} (5 min); a name no project or several projects have
 * is read again on each search (it is the caller's to fix, and may be fixed meanwhile).
 */
@ApplicationScoped
class ProjectNames {

    /** Enough to name every project of a shared name in the 409. */
    private static final int LOOKUP_PAGE = 50;

    @Inject
    FptrClient fptr;

    @Inject
    NotesConfig config;

    @Inject
    Clock clock;

    private FptrCache<String, Long> ids;

    @PostConstruct
    void createCache() {
        ids = FptrCache.withTtl(clock, config.projectNameTtl());
    }

    /** The id of the one Project named {@code name}; a 404 problem when none is, a 409 listing them when several are. */
    long id(String name, Deadline deadline) {
        return ids.get(name, deadline, n -> {
            List<Long> found = fptr.searchPage(deadline, "Project", FptrFilter.and(FptrFilter.condition("name", "is", n)),
                    List.of("name"), "id", LOOKUP_PAGE, 1).stream().map(p -> p.path("id").asLong()).toList();
            if (found.isEmpty()) {
                throw new ProblemException(404, "Unknown project", "No Project is named '" + Input.quote(n)
                        + "'. Check the project's id or name; no note can match it.").with("pointer", "/project");
            }
            if (found.size() > 1) {
                throw new ProblemException(409, "Ambiguous project", found.size() + (found.size() == LOOKUP_PAGE ? " or more" : "")
                        + " Projects are named '" + Input.quote(n) + "' (ids " + found + "); name the one you mean by its id, "
                        + "e.g. {\"project\": " + found.get(0) + "}. No note was read.")
                        .with("pointer", "/project").with("candidates", found);
            }
            return found.get(0);
        });
    }
}
