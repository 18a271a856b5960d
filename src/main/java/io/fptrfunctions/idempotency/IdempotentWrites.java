package io.fptrfunctions.idempotency;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import io.fptrfunctions.fptr.FptrFailure;
import io.fptrfunctions.http.ApiRequest;
import io.fptrfunctions.http.ApiResponse;
import io.fptrfunctions.http.Caller;
import io.fptrfunctions.http.HttpApiAdapter;
import io.fptrfunctions.http.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * {@code Idempotency-Key} for the write routes, with Powertools' semantics (kept in {@link IdempotencyStore}):
 * <ul>
 *   <li>without the header a request runs as before, nothing kept;</li>
 *   <li>the first request with a key claims it ({@code in_progress}, with a lease), runs, and stores its
 *       answer (status, headers, body) as {@code completed} for {@code fptr.idempotency.ttl};</li>
 *   <li>the same key again with the same request (method, route, path parameters, query and body, the
 *       body compared as JSON: member order and white space do not count) answers the stored answer,
 *       with {@code Idempotent-Replayed: true}, and writes nothing;</li>
 *   <li>while the first is in progress: 409 with {@code Retry-After}; another request under the key: 422;
 *       an expired key is a new request.</li>
 * </ul>
 * A failed attempt frees the key only when it wrote nothing ({@link WriteAttempt}: nothing sent, FPTR
 * refused or was unavailable, the read-back after a lost answer shows it did not land), so its retry
 * runs again. A write whose answer was lost but which landed is kept as completed with the answer the
 * caller got (502/504 with {@code write_outcome: landed}), and so is a 4xx refusal of a step after a write
 * that landed (the upload's Attachment fields). When whether it landed is unknown (or the
 * process died), the key stays in progress until its lease ends; the retry after that takes it over and
 * the service checks FPTR before writing ({@link WriteAttempt#earlierAttemptStartedAt()}).
 * Keys are per caller principal and per function: {@code idempotency#<function>#<principal>#<key>}.
 */
@ApplicationScoped
public class IdempotentWrites {

    private static final Logger LOG = Logger.getLogger(IdempotentWrites.class);
    public static final String HEADER = "Idempotency-Key";
    static final String REPLAYED = "Idempotent-Replayed";
    /** Long enough for a UUID, a ULID or a hash in base64; Stripe's limit. */
    static final int MAX_KEY_LENGTH = 255;
    private static final String KEY_PUNCTUATION = "-_.:~+/=";

    @Inject
    IdempotencyStore store;

    @Inject
    IdempotencyConfig config;

    @Inject
    HttpApiAdapter http;

    @Inject
    ObjectMapper mapper;

    @Inject
    Clock clock;

    /**
     * Runs {@code write} for {@code request} of {@code function}, at most once per {@code Idempotency-Key}.
     * Read and check the request before calling this: bad input is a 400 that claims no key.
     */
    public ApiResponse run(ApiRequest request, String function, Function<WriteAttempt, ApiResponse> write) {
        String key = request.header(HEADER).orElse(null);
        if (key == null) {
            return write.apply(WriteAttempt.unkeyed());
        }
        checkKey(key);
        if (config.tableName().filter(t -> !t.isBlank()).isEmpty()) {
            throw new ProblemException(500, "The function is not configured",
                    "This function cannot keep Idempotency-Keys: fptr.idempotency.table-name (FPTR_IDEMPOTENCY_TABLE_NAME) "
                            + "is not set. Nothing was written.");
        }
        Caller caller = request.caller();
        String hash = fingerprint(request);
        IdempotencyStore.Claim claim;
        try {
            claim = store.claim("idempotency#" + function + "#" + caller.principal() + "#" + key, hash, caller.arn(),
                    request.routeKey());
        } catch (SdkException e) {
            LOG.warnf("%s %s: the Idempotency-Key could not be claimed: %s", request.routeKey(), request.requestId(), e.getMessage());
            throw new ProblemException(503, "Idempotency-Key store unavailable", "The Idempotency-Key could not be recorded "
                    + "(DynamoDB did not answer), so nothing was written; it is safe to send the request again.")
                    .withRetryAfter(Duration.ofSeconds(1));
        }
        if (claim instanceof IdempotencyStore.Claim.Taken taken) {
            return answerFor(taken.existing(), hash);
        }
        IdempotencyStore.Claim.Mine mine = (IdempotencyStore.Claim.Mine) claim;
        WriteAttempt attempt = new WriteAttempt(mine.earlierStartedAt());
        ApiResponse answer;
        try {
            answer = write.apply(attempt);
        } catch (RuntimeException | Error failure) {
            afterFailure(mine, attempt, failure);
            throw failure;
        }
        store.complete(mine, stored(http.json(answer)));
        return answer;
    }

    /** A record already there: the stored answer, or why not. */
    private ApiResponse answerFor(IdempotencyStore.Existing existing, String hash) {
        if (!hash.equals(existing.requestHash())) {
            throw ProblemException.unprocessable("This Idempotency-Key was used for another request (another method, route, "
                    + "path, query or body). Send a new key with a new request; nothing was written.").with("pointer", HEADER + ":");
        }
        if (IdempotencyStore.COMPLETED.equals(existing.status())) {
            IdempotencyStore.Answer a = existing.answer();
            if (a.omitted()) {
                throw ProblemException.conflict("The request with this Idempotency-Key was done (it answered " + a.status()
                        + "), but its answer was too large to keep; read the result from FPTR. Nothing was written now.")
                        .with("first_status", a.status());
            }
            Map<String, String> headers = new LinkedHashMap<>(a.headers());
            headers.put(REPLAYED, "true");
            return new ApiResponse(a.status(), a.body() == null ? null : parse(a.body()), headers);
        }
        Duration left = Duration.between(clock.instant(), existing.leaseUntil());
        if (existing.outcomeUnknown()) {
            throw ProblemException.conflict("The request with this Idempotency-Key sent its write, and whether it landed is not "
                    + "known yet (FPTR's answer was lost). Send it again after Retry-After: it then looks at FPTR first and "
                    + "writes only if the first write did not land.").withRetryAfter(left);
        }
        throw ProblemException.conflict("A request with this Idempotency-Key is still in progress (started "
                + existing.firstStartedAt() + "). Send it again in a moment to get its answer; nothing was written now.")
                .withRetryAfter(Duration.ofSeconds(1));
    }

    /**
     * Frees the key when the attempt wrote nothing, keeps a landed write's answer (a lost answer found
     * landed, or a definite refusal of a step after the write), and holds it when whether it wrote is unknown.
     */
    private void afterFailure(IdempotencyStore.Claim.Mine mine, WriteAttempt attempt, Throwable failure) {
        Object outcome = failure instanceof ProblemException p ? p.extensions().get("write_outcome") : null;
        boolean refusedAfterTheWrite = attempt.stage() == WriteAttempt.Stage.LANDED && outcome == null
                && failure instanceof ProblemException p && p.status() < 500;
        if ("landed".equals(outcome) || refusedAfterTheWrite) {
            store.complete(mine, stored(http.problem((ProblemException) failure)));
        } else if ("not_landed".equals(outcome) || attempt.stage() == WriteAttempt.Stage.NOT_SENT
                || (attempt.stage() == WriteAttempt.Stage.SENDING && failure instanceof FptrFailure)) {
            store.release(mine);
        } else {
            store.holdUnknown(mine);
        }
    }

    private IdempotencyStore.Answer stored(APIGatewayV2HTTPResponse rendered) {
        return new IdempotencyStore.Answer(rendered.getStatusCode(),
                rendered.getHeaders() == null ? Map.of() : rendered.getHeaders(), rendered.getBody(), false);
    }

    private JsonNode parse(String body) {
        try {
            return mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored answer is not JSON", e);
        }
    }

    /** 1-255 characters: letters, digits and {@code - _ . : ~ + / =} (UUIDs, ULIDs, base64 hashes). */
    private static void checkKey(String key) {
        boolean ok = !key.isEmpty() && key.length() <= MAX_KEY_LENGTH;
        for (int i = 0; ok && i < key.length(); i++) {
            char c = key.charAt(i);
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || KEY_PUNCTUATION.indexOf(c) >= 0;
        }
        if (!ok) {
            throw ProblemException.badRequest("The " + HEADER + " header must be 1-" + MAX_KEY_LENGTH + " letters, digits and "
                    + KEY_PUNCTUATION + " (a UUID is a good key); nothing was written.").with("pointer", HEADER + ":");
        }
    }

    /** SHA-256 over method, route, path parameters, query parameters and the body as canonical JSON. */
    private String fingerprint(ApiRequest request) {
        StringBuilder text = new StringBuilder(request.routeKey()).append('\n');
        new TreeMap<>(request.pathParameters()).forEach((k, v) -> text.append(k).append('=').append(v).append('&'));
        text.append('\n');
        new TreeMap<>(request.queryParameters()).forEach((k, v) -> text.append(k).append('=').append(v).append('&'));
        text.append('\n');
        try {
            text.append(mapper.writer().with(JsonNodeFeature.WRITE_PROPERTIES_SORTED).writeValueAsString(request.body().node()));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
