package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Optional;

/**
 * What a failed FPTR call meant, decided once by {@link FptrResponses} where FPTR's status, its error body
 * and the transport cause are at hand. Every function (and the queue workers) switches on these types;
 * nothing outside {@code fptr/} reads FPTR's words or an exception's class to find out what happened.
 * The message says what failed in words safe to show a caller: never a token, key or signed URL.
 */
public sealed abstract class FptrFailure extends RuntimeException {

    FptrFailure(String message, Throwable cause) {
        super(message, cause, false, true);
    }

    /** FPTR answered and refused the call; repeating it unchanged gives the same answer. */
    public static final class Refused extends FptrFailure {

        /** Why FPTR refused, from its numeric {@code code} first and its words only where the code is shared. */
        public enum Kind {
            /** 404 on a record (or on an empty file field): {@code code 104 "Not Found"}. */
            NOT_FOUND,
            /** 404 {@code Entity type '<x>' does not exist.} */
            UNKNOWN_ENTITY_TYPE,
            /** 400 code 103 {@code API read() Asset.not_existing_field doesn't exist.}, or the schema's 404. */
            UNKNOWN_FIELD,
            /** 400 code 104 {@code ... doesn't match any defined Local Storage.} (or names no Local Storage). */
            NO_LOCAL_STORAGE,
            /**
             * The function's script or user may not do this: a 403, or FPTR's usual 400 whose words name the user
             * ({@code The field is not editable for this user: [Note.subject].}, {@code Entity of type Note cannot be
             * created by this user.}); a 401 a fresh token gets too that says {@code Must sudo as Administrator}.
             */
            PERMISSION_DENIED,
            /** Any other 4xx: a filter, value, page or parameter FPTR would not take. */
            INVALID_REQUEST,
            /** FPTR's answer was larger than {@code fptr.max-answer-bytes}: not read (asking again gets the same). */
            ANSWER_TOO_LARGE,
            /** Anything else FPTR answered that is not transient (a 5xx it sends every time, a 401 after a fresh token...). */
            OTHER
        }

        private final Kind kind;
        private final int status;
        private final Integer code;
        private final String title;
        private final String detail;
        private final JsonNode upstream;

        Refused(String message, Kind kind, int status, Integer code, String title, String detail, JsonNode upstream) {
            super(message, null);
            this.kind = kind;
            this.status = status;
            this.code = code;
            this.title = title;
            this.detail = detail;
            this.upstream = upstream;
        }

        public Kind kind() { return kind; }

        /** The HTTP status FPTR answered. */
        public int status() { return status; }

        /** FPTR's numeric error code (102 auth, 103 request, 104 not found...), or null when it sent none. */
        public Integer code() { return code; }

        public String title() { return title; }

        public String detail() { return detail; }

        /** FPTR's first error object verbatim ({@code id, status, code, title, source, detail, meta}); never null. */
        public JsonNode upstream() { return upstream; }
    }

    /**
     * FPTR could not be reached in time: retries exhausted (429, 502, 503, 504, cut or refused
     * connections), a timeout, the circuit breaker open because the site keeps failing, or a Retry-After
     * too long to wait. Nothing was changed on FPTR: the call may be made again later.
     */
    public static final class Unavailable extends FptrFailure {

        private final Duration retryAfter;

        Unavailable(String message, Duration retryAfter, Throwable cause) {
            super(message, cause);
            this.retryAfter = retryAfter;
        }

        /** When FPTR said to come back, if it did. */
        public Optional<Duration> retryAfter() {
            return Optional.ofNullable(retryAfter);
        }
    }

    /**
     * A create or update was sent but its answer never arrived whole: FPTR may or may not have applied it.
     * Writes are never repeated automatically (a repeated create is a duplicate); look before trying again.
     */
    public static final class WriteOutcomeUnknown extends FptrFailure {

        /** How the answer was lost. */
        public enum Lost {
            /** The connection broke: FPTR either finished the request or never got all of it. */
            CUT,
            /** No answer in time: FPTR may still be working on it. */
            TIMEOUT,
            /** FPTR's front answered 502 or 504: its back end may still be working on it. */
            GATEWAY
        }

        private final Lost lost;

        WriteOutcomeUnknown(String message, Lost lost, Throwable cause) {
            super(message, cause);
            this.lost = lost;
        }

        public Lost lost() { return lost; }
    }

    /**
     * FPTR refused the deployment's own credentials at the token endpoint (e.g. 400 {@code Can't
     * authenticate script 'x'}). Calling again cannot help; whoever manages the secret or configuration must.
     */
    public static final class CredentialsRefused extends FptrFailure {

        private final JsonNode upstream;

        CredentialsRefused(String message, JsonNode upstream) {
            super(message, null);
            this.upstream = upstream;
        }

        /** FPTR's error object verbatim (it names the script, never the key). */
        public JsonNode upstream() { return upstream; }
    }

    /**
     * FPTR refused to act as the requested user (scope {@code sudo_as_login:<login>}): unknown, retired
     * or inactive user, or impersonation turned off for that user. The login came from the caller.
     */
    public static final class SudoRefused extends FptrFailure {

        private final String login;
        private final JsonNode upstream;

        SudoRefused(String message, String login, JsonNode upstream) {
            super(message, null);
            this.login = login;
            this.upstream = upstream;
        }

        public String login() { return login; }

        public JsonNode upstream() { return upstream; }
    }

    /**
     * The deployment is not set up to reach FPTR: no credentials configured, the secret missing or not
     * shaped {@code {"site_url","script_name","script_key"}}, or a site URL that is not an FPTR site. Our
     * fault, not the caller's; the message says what to fix and never holds a secret value.
     */
    public static final class Misconfigured extends FptrFailure {

        Misconfigured(String message) {
            super(message, null);
        }
    }
}
