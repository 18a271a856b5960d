package io.fptrfunctions.localfiles;

import io.fptrfunctions.fptr.FptrCredentialsRefusedException;
import io.fptrfunctions.fptr.FptrException;
import io.fptrfunctions.fptr.FptrProblems;
import io.fptrfunctions.fptr.FptrUnavailableException;
import io.fptrfunctions.http.ProblemException;

/**
 * FPTR's refusals as problems for our caller. A refusal caused by what the caller sent (unknown type,
 * field or id, a value FPTR rejects) keeps FPTR's 4xx status and carries FPTR's error as
 * {@code upstream}; everything else (credentials, FPTR faults, configuration) is worded by the shared
 * {@link FptrProblems}.
 */
final class UpstreamProblems {

    static final String NO_STORAGE = "doesn't match any defined Local Storage";

    private UpstreamProblems() {
    }

    /** The problem for a failed FPTR call made before anything was written. */
    static ProblemException of(RuntimeException failure) {
        if (failure instanceof FptrUnavailableException e) {
            ProblemException p = new ProblemException(503, "FPTR is unavailable",
                    e.getMessage() + " Nothing was written; it is safe to try again.", null, e);
            e.retryAfter().ifPresent(d -> p.withHeader("Retry-After", String.valueOf(Math.max(1, d.toSeconds()))));
            return p;
        }
        if (failure instanceof FptrException e && !(e instanceof FptrCredentialsRefusedException)) {
            String said = firstNonBlank(e.detail(), e.title(), "no reason given");
            String title = switch (e.status()) {
                case 400 -> said.contains(NO_STORAGE) ? "Unprocessable Content" : "Bad Request";
                case 403 -> "Forbidden";
                case 404 -> "Not Found";
                case 422 -> "Unprocessable Content";
                default -> null;
            };
            if (title != null) {
                int status = e.status() == 400 && said.contains(NO_STORAGE) ? 422 : e.status();
                return new ProblemException(status, title, "FPTR says: " + said, e.errors(), e);
            }
        }
        ProblemException shared = FptrProblems.from(failure);
        if (shared == null) {
            throw failure;
        }
        return shared;
    }

    static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
