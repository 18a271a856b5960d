package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrFailure.Refused.Kind;
import io.fptrfunctions.fptr.FptrFailure.WriteOutcomeUnknown.Lost;
import io.fptrfunctions.telemetry.Invocation;
import io.fptrfunctions.telemetry.Invocations;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The one place that reads what FPTR answered and decides what a failure means: a 2xx body as JSON, a
 * 3xx as its Location, anything else as an {@link FptrFailure} (or, inside the fault-tolerance policies,
 * as the package's {@link TransientFptrFailure} to retry and {@link UnauthorizedCall} to mint again).
 * FPTR's numeric {@code code} decides first; its title and detail only where FPTR shares one code
 * between several meanings (unknown entity type, unknown field, Local Storage, sudo versus credentials),
 * and only here. The transport cause (refused, cut, timed out) is read here too. FPTR's
 * {@code x-request-id} of each answer goes into the invocation's later log lines (what Autodesk support asks for).
 */
@ApplicationScoped
class FptrResponses {

    /** The most of FPTR's own words (title, detail) a failure's message repeats. */
    private static final int MAX_QUOTED = 500;

    /** Which endpoint answered: a 404 from the schema means an unknown field, from a record an unknown id. */
    enum Endpoint { DATA, SCHEMA }

    @Inject
    ObjectMapper mapper;

    @Inject
    FptrConfig config;

    @Inject
    Clock clock;

    @Inject
    Invocations invocations;

    /** The exchange's 2xx body as JSON (an empty or blank body, like complete_upload's " ", is MissingNode). */
    JsonNode json(String what, Endpoint endpoint, Supplier<Response> exchange) {
        try (Response response = exchange.get()) {
            noteRequestId(response);
            byte[] body = body(what, response);
            int status = response.getStatus();
            if (status >= 200 && status < 300) {
                return parse(body);
            }
            throw failure(what, endpoint, response, body);
        } catch (ProcessingException e) {
            throw network(e);
        }
    }

    /**
     * The Location of the exchange's 3xx answer, resolved against the site: an http(s) URL. The Location is a
     * signed storage URL, so no failure here repeats it (nor the JDK's messages, which would).
     */
    URI location(String what, Supplier<Response> exchange, URI site) {
        try (Response response = exchange.get()) {
            noteRequestId(response);
            int status = response.getStatus();
            if (status >= 300 && status < 400) {
                String location = response.getHeaderString("Location");
                if (location == null || location.isBlank()) {
                    throw refusedOther(what, status, "FPTR redirected without a Location");
                }
                return storageUrl(what, status, location, site);
            }
            byte[] body = body(what, response);
            if (status >= 200 && status < 300) {
                throw refusedOther(what, status, "FPTR answered without the redirect to the stored file");
            }
            throw failure(what, Endpoint.DATA, response, body);
        } catch (ProcessingException e) {
            throw network(e);
        }
    }

    /**
     * The token endpoint's answer ({@code access_token}, {@code expires_in}). A refusal there is about
     * the login the caller asked to act as (FPTR's words name {@code sudo}) or else about our own
     * credentials; a 404 means the site URL is not an FPTR site.
     */
    JsonNode token(String what, String sudoLogin, Supplier<Response> exchange) {
        JsonNode answer;
        try (Response response = exchange.get()) {
            noteRequestId(response);
            byte[] body = body(what, response);
            int status = response.getStatus();
            if (status < 200 || status >= 300) {
                throw tokenFailure(what, sudoLogin, response, body);
            }
            answer = parse(body);
        } catch (ProcessingException e) {
            throw network(e);
        }
        if (answer.path("access_token").asText("").isBlank() || answer.path("expires_in").asLong(0) <= 0) {
            throw new TransientFptrFailure("FPTR's token answer had no access_token or expires_in", null, Lost.GATEWAY, null);
        }
        return answer;
    }

    // ---- after the fault-tolerance policies -------------------------------------------------------

    /** For calls safe to repeat: what is left after retries is "FPTR unavailable, nothing changed". */
    <T> T safe(String what, Supplier<T> guarded) {
        try {
            return guarded.get();
        } catch (TransientFptrFailure e) {
            throw new FptrFailure.Unavailable(what + ": " + e.getMessage() + (e.retryable() ? ", retries exhausted." : "."),
                    e.retryAfter(), e);
        } catch (TimeoutException e) {
            throw new FptrFailure.Unavailable(what + ": FPTR did not answer in time, retries exhausted.", null, e);
        } catch (CircuitBreakerOpenException e) {
            throw circuitOpen(what, e);
        } catch (Deadline.Exceeded e) {
            throw outOfTime(what, e);
        }
    }

    /** For creates and updates: a failure after the request may have reached FPTR leaves the outcome unknown. */
    <T> T write(String what, Supplier<T> guarded) {
        try {
            return guarded.get();
        } catch (TransientFptrFailure e) {
            if (e.lost() != null) {
                throw new FptrFailure.WriteOutcomeUnknown(what + ": " + e.getMessage()
                        + "; FPTR may or may not have applied it. Look before trying again.", e.lost(), e);
            }
            throw new FptrFailure.Unavailable(what + ": " + e.getMessage() + "; nothing was changed.", e.retryAfter(), e);
        } catch (TimeoutException e) {
            throw new FptrFailure.WriteOutcomeUnknown(what + ": FPTR did not answer in time; it may or may not have "
                    + "applied the change. Look before trying again.", Lost.TIMEOUT, e);
        } catch (CircuitBreakerOpenException e) {
            throw circuitOpen(what, e);
        } catch (Deadline.Exceeded e) {
            throw outOfTime(what, e);   // thrown before the write was sent
        }
    }

    private FptrFailure.Unavailable circuitOpen(String what, CircuitBreakerOpenException e) {
        return new FptrFailure.Unavailable(what + ": FPTR has been failing repeatedly, so it is not called for a "
                + "short while (circuit breaker open).", config.calls().circuitBreaker().delay(), e);
    }

    /** No attempt (or no further one) fitted in the invocation's deadline: FPTR was too slow for it, nothing changed. */
    private static FptrFailure.Unavailable outOfTime(String what, Deadline.Exceeded e) {
        return new FptrFailure.Unavailable(what + ": FPTR did not answer within the time the function has left, "
                + "so it stopped before its own timeout.", null, e);
    }

    // ---- reading an error answer ------------------------------------------------------------------

    /** FPTR's error answer, read once: its first error object, code, title and detail. */
    private record ErrorAnswer(int status, Integer code, String title, String detail, JsonNode upstream) {

        /** Title and detail, lower-cased: for the few meanings FPTR's code does not tell apart. */
        String words() {
            return ((title == null ? "" : title) + " " + (detail == null ? "" : detail)).toLowerCase(Locale.ROOT);
        }

        String describe() {
            StringBuilder s = new StringBuilder("FPTR answered ").append(status);
            if (code != null) {
                s.append(" (code ").append(code).append(')');
            }
            if (title != null && !title.isBlank()) {
                s.append(": ").append(clip(title));
            }
            if (detail != null && !detail.isBlank() && !detail.equals(title)) {
                s.append(" - ").append(clip(detail));
            }
            return s.toString();
        }

        /** FPTR echoes what it refuses (a caller's value, a relation): a message quotes at most 500 characters of it. */
        private static String clip(String words) {
            if (words.length() <= MAX_QUOTED) {
                return words;
            }
            int end = MAX_QUOTED - 3;
            // never half a surrogate pair: the message must stay valid Unicode
            return words.substring(0, Character.isHighSurrogate(words.charAt(end - 1)) ? end - 1 : end) + "...";
        }
    }

    private ErrorAnswer read(Response response, byte[] body) {
        int status = response.getStatus();
        JsonNode error = firstError(body);
        Integer code = error.path("code").isIntegralNumber() && error.path("code").canConvertToInt() ? error.path("code").asInt() : null;
        String title = text(error.get("title"));
        if (title == null) {
            title = response.getStatusInfo().getReasonPhrase();
        }
        JsonNode upstream = error.isMissingNode() ? basicError(status, title) : error;
        return new ErrorAnswer(status, code, title, text(error.get("detail")), upstream);
    }

    private RuntimeException failure(String what, Endpoint endpoint, Response response, byte[] body) {
        ErrorAnswer e = read(response, body);
        return switch (e.status()) {
            case 401 -> new UnauthorizedCall(refused(what, refusesPermission(e) ? Kind.PERMISSION_DENIED : Kind.OTHER, e));
            case 429, 502, 503, 504 -> transientOrWaitTooLong(what, e.status(), e.title(), response);
            default -> refused(what, kind(endpoint, e), e);
        };
    }

    private RuntimeException tokenFailure(String what, String sudoLogin, Response response, byte[] body) {
        ErrorAnswer e = read(response, body);
        int status = e.status();
        if (status == 429 || status == 502 || status == 503 || status == 504) {
            return transientOrWaitTooLong(what, status, e.title(), response);
        }
        if (status == 400 || status == 401 || status == 403) {
            String words = e.words();
            if (sudoLogin != null && words.contains("sudo")) {
                return new FptrFailure.SudoRefused("FPTR will not issue a token for sudo_as_login '" + sudoLogin + "': "
                        + e.title() + ". Check that the login exists, is active and may be impersonated.", sudoLogin, e.upstream());
            }
            if (status == 401 || Integer.valueOf(102).equals(e.code()) || words.contains("authenticat")) {
                return new FptrFailure.CredentialsRefused("FPTR refused the credentials this deployment uses: " + e.title()
                        + ". Fix the script name and key in the FPTR secret (FPTR_SECRET_ID) or the fptr.* configuration; "
                        + "calling again will not help.", e.upstream());
            }
        }
        if (status == 404) {
            return new FptrFailure.Misconfigured(what + ": the site answered 404 at FPTR's token endpoint, so the "
                    + "configured site URL is not an FPTR site; fix site_url in the FPTR secret or fptr.site-url.");
        }
        if (status >= 300 && status < 400) {
            // Redirects are not followed (a POST's form, the script key, must not go where we did not send it).
            return new FptrFailure.Misconfigured(what + ": the site answered " + status + " (a redirect) at FPTR's token "
                    + "endpoint, so the configured site URL is not the address FPTR answers at (a renamed or moved site "
                    + "redirects); set site_url in the FPTR secret or fptr.site-url to the site's current address.");
        }
        // Anything else at the token endpoint is about the request we built, not about the caller's.
        return refused(what, Kind.OTHER, e);
    }

    /** Why FPTR refused: its code first; its words where one code covers several meanings. */
    private static Kind kind(Endpoint endpoint, ErrorAnswer e) {
        String words = e.words();
        return switch (e.status()) {
            case 403 -> Kind.PERMISSION_DENIED;
            case 404 -> {
                // FPTR sends no code of its own for an unknown type: only its words tell it from a missing record.
                if (words.contains("entity type '") && words.contains("does not exist")) yield Kind.UNKNOWN_ENTITY_TYPE;
                if (endpoint == Endpoint.SCHEMA) yield Kind.UNKNOWN_FIELD;
                // an upload to a field the type lacks: 404 code 103 "Field 'Shot.attachments' does not exist."
                if (words.contains("field '") && words.contains("does not exist")) yield Kind.UNKNOWN_FIELD;
                yield e.code() == null || e.code() == 104 ? Kind.NOT_FOUND : Kind.OTHER;
            }
            case 400 -> {
                // FPTR refuses what this user may not do with a 400, not a 403 (its words name the user).
                if (refusesPermission(e)) yield Kind.PERMISSION_DENIED;
                // 104 ("create/update failed") also covers links to missing rows: the words name Local Storage.
                if (words.contains("local storage")) yield Kind.NO_LOCAL_STORAGE;
                // 103 covers every request error; "API read() Asset.x doesn't exist." is the unknown field.
                if (words.contains(" doesn't exist")) yield Kind.UNKNOWN_FIELD;
                yield Kind.INVALID_REQUEST;
            }
            default -> e.status() >= 400 && e.status() < 500 ? Kind.INVALID_REQUEST : Kind.OTHER;
        };
    }

    /**
     * FPTR's refusals of what the caller's permission rules forbid: 400 {@code The field is not editable for this
     * user: [Task.content].}, {@code Entity of type Task cannot be created by this user.}, {@code ... can not be
     * deleted by this user.}, {@code ... can not be accessed by this user. Rule: Artist}, and, for a few admin-only reads,
     * 401 {@code Must sudo as Administrator to ...} (sg-groundtruth 027, 094: no 403 was seen).
     */
    private static boolean refusesPermission(ErrorAnswer e) {
        String words = e.words();
        return words.contains(" for this user") || words.contains(" by this user") || words.contains("must sudo as");
    }

    private static FptrFailure.Refused refused(String what, Kind kind, ErrorAnswer e) {
        return new FptrFailure.Refused(what + ": " + e.describe(), kind, e.status(), e.code(), e.title(), e.detail(), e.upstream());
    }

    private static FptrFailure.Refused refusedOther(String what, int status, String title) {
        return refused(what, Kind.OTHER, new ErrorAnswer(status, null, title, null, basicError(status, title)));
    }

    private RuntimeException transientOrWaitTooLong(String what, int status, String title, Response response) {
        Duration retryAfter = retryAfter(response.getHeaderString("Retry-After"));
        String message = "FPTR answered " + status + (title == null ? "" : " (" + title + ")");
        Lost lost = status == 502 || status == 504 ? Lost.GATEWAY : null;
        if (retryAfter != null && retryAfter.compareTo(config.maxRetryAfter()) > 0) {
            // Waiting that long would eat the function's whole budget: give the caller the wait instead.
            String asks = message + "; it asks to retry after " + retryAfter.toSeconds() + " s";
            if (lost == null) {
                return new FptrFailure.Unavailable(what + ": " + asks + ".", retryAfter, null);   // 429, 503: FPTR did nothing
            }
            // A gateway's error may hide a write FPTR made: not retried, and a write's outcome stays unknown (write()).
            return new TransientFptrFailure(asks, retryAfter, lost, false, null);
        }
        return new TransientFptrFailure(message, retryAfter, lost, null);
    }

    /** A connection refused never reached FPTR; a cut or a socket timeout may hide a completed request. */
    private static TransientFptrFailure network(ProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return new TransientFptrFailure("FPTR refused the connection", null, null, e);
            }
            if (t instanceof SocketTimeoutException || t instanceof java.util.concurrent.TimeoutException) {
                return new TransientFptrFailure("FPTR did not answer in time", null, Lost.TIMEOUT, e);
            }
        }
        return new TransientFptrFailure("The connection to FPTR failed or was cut before the answer was complete",
                null, Lost.CUT, e);
    }

    // ---- bodies and headers -----------------------------------------------------------------------

    private void noteRequestId(Response response) {
        invocations.tagId(Invocation.FPTR_REQUEST_ID, response.getHeaderString("x-request-id"));
    }

    /**
     * The answer's bytes, at most {@code fptr.max-answer-bytes}: a bigger one is refused by its Content-Length
     * before it is read, or once that many bytes have come (the client streams a {@code Response}'s body).
     */
    private byte[] body(String what, Response response) {
        if (!response.hasEntity()) {
            return new byte[0];
        }
        long max = config.maxAnswerBytes();
        if (response.getLength() > max) {
            throw tooLarge(what, response.getStatus(), max);
        }
        try (InputStream in = response.readEntity(InputStream.class)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (bytes.length > max) {
                throw tooLarge(what, response.getStatus(), max);
            }
            return bytes;
        } catch (IOException e) {
            throw new ProcessingException(e);   // a body cut half-way: the transport's failure, as readEntity reports it
        }
    }

    private static FptrFailure.Refused tooLarge(String what, int status, long max) {
        String title = "FPTR's answer is larger than " + max + " bytes (fptr.max-answer-bytes)";
        return new FptrFailure.Refused(what + ": " + title + "; it was not read.", Kind.ANSWER_TOO_LARGE, status, null,
                title, null, basicError(status, title));
    }

    /** A redirect's Location as the URL to download, or FPTR's failure: only http(s) URLs are followed. */
    private static URI storageUrl(String what, int status, String location, URI site) {
        URI target;
        try {
            target = site.resolve(location.strip());
        } catch (IllegalArgumentException notAUri) {
            throw refusedOther(what, status, "FPTR redirected to a Location that is not a valid URL");
        }
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || target.getHost() == null) {
            throw refusedOther(what, status, "FPTR redirected to a Location that is not an http(s) URL"
                    + (scheme.isEmpty() || scheme.length() > 16 ? "" : " (" + scheme + ":)"));
        }
        return target;
    }

    private JsonNode parse(byte[] body) {
        if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return mapper.readTree(body);
        } catch (IOException e) {
            // A proxy's page in place of FPTR's answer: as unreliable as a gateway error.
            throw new TransientFptrFailure("FPTR answered a body that is not JSON", null, Lost.GATEWAY, null);
        }
    }

    /** FPTR's first error object; a non-FPTR body (a proxy's HTML page) gives MissingNode. */
    private JsonNode firstError(byte[] body) {
        if (body.length == 0) {
            return MissingNode.getInstance();
        }
        try {
            JsonNode root = mapper.readTree(body);
            if (root == null) {
                return MissingNode.getInstance();
            }
            JsonNode errors = root.path("errors");
            if (errors.isArray() && !errors.isEmpty()) {
                return errors.get(0);
            }
            // Validation answers without the envelope, e.g. {"page":{"size":["size must be less than 5000"]}}
            return root.isObject() ? root : MissingNode.getInstance();
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    /** What {@code upstream} holds when FPTR sent no error object of its own. */
    private static ObjectNode basicError(int status, String title) {
        ObjectNode error = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        error.put("status", status);
        if (title != null) {
            error.put("title", title);
        }
        return error;
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node.isTextual() ? node.asText() : node.toString();
    }

    /** Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3); anything else is ignored. */
    Duration retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        try {
            long seconds = Long.parseLong(value);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(clock.instant(),
                        ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return until.isNegative() ? Duration.ZERO : until;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }
}
