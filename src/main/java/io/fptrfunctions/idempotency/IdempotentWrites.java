package io.fptrfunctions.idempotency;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FptrFailure;
import io.fptrfunctions.http.ApiRequest;
import io.fptrfunctions.http.ApiResponse;
import io.fptrfunctions.http.Caller;
import io.fptrfunctions.http.HttpApiAdapter;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.http.Problems;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
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
    /** What a 409 tells the caller of a queued write to wait: an upload takes seconds to minutes. */
    static final Duration QUEUED_RETRY_AFTER = Duration.ofSeconds(5);

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
        String hash = fingerprint(request);
        IdempotencyStore.Claim claim = claim(request, function, key, hash, config.inProgressLease(), false);
        if (claim instanceof IdempotencyStore.Claim.Taken taken) {
            return answerFor(taken.existing(), hash);
        }
        IdempotencyStore.Claim.Mine mine = (IdempotencyStore.Claim.Mine) claim;
        WriteAttempt attempt = new WriteAttempt(mine.earlierStartedAt());
        ApiResponse answer;
        try {
            answer = write.apply(attempt);
        } catch (RuntimeException | Error failure) {
            afterFailure(mine, attempt, failure, request.deadline());
            throw failure;
        }
        store.complete(mine, stored(http.json(answer)), request.deadline());
        return answer;
    }

    /**
     * {@code Prefer: respond-async}: claims the request's {@code Idempotency-Key} (or a new one, when it sent
     * none) for {@code fptr.idempotency.queued-lease} and hands it to {@code enqueue}, which queues the job
     * and answers the 202; the key is named in the answer's {@code Idempotency-Key} header. The worker runs the
     * job under that claim ({@link #runQueued}) and stores its answer, which the same request with the same
     * key then gets. A key already used answers as {@link #run} does (the stored answer, 409, 422); a job that
     * could not be queued frees the key. Read and check the request before calling this.
     */
    public ApiResponse queue(ApiRequest request, String function, Function<QueuedKey, ApiResponse> enqueue) {
        String key = request.header(HEADER).orElseGet(() -> UUID.randomUUID().toString());
        String hash = fingerprint(request);
        IdempotencyStore.Claim claim = claim(request, function, key, hash, config.queuedLease(), true);
        if (claim instanceof IdempotencyStore.Claim.Taken taken) {
            return answerFor(taken.existing(), hash);
        }
        IdempotencyStore.Claim.Mine mine = (IdempotencyStore.Claim.Mine) claim;
        Caller caller = request.caller();
        QueuedKey queued = new QueuedKey(key, mine.key(), mine.claimId(), hash, caller.arn(), request.routeKey(),
                mine.earlierStartedAt() == null ? null : mine.earlierStartedAt().toString());
        try {
            return enqueue.apply(queued).withHeader(HEADER, key);
        } catch (RuntimeException | Error failure) {
            releaseUnlessTakenOver(mine, request.deadline());   // not queued: nothing will run under it
            throw failure;
        }
    }

    /** How a queued write's run ended, for the worker. */
    public enum QueuedOutcome {
        /** It ran and its answer (a success or a refusal that is final) is stored under the key: the job is done. */
        DONE,
        /** Its answer was stored before by an earlier delivery of this job (a redelivery): nothing was run. */
        ALREADY_DONE,
        /** The same request, sent again under the key (without the preference, after the job's claim lapsed), ran and stored its answer: nothing was run. */
        ANSWERED_BY_RETRY,
        /** The key now holds another request (the job's record was freed or expired and the key used again): nothing was run. */
        KEY_REUSED,
        /** Another attempt holds the key now (the same request sent again, or a second delivery still running). */
        BUSY,
        /** It failed in a way worth another run (FPTR, storage or S3 failing, out of time); the key stays in progress. */
        FAILED,
        /**
         * It failed on its last receive (the queue then moves it to the dead-letter queue): the key's answer is now a
         * 502 that says so and whether the write may have landed ({@link #deadLettered}).
         */
        DEAD_LETTERED
    }

    /** What {@link #runQueued} did: the outcome, the failure (FAILED, DEAD_LETTERED) and how long to wait at least. */
    public record QueuedResult(QueuedOutcome outcome, RuntimeException failure, Duration retryAfter) {
    }

    /**
     * Runs a queued write under the claim {@link #queue} made: the run adopts it (or claims the key again when
     * it was freed or expired), so a redelivered job whose answer is stored runs nothing, and a run after an
     * earlier run that stopped gets that run's start ({@link WriteAttempt#earlierAttemptStartedAt()}), so it
     * looks in FPTR before writing. The answer is stored when it is final: a success, a 4xx, or a failure
     * after the write landed ({@code write_outcome: landed}); anything else leaves the key in progress and
     * the job is run again, unless this was its {@code lastTry} (the queue's maxReceiveCount): then the key's
     * answer is the job's failure ({@link #deadLettered}), so the same request with the key reads it rather than a
     * 409 until the record expires.
     */
    public QueuedResult runQueued(QueuedKey key, String runId, int receive, boolean lastTry, Deadline deadline,
                                  Function<WriteAttempt, ApiResponse> write) {
        IdempotencyStore.Claim claim = store.adopt(key.record(), key.claim(),
                key.earlierStartedAt() == null ? null : Instant.parse(key.earlierStartedAt()), deadline);
        if (claim == null || lapsed(claim, key)) {
            claim = store.claimForRun(key.record(), key.claim(), key.requestHash(), key.caller(), key.route(), deadline);
        }
        if (claim instanceof IdempotencyStore.Claim.Taken taken) {
            IdempotencyStore.Existing existing = taken.existing();
            if (!key.requestHash().equals(existing.requestHash())) {
                return new QueuedResult(QueuedOutcome.KEY_REUSED, null, null);
            }
            if (IdempotencyStore.COMPLETED.equals(existing.status())) {
                return new QueuedResult(key.claim().equals(existing.claim()) ? QueuedOutcome.ALREADY_DONE
                        : QueuedOutcome.ANSWERED_BY_RETRY, null, null);
            }
            // a run of this job holds it (a second delivery) until run_until; another attempt until its lease
            Instant until = existing.runUntil() != null && existing.runUntil().isAfter(clock.instant())
                    ? existing.runUntil() : existing.leaseUntil();
            Duration left = Duration.between(clock.instant(), until);
            return new QueuedResult(QueuedOutcome.BUSY, null, left.isNegative() ? Duration.ZERO : left);
        }
        IdempotencyStore.Claim.Mine mine = (IdempotencyStore.Claim.Mine) claim;
        WriteAttempt attempt = new WriteAttempt(mine.earlierStartedAt());
        ApiResponse answer;
        try {
            answer = write.apply(attempt);
        } catch (RuntimeException failure) {
            ProblemException problem = Problems.of(failure, runId);
            boolean landed = "landed".equals(problem.extensions().get("write_outcome"));
            if (problem.status() < 500 || landed) {
                store.complete(mine, stored(http.problem(problem)), deadline);
                return new QueuedResult(QueuedOutcome.DONE, failure, null);
            }
            boolean mayHaveLanded = !nothingLanded(attempt, failure, problem);
            if (lastTry) {
                String outcome = attempt.stage() == WriteAttempt.Stage.LANDED ? "landed"
                        : mayHaveLanded || mine.earlierMayHaveLanded() ? "unknown" : "not_landed";
                store.complete(mine, stored(http.problem(deadLettered(problem, receive, outcome, mine.earlierStartedAt()))), true, deadline);
                return new QueuedResult(QueuedOutcome.DEAD_LETTERED, failure, null);
            }
            store.endRun(mine, mayHaveLanded, deadline);
            String wait = problem.headers().get("Retry-After");
            return new QueuedResult(QueuedOutcome.FAILED, failure, wait == null ? null : Duration.ofSeconds(Long.parseLong(wait)));
        }
        store.complete(mine, stored(http.json(answer)), deadline);
        return new QueuedResult(QueuedOutcome.DONE, null, null);
    }

    /**
     * The key is held for the same request by an attempt that stopped holding it (its lease and any run's ended: the
     * same request sent without the preference took it over and died, or its write's answer was lost): the job takes
     * it over, as a retry of the request would, rather than waiting for an attempt that will not finish.
     */
    private boolean lapsed(IdempotencyStore.Claim claim, QueuedKey key) {
        Instant now = clock.instant();
        return claim instanceof IdempotencyStore.Claim.Taken taken && IdempotencyStore.IN_PROGRESS.equals(taken.existing().status())
                && key.requestHash().equals(taken.existing().requestHash()) && taken.existing().leaseUntil().isBefore(now)
                && (taken.existing().runUntil() == null || taken.existing().runUntil().isBefore(now));
    }

    /** Checks the key and claims it within the request's deadline; DynamoDB failing is the 503 that writes nothing. */
    private IdempotencyStore.Claim claim(ApiRequest request, String function, String key, String hash, Duration lease, boolean queued) {
        checkKey(key);
        if (config.tableName().filter(t -> !t.isBlank()).isEmpty()) {
            throw new ProblemException(500, "The function is not configured",
                    "This function cannot keep Idempotency-Keys: fptr.idempotency.table-name (FPTR_IDEMPOTENCY_TABLE_NAME) "
                            + "is not set. Nothing was written.");
        }
        Caller caller = request.caller();
        try {
            return store.claim("idempotency#" + function + "#" + caller.principal() + "#" + key, hash, caller.arn(),
                    request.routeKey(), lease, queued, request.deadline());
        } catch (SdkException e) {
            LOG.warnf("%s %s: the Idempotency-Key could not be claimed: %s", request.routeKey(), request.requestId(), e.getMessage());
            throw new ProblemException(503, "Idempotency-Key store unavailable", "The Idempotency-Key could not be recorded "
                    + "(DynamoDB did not answer in time), so nothing was written; it is safe to send the request again.")
                    .withRetryAfter(Duration.ofSeconds(1));
        }
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
        if (existing.queued()) {
            throw ProblemException.conflict("The request with this Idempotency-Key was queued (Prefer: respond-async, "
                    + existing.firstStartedAt() + ") and has not finished. Send it again after Retry-After to get its answer; "
                    + "nothing was written now.").withRetryAfter(QUEUED_RETRY_AFTER);
        }
        throw ProblemException.conflict("A request with this Idempotency-Key is still in progress (started "
                + existing.firstStartedAt() + "). Send it again in a moment to get its answer; nothing was written now.")
                .withRetryAfter(Duration.ofSeconds(1));
    }

    /**
     * Frees the key when the attempt wrote nothing, keeps a landed write's answer (a lost answer found
     * landed, or a definite refusal of a step after the write), and holds it when whether it wrote is unknown,
     * or when it took over an earlier attempt that may have written (whatever this one's failure: its retry must
     * still look in FPTR from that attempt's start).
     */
    private void afterFailure(IdempotencyStore.Claim.Mine mine, WriteAttempt attempt, Throwable failure, Deadline deadline) {
        Object outcome = failure instanceof ProblemException p ? p.extensions().get("write_outcome") : null;
        boolean refusedAfterTheWrite = attempt.stage() == WriteAttempt.Stage.LANDED && outcome == null
                && failure instanceof ProblemException p && p.status() < 500;
        if ("landed".equals(outcome) || refusedAfterTheWrite) {
            store.complete(mine, stored(http.problem((ProblemException) failure)), deadline);
        } else if (nothingLanded(attempt, failure, failure instanceof ProblemException p ? p : null)) {
            releaseUnlessTakenOver(mine, deadline);
        } else {
            store.holdUnknown(mine, deadline);   // its write may have landed
        }
    }

    /**
     * Frees the key of an attempt that wrote nothing, unless it took the key over from an earlier attempt, whose write
     * may have landed: freed, the key's next retry would be a new request and write it again; held like unknown, that
     * retry still looks in FPTR from the earlier attempt's start.
     */
    private void releaseUnlessTakenOver(IdempotencyStore.Claim.Mine mine, Deadline deadline) {
        if (mine.earlierStartedAt() == null) {
            store.release(mine, deadline);
        } else {
            store.holdUnknown(mine, deadline);
        }
    }

    /** The attempt wrote nothing: said so (not_landed), its write never sent, or FPTR refused it outright. */
    private static boolean nothingLanded(WriteAttempt attempt, Throwable failure, ProblemException problem) {
        Object outcome = problem == null ? null : problem.extensions().get("write_outcome");
        return "not_landed".equals(outcome) || attempt.stage() == WriteAttempt.Stage.NOT_SENT
                || (attempt.stage() == WriteAttempt.Stage.SENDING && failure instanceof FptrFailure);
    }

    /**
     * A queued job's answer when it failed on its last receive: a 502 (its own, whatever the last failure was, as no
     * retry under the key can change it) that says the job is in the dead-letter queue, what the last try's failure
     * was, and whether a try's write may have landed, with what to do in each case. No Retry-After: sending the same
     * request with the same key again answers this again.
     */
    static ProblemException deadLettered(ProblemException last, int receives, String writeOutcome, Instant firstStartedAt) {
        String what = switch (writeOutcome) {
            case "landed" -> "Its write landed in FPTR (a step after it failed): do not send the request again; read the "
                    + "result from FPTR.";
            case "unknown" -> "A try's write may have landed in FPTR: look there first (for a new Attachment, on its record, "
                    + "created since " + (firstStartedAt == null ? "the job was queued" : firstStartedAt) + "), and send the "
                    + "request again with a new Idempotency-Key only if it is not there.";
            default -> "Nothing was written to FPTR: send the request again with a new Idempotency-Key to start over.";
        };
        ObjectNode lastFailure = JsonNodeFactory.instance.objectNode();
        lastFailure.put("status", last.status()).put("title", last.title()).put("detail", last.detail());
        return new ProblemException(502, "The queued job failed", "The queued request failed on each of its " + receives
                + " tries, and its job is in the dead-letter queue. " + what + " (Moved back from the dead-letter queue, the "
                + "job runs again under this key, looking in FPTR first.) The last try's failure: " + last.detail())
                .with("job", "dead_lettered").with("receives", receives).with("write_outcome", writeOutcome)
                .with("last_failure", lastFailure);
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
