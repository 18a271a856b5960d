package io.fptrfunctions.notes;

import io.fptrfunctions.fptr.FieldSchemas;
import io.fptrfunctions.fptr.FptrException;
import io.fptrfunctions.http.ProblemException;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Checks the caller's {@code fields} against FPTR's schema before the search. FPTR drops a name it does
 * not know and answers 200, so a typo ({@code sg_status} for {@code sg_status_list}) would come back as
 * {@code null} on every note, which reads like real data; here it is a 400 naming the field. Each hop of
 * a dotted path is checked ({@code project.Project.name}: Note.project, then Project.name). Schemas are
 * cached (FieldSchemas), so this costs FPTR calls only the first time a field is asked for.
 */
final class RequestedFields {

    private static final Logger LOG = Logger.getLogger(RequestedFields.class);

    private RequestedFields() {
    }

    /** One field of one entity type that a requested name needs to exist. */
    private record Hop(String entityType, String field) {
        @Override
        public String toString() {
            return entityType + "." + field;
        }
    }

    static void requireKnown(List<String> fields, FieldSchemas schemas, ExecutorService executor) {
        Map<Hop, Future<FptrException>> lookups = new LinkedHashMap<>();
        for (String name : fields) {
            for (Hop hop : hops(name)) {
                lookups.computeIfAbsent(hop, h -> executor.submit(() -> missing(schemas, h)));
            }
        }
        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            for (Hop hop : hops(fields.get(i))) {
                FptrException missing = result(lookups.get(hop));
                if (missing != null) {
                    unknown.add("fields[" + i + "] \"" + fields.get(i) + "\": " + describe(hop, missing));
                    break;
                }
            }
        }
        if (!unknown.isEmpty()) {
            throw ProblemException.badRequest(String.join("; ", unknown) + ". FPTR leaves fields it does not know "
                    + "out of its answer, so they would come back null on every note; check the spelling "
                    + "(FPTR's field names, e.g. sg_status_list).").with("key", "fields");
        }
    }

    /** The hops of a name: {@code a} → Note.a; {@code a.B.c} → Note.a, B.c. Fixed keys need no check. */
    private static List<Hop> hops(String name) {
        if (name.equals("id") || NoteShaper.BASE_FIELDS.contains(name)) {
            return List.of();
        }
        String[] parts = name.split("\\.");
        List<Hop> hops = new ArrayList<>();
        hops.add(new Hop("Note", parts[0]));
        for (int i = 1; i + 1 < parts.length; i += 2) {
            hops.add(new Hop(parts[i], parts[i + 1]));
        }
        return hops;
    }

    /** FPTR's 404 when the hop does not exist; null when it does, or when the schema could not be read. */
    private static FptrException missing(FieldSchemas schemas, Hop hop) {
        try {
            schemas.field(hop.entityType(), hop.field());
            return null;
        } catch (RuntimeException e) {
            if (e instanceof FptrException refused && refused.status() == 404) {
                return refused;
            }
            // A check that cannot run (no schema permission, FPTR down) must not stop a search FPTR may well answer.
            LOG.debugf("Could not check %s in FPTR's schema (%s); searching without the check", hop, e.getMessage());
            return null;
        }
    }

    private static String describe(Hop hop, FptrException missing) {
        String said = missing.detail() != null ? missing.detail() : missing.title();
        return said != null && said.startsWith("Entity type")
                ? "FPTR knows no entity type " + hop.entityType()
                : hop.entityType() + " has no field " + hop.field();
    }

    private static FptrException result(Future<FptrException> lookup) {
        try {
            return lookup.get();
        } catch (ExecutionException e) {
            return null;   // missing() catches what it can; anything else leaves the field unchecked
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking the requested fields", e);
        }
    }
}
