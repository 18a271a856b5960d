package io.fptrfunctions.notes;

import io.fptrfunctions.fptr.FieldSchemas;
import io.fptrfunctions.fptr.FptrFailure;
import io.fptrfunctions.http.Problems;
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
        Map<Hop, Future<FptrFailure.Refused>> lookups = new LinkedHashMap<>();
        for (String name : fields) {
            for (Hop hop : hops(name)) {
                lookups.computeIfAbsent(hop, h -> executor.submit(() -> missing(schemas, h)));
            }
        }
        List<String> unknown = new ArrayList<>();
        FptrFailure.Refused first = null;
        int firstIndex = -1;
        for (int i = 0; i < fields.size(); i++) {
            for (Hop hop : hops(fields.get(i))) {
                FptrFailure.Refused missing = result(lookups.get(hop));
                if (missing != null) {
                    unknown.add("'fields/" + i + "' (\"" + fields.get(i) + "\"): " + describe(hop, missing));
                    if (first == null) {
                        first = missing;
                        firstIndex = i;
                    }
                    break;
                }
            }
        }
        if (first != null) {
            // FPTR's own answer for the first unknown name (status, title, upstream), worded for all of them.
            throw Problems.of(first).withDetail(String.join("; ", unknown) + ". FPTR leaves fields it does not know "
                    + "out of its answer, so they would come back null on every note; check the spelling "
                    + "(FPTR's field names, e.g. sg_status_list).").with("pointer", "/fields/" + firstIndex);
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

    /** FPTR's refusal when the hop's type or field does not exist; null when it does, or the schema could not be read. */
    private static FptrFailure.Refused missing(FieldSchemas schemas, Hop hop) {
        try {
            schemas.field(hop.entityType(), hop.field());
            return null;
        } catch (FptrFailure.Refused refused) {
            if (refused.kind() == FptrFailure.Refused.Kind.UNKNOWN_FIELD
                    || refused.kind() == FptrFailure.Refused.Kind.UNKNOWN_ENTITY_TYPE) {
                return refused;
            }
            return unchecked(hop, refused);
        } catch (FptrFailure e) {
            return unchecked(hop, e);
        }
    }

    /** A check that cannot run (no schema permission, FPTR down) must not stop a search FPTR may well answer. */
    private static FptrFailure.Refused unchecked(Hop hop, FptrFailure why) {
        LOG.debugf("Could not check %s in FPTR's schema (%s); searching without the check", hop, why.getMessage());
        return null;
    }

    private static String describe(Hop hop, FptrFailure.Refused missing) {
        return missing.kind() == FptrFailure.Refused.Kind.UNKNOWN_ENTITY_TYPE
                ? "FPTR knows no entity type " + hop.entityType()
                : hop.entityType() + " has no field " + hop.field();
    }

    private static FptrFailure.Refused result(Future<FptrFailure.Refused> lookup) {
        try {
            return lookup.get();
        } catch (ExecutionException e) {
            return null;   // missing() catches FPTR's failures; anything else leaves the field unchecked
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking the requested fields", e);
        }
    }
}
