package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.http.ProblemException;

/**
 * The usual problem answer for each FPTR client failure, so every function words them alike. A
 * function handles the FPTR errors it expects (a 404 on the record it was asked about...) itself and
 * passes the rest here.
 */
public final class FptrProblems {

    private FptrProblems() {
    }

    public static ProblemException from(RuntimeException failure) {
        if (failure instanceof FptrSudoRefusedException e) {
            // The login came from the caller: they can fix it.
            return new ProblemException(422, "FPTR refused to act as '" + e.login() + "'",
                    "FPTR will not issue a token for sudo_as_login '" + e.login() + "': " + e.title()
                            + ". Check that the login exists, is active and may be impersonated.", e.errors(), e);
        }
        if (failure instanceof FptrCredentialsRefusedException e) {
            // 403, not 5xx: RFC 9110 §15.5.4 — the credentials are understood but refused, and repeating the
            // request with them will not help. The caller cannot fix it; whoever deploys the functions can,
            // and the detail tells them where. (A 5xx would invite the caller to retry forever.)
            return new ProblemException(403, "FPTR refused the function's credentials",
                    "FPTR refused the credentials this deployment uses: " + e.title() + ". Fix the script name "
                            + "and key in the FPTR secret (FPTR_SECRET_ID) or the fptr.* configuration; calling "
                            + "again will not help.", e.errors(), e);
        }
        if (failure instanceof FptrUnavailableException e) {
            ProblemException problem = new ProblemException(503, "FPTR is unavailable", e.getMessage(), null, e);
            e.retryAfter().ifPresent(wait -> problem.withHeader("Retry-After", String.valueOf(Math.max(1, wait.toSeconds()))));
            return problem;
        }
        if (failure instanceof FptrWriteOutcomeUnknownException e) {
            return new ProblemException(502, "FPTR's answer was lost", e.getMessage(), null, e);
        }
        if (failure instanceof FptrConfigurationException e) {
            return new ProblemException(500, "The function is not configured for FPTR", e.getMessage(), null, e);
        }
        if (failure instanceof FptrException e) {
            if (e.status() == 404) {
                return new ProblemException(404, "Not Found", e.getMessage(), e.errors(), e);
            }
            return new ProblemException(502, "FPTR refused the function's request", e.getMessage(),
                    e.errors() == null ? errorObject(e) : e.errors(), e);
        }
        if (failure instanceof ProblemException e) {
            return e;
        }
        return null;
    }

    private static ObjectNode errorObject(FptrException e) {
        ObjectNode error = JsonNodeFactory.instance.objectNode();
        error.put("status", e.status());
        if (e.title() != null) {
            error.put("title", e.title());
        }
        return error;
    }
}
