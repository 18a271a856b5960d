package io.fptrfunctions.http;

import io.fptrfunctions.aws.AwsFailure;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrFailure;
import io.fptrfunctions.fptr.StorageFailure;

import java.time.Duration;

/**
 * The one table that turns a failure into the problem a caller gets, shared by every HTTP function
 * (README "Failure model" shows it). A function words a row its own way only where its contract says
 * so, starting from {@link #of(FptrFailure)} (local-file's lost write adds {@code write_outcome},
 * note-search's failed page adds {@code page}); its own answers (a 409 while an image is pending, an
 * unknown author) are {@link ProblemException}s it throws itself.
 */
public final class Problems {

    /** {@code Retry-After} of a 503 or 504 when nobody upstream said how long to wait. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private Problems() {
    }

    /** The row for an FPTR outcome. (Java 17: no switch over the sealed type yet, so one instanceof per type.) */
    public static ProblemException of(FptrFailure failure) {
        if (failure instanceof FptrFailure.Refused r) {
            return refused(r);
        }
        if (failure instanceof FptrFailure.Unavailable u) {
            return new ProblemException(503, "FPTR is unavailable",
                    u.getMessage() + " Nothing was written to FPTR; it is safe to try again later.", null, u)
                    .withRetryAfter(u.retryAfter().orElse(RETRY_AFTER));
        }
        if (failure instanceof FptrFailure.WriteOutcomeUnknown w) {
            return w.lost() == FptrFailure.WriteOutcomeUnknown.Lost.TIMEOUT
                    ? new ProblemException(504, "FPTR's answer was lost", w.getMessage(), null, w)
                    : new ProblemException(502, "FPTR's answer was lost", w.getMessage(), null, w);
        }
        if (failure instanceof FptrFailure.CredentialsRefused c) {
            // 403, not 5xx: RFC 9110 §15.5.4, the credentials are understood but refused, and repeating the
            // request will not help. Whoever deploys the functions can fix it; a 5xx would invite retries.
            return new ProblemException(403, "FPTR refused the function's credentials", c.getMessage(), c.upstream(), c);
        }
        if (failure instanceof FptrFailure.SudoRefused s) {
            // The login came from the caller: they can fix it.
            return new ProblemException(422, "FPTR refused to act as the user", s.getMessage(), s.upstream(), s);
        }
        FptrFailure.Misconfigured m = (FptrFailure.Misconfigured) failure;
        return new ProblemException(500, "The function is not configured for FPTR", m.getMessage(), null, m);
    }

    private static ProblemException refused(FptrFailure.Refused r) {
        String detail = sentence(r.getMessage());
        return switch (r.kind()) {
            case NOT_FOUND -> new ProblemException(404, "Not Found", detail, r.upstream(), r);
            case UNKNOWN_ENTITY_TYPE -> new ProblemException(400, "Unknown entity type", detail, r.upstream(), r);
            case UNKNOWN_FIELD -> new ProblemException(400, "Unknown field", detail, r.upstream(), r);
            case NO_LOCAL_STORAGE -> new ProblemException(422, "Path under no LocalStorage", detail, r.upstream(), r);
            case PERMISSION_DENIED -> new ProblemException(403, "FPTR denied permission", detail
                    + " The function's FPTR script (or user) may not do this; its permissions must change first.", r.upstream(), r);
            case INVALID_REQUEST -> new ProblemException(400, "FPTR refused the request", detail, r.upstream(), r);
            case ANSWER_TOO_LARGE -> new ProblemException(502, "FPTR's answer was too large", detail, null, r);
            case OTHER -> new ProblemException(502, "FPTR refused the function's request", detail, r.upstream(), r);
        };
    }

    /**
     * The row for any failure: FPTR's, AWS's and storage's by type; a {@link ProblemException} as it is;
     * anything else (a bug, an {@link Error}) is a 500 that points at the log under {@code requestId}.
     */
    public static ProblemException of(Throwable failure, String requestId) {
        if (failure instanceof ProblemException p) {
            return p;
        }
        if (failure instanceof FptrFailure f) {
            return of(f);
        }
        if (failure instanceof StorageFailure s) {
            return new ProblemException(502, "Bad Gateway", s.getMessage(), null, s);
        }
        if (failure instanceof AwsFailure a) {
            return a.timedOut()
                    ? new ProblemException(504, "Gateway Timeout", a.getMessage(), null, a).withRetryAfter(RETRY_AFTER)
                    : new ProblemException(502, "Bad Gateway", a.getMessage(), null, a);
        }
        if (failure instanceof Deadline.Exceeded d) {
            return new ProblemException(504, "Gateway Timeout", d.getMessage() + " Try again later.", null, d)
                    .withRetryAfter(RETRY_AFTER);
        }
        return new ProblemException(500, "Internal Server Error",
                "The function failed unexpectedly; the error is in its log under request id " + requestId + ".");
    }

    /** True for what {@link #of(Throwable, String)} answers as a 500 that needs its stack trace logged. */
    static boolean isUnexpected(Throwable failure) {
        return !(failure instanceof ProblemException || failure instanceof FptrFailure
                || failure instanceof StorageFailure || failure instanceof AwsFailure || failure instanceof Deadline.Exceeded);
    }

    /** FPTR's words end with or without a full stop; the detail ends with one. */
    private static String sentence(String words) {
        int end = words.length();
        while (end > 0 && words.charAt(end - 1) == '.') {
            end--;
        }
        return words.substring(0, end) + ".";
    }
}
