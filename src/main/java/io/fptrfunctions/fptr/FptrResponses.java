package io.fptrfunctions.fptr;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.Supplier;

/**
 * Runs one HTTP exchange with FPTR and reads its answer: a 2xx body as JSON, a 3xx as its Location,
 * anything else as the matching failure (FPTR's {@code {"errors":[...]}} → {@link FptrException};
 * 429/502/503/504 and broken connections → {@link TransientFptrFailure}; 401 → {@link UnauthorizedCall}).
 */
@ApplicationScoped
class FptrResponses {

    @Inject
    ObjectMapper mapper;

    @Inject
    FptrConfig config;

    @Inject
    Clock clock;

    /** The exchange's 2xx body as JSON (an empty or blank body, like complete_upload's " ", is MissingNode). */
    JsonNode json(Supplier<Response> exchange) {
        try (Response response = exchange.get()) {
            byte[] body = body(response);
            int status = response.getStatus();
            if (status >= 200 && status < 300) {
                return parse(body);
            }
            throw failure(response, body);
        } catch (ProcessingException e) {
            throw network(e);
        }
    }

    /** The Location of the exchange's 3xx answer, resolved against the site; a 2xx has none (null). */
    URI location(Supplier<Response> exchange, URI site) {
        try (Response response = exchange.get()) {
            int status = response.getStatus();
            if (status >= 300 && status < 400) {
                String location = response.getHeaderString("Location");
                if (location == null || location.isBlank()) {
                    throw new FptrException(status, null, "Redirect without a Location", null, null);
                }
                return site.resolve(location);
            }
            byte[] body = body(response);
            if (status >= 200 && status < 300) {
                return null;
            }
            throw failure(response, body);
        } catch (ProcessingException e) {
            throw network(e);
        }
    }

    private static byte[] body(Response response) {
        return response.hasEntity() ? response.readEntity(byte[].class) : new byte[0];
    }

    private JsonNode parse(byte[] body) {
        if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return mapper.readTree(body);
        } catch (IOException e) {
            throw new TransientFptrFailure("FPTR answered a body that is not JSON", 200, null, true, null, null);
        }
    }

    private RuntimeException failure(Response response, byte[] body) {
        int status = response.getStatus();
        JsonNode error = firstError(body);
        Integer code = error.path("code").canConvertToInt() && error.path("code").isNumber() ? error.path("code").asInt() : null;
        String title = text(error.get("title"));
        if (title == null) {
            title = response.getStatusInfo().getReasonPhrase();
        }
        String detail = text(error.get("detail"));
        JsonNode errors = error.isMissingNode() ? null : error;
        switch (status) {
            case 401:
                return new UnauthorizedCall(code, title, detail, errors);
            case 429, 502, 503, 504: {
                Duration retryAfter = retryAfter(response.getHeaderString("Retry-After"));
                String message = "FPTR answered " + status + (title == null ? "" : " (" + title + ")");
                if (retryAfter != null && retryAfter.compareTo(config.maxRetryAfter()) > 0) {
                    // Waiting that long would eat the function's whole budget: give the caller the wait instead.
                    return new FptrUnavailableException(message + "; it asks to retry after " + retryAfter.toSeconds() + " s",
                            retryAfter, null);
                }
                boolean mayHaveReached = status == 502 || status == 504;
                return new TransientFptrFailure(message, status, retryAfter, mayHaveReached, errors, null);
            }
            default:
                return new FptrException(status, code, title, detail, errors);
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
        } catch (JsonProcessingException e) {
            return MissingNode.getInstance();
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
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

    /** A connection refused never reached FPTR; a cut or a read timeout may hide a completed request. */
    private static TransientFptrFailure network(ProcessingException e) {
        boolean refused = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                refused = true;
                break;
            }
        }
        String message = refused ? "FPTR refused the connection" : "The connection to FPTR failed or was cut before the answer was complete";
        return new TransientFptrFailure(message, 0, null, !refused, null, e);
    }
}
