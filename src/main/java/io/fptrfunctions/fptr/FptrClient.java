package io.fptrfunctions.fptr;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.telemetry.Metric;
import io.fptrfunctions.telemetry.Metrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.fptrfunctions.fptr.FptrResponses.Endpoint.DATA;
import static io.fptrfunctions.fptr.FptrResponses.Endpoint.SCHEMA;

/**
 * The FPTR REST calls the functions make, as the configured script (or user), each within the caller's
 * {@link Deadline} (its attempts, retries and waits end before it; {@link Deadline#none()} keeps the
 * configured budgets). Each call gets a cached
 * token ({@link FptrTokens}); a 401 drops it, mints once more and repeats the call once. Calls that are
 * safe to repeat are retried on 429 (after its Retry-After), 502, 503, 504 and cut connections; creates
 * and updates never are. What is left surfaces as one of the {@link FptrFailure} types (refused and why,
 * unavailable, write outcome unknown, credentials or sudo refused, misconfigured).
 */
@ApplicationScoped
public class FptrClient {

    /** FPTR REST's largest {@code page[size]} (5001 is its 400; fptr-rest-notes, GT 082). */
    public static final int FPTR_MAX_PAGE_SIZE = 5000;

    private static final Logger LOG = Logger.getLogger(FptrClient.class);

    private final AtomicBoolean pageSizeLogged = new AtomicBoolean();

    @Inject
    FptrCredentialsSource credentials;

    @Inject
    FptrTokens tokens;

    @Inject
    FptrSites sites;

    @Inject
    FptrCalls calls;

    @Inject
    FptrResponses responses;

    @Inject
    FptrConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    StoragePut storage;

    @Inject
    Metrics metrics;

    /**
     * What a function calling FPTR needs before its first request, fetched while it starts
     * (io.fptrfunctions.lifecycle.FirstCall): the credentials, the site's REST clients and a token.
     */
    public void prefetch() {
        tokens.prefetchCredentials();
        tokens.token(Deadline.none(), credentials.current(), null);   // no invocation yet: the calls' own budgets
    }

    /**
     * One {@code _search} page with a hash filter ({@code {"logical_operator","conditions"}}; null = all
     * records). {@code fields} null or empty asks for FPTR's default fields; {@code sort} like
     * {@code "-created_at,id"} or null. Returns the page's records (JSON:API envelopes), empty past the end.
     */
    public List<JsonNode> searchPage(Deadline deadline, String entityType, JsonNode hashFilter, List<String> fields,
                                     String sort, int pageSize, int pageNumber) {
        return searchPage(deadline, entityType, hashFilter, fields, sort, pageSize, pageNumber, Rows.LIVE);
    }

    /** Which rows a search reads: the live ones (FPTR's default), or only the retired (deleted) ones. */
    public enum Rows {
        LIVE,
        /** {@code "options": {"return_only": "retired"}} (fptr-rest-notes §2, the recorded _search bodies). */
        RETIRED
    }

    /** {@link #searchPage} over the live or the retired rows. */
    public List<JsonNode> searchPage(Deadline deadline, String entityType, JsonNode hashFilter, List<String> fields,
                                     String sort, int pageSize, int pageNumber, Rows rows) {
        if (pageSize < 1 || pageSize > maxPageSize()) {
            throw new IllegalArgumentException("pageSize must be 1.." + maxPageSize() + ", was " + pageSize);
        }
        if (pageNumber < 1) {
            throw new IllegalArgumentException("pageNumber starts at 1, was " + pageNumber);
        }
        ObjectNode body = mapper.createObjectNode();
        body.set("filters", hashFilter == null ? FptrFilter.all() : hashFilter);
        if (fields != null && !fields.isEmpty()) {
            ArrayNode list = body.putArray("fields");
            fields.forEach(list::add);
        }
        if (sort != null && !sort.isBlank()) {
            body.put("sort", sort);
        }
        body.putObject("page").put("size", pageSize).put("number", pageNumber);
        if (rows == Rows.RETIRED) {
            body.putObject("options").put("return_only", "retired");
        }
        String json = write(body);
        String what = (rows == Rows.RETIRED ? "Searching retired " : "Searching ") + entityType;
        JsonNode answer = safeCall(deadline, what, (site, bearer) -> responses.json(what, DATA, () -> sites.api(site).search(bearer, entityType, json)));
        List<JsonNode> records = new ArrayList<>();
        answer.path("data").forEach(records::add);
        return records;
    }

    /**
     * Every record of a search, one page after another until FPTR answers an empty page (the only proof
     * of the end), or {@code limit} rows when it is not null. In id order ({@code sort} null or {@code id})
     * each page is asked for after the last id read, so records created or deleted meanwhile shift nothing,
     * until the id of the last matching record ({@link #lastRow}, read with page 1) is reached.
     */
    public FptrPager.Result searchAll(Deadline deadline, String entityType, JsonNode hashFilter, List<String> fields, String sort,
                                      Integer limit) {
        FptrPager pager = new FptrPager(null, maxPageSize(), 1);
        try {
            if (sort == null || sort.equals("id")) {
                return pager.readInIdOrder((after, size, number) ->
                        searchPage(deadline, entityType, FptrFilter.afterId(hashFilter, after), fields, sort, size, number),
                        () -> lastRow(deadline, entityType, hashFilter), limit);
            }
            return pager.readAll((size, number) -> searchPage(deadline, entityType, hashFilter, fields, sort, size, number), limit);
        } catch (FptrPager.PageFailedException e) {
            throw e.getCause();
        }
    }

    /** The matching record of the largest id, as a page of at most one row (its id only): {@link FptrPager.LastRowSource}. */
    public List<JsonNode> lastRow(Deadline deadline, String entityType, JsonNode hashFilter) {
        return searchPage(deadline, entityType, hashFilter, List.of("id"), "-id", 1, 1);
    }

    /** One record ({@code fields} null or empty = FPTR's defaults); a missing record is {@code Refused NOT_FOUND}. */
    public JsonNode read(Deadline deadline, String entityType, long id, List<String> fields) {
        String list = fields == null || fields.isEmpty() ? null : String.join(",", fields);
        String what = "Reading " + entityType + " " + id;
        return safeCall(deadline, what, (site, bearer) -> responses.json(what, DATA, () -> sites.api(site).read(bearer, entityType, id, list)))
                .path("data");
    }

    /** Creates a record from flat field values; never retried (a repeat would be a duplicate). */
    public JsonNode create(Deadline deadline, String entityType, JsonNode body) {
        String json = write(body);
        String what = "Creating " + (entityType.matches("[AEIOU].*") ? "an " : "a ") + entityType;
        return writeCall(deadline, what, (site, bearer) -> responses.json(what, DATA, () -> sites.api(site).create(bearer, entityType, json)))
                .path("data");
    }

    /** Updates a record's fields; never retried automatically. */
    public JsonNode update(Deadline deadline, String entityType, long id, JsonNode body) {
        String json = write(body);
        String what = "Updating " + entityType + " " + id;
        return writeCall(deadline, what, (site, bearer) -> responses.json(what, DATA, () -> sites.api(site).update(bearer, entityType, id, json)))
                .path("data");
    }

    /** An image or url field's value ({@code GET .../{field}} → {@code data}); null when empty. */
    public JsonNode readField(Deadline deadline, String entityType, long id, String field) {
        String what = "Reading " + entityType + " " + id + " " + field;
        return safeCall(deadline, what, (site, bearer) -> responses.json(what, DATA, () -> sites.api(site).field(bearer, entityType, id, field, null)))
                .path("data");
    }

    /**
     * A field's schema properties ({@code data_type}, {@code properties}...: the {@code data} object).
     * An unknown field is {@code Refused UNKNOWN_FIELD}, an unknown type {@code UNKNOWN_ENTITY_TYPE}.
     */
    public JsonNode fieldSchema(Deadline deadline, String entityType, String field) {
        String what = "Reading the schema of " + entityType + "." + field;
        return safeCall(deadline, what, (site, bearer) -> responses.json(what, SCHEMA, () -> sites.api(site).fieldSchema(bearer, entityType, field)))
                .path("data");
    }

    /**
     * Every field of an entity type with its schema ({@code data}: field name → properties), one call for
     * the whole type. An unknown type is {@code Refused UNKNOWN_ENTITY_TYPE}.
     */
    public JsonNode entityFieldsSchema(Deadline deadline, String entityType) {
        String what = "Reading the fields of " + entityType;
        return safeCall(deadline, what, (site, bearer) -> responses.json(what, SCHEMA, () -> sites.api(site).typeFieldsSchema(bearer, entityType)))
                .path("data");
    }

    /**
     * Where the field's bytes are ({@code ?alt=original|thumbnail} answers 302; the redirect is not
     * followed). An empty field is FPTR's 404 ({@code Refused NOT_FOUND}).
     */
    public URI fieldLocation(Deadline deadline, String entityType, long id, String field, String alt) {
        String what = "Locating " + entityType + " " + id + " " + field;
        return safeCall(deadline, what, (site, bearer) -> responses.location(what, () -> sites.api(site).field(bearer, entityType, id, field, alt), site));
    }

    /**
     * The biggest page {@link #searchPage} may ask for: {@code fptr.max-page-size}. A setting outside
     * 1..{@value #FPTR_MAX_PAGE_SIZE} (FPTR REST's own limit: a bigger {@code page[size]} is its 400 {@code size must be
     * less than 5000}, a caller's 400 for our setting) is refused as {@link FptrFailure.Misconfigured} on every
     * call that reads pages, before anything is sent, and logged once. Refused rather than clamped: the setting
     * would then say one page size while the functions read another, and a typo (50000 for 5000) would go unseen.
     */
    public int maxPageSize() {
        int size = config.maxPageSize();
        if (size < 1 || size > FPTR_MAX_PAGE_SIZE) {
            String why = "fptr.max-page-size (FPTR_MAX_PAGE_SIZE) is " + size + ", but FPTR serves pages of 1 to "
                    + FPTR_MAX_PAGE_SIZE + " rows (a bigger page[size] is its 400); set it to at most " + FPTR_MAX_PAGE_SIZE
                    + " or leave it out. Nothing was sent to FPTR.";
            if (pageSizeLogged.compareAndSet(false, true)) {
                LOG.errorf("Every FPTR search of this function is refused until it is configured: %s", why);
            }
            throw new FptrFailure.Misconfigured(why);
        }
        return size;
    }

    /**
     * Upload step 1: {@code {"data":{upload_info...},"links":{"upload","complete_upload"[,"get_next_part"]}}}
     * for a field ({@code image}, a url field) or, with {@code field} null, for a new Attachment on the record
     * (FPTR's {@code .../attachments/_upload}; the type must have an {@code attachments} field). Retried like a
     * read: it only hands out URLs (a multipart init also opens the upload on storage, so a repeat after a
     * lost answer can leave one open there that FPTR never lists).
     */
    public JsonNode startUpload(Deadline deadline, String entityType, long id, String field, String filename, boolean multipart) {
        Boolean multi = multipart ? Boolean.TRUE : null;
        String target = field == null ? "attachments" : field;
        String what = "Starting an upload to " + entityType + " " + id + " " + target;
        return safeCall(deadline, what, (site, bearer) -> responses.json(what, DATA, () ->
                sites.api(site).fieldUpload(bearer, entityType, id, target, filename, multi)));
    }

    /** A multipart upload's next part ({@code links.get_next_part}): its {@code upload} URL and the link after it. */
    public JsonNode nextUploadPart(Deadline deadline, String getNextPartLink) {
        String what = "Asking for the next part of an upload";
        return safeCall(deadline, what, (site, bearer) -> responses.json(what, DATA, () ->
                sites.links(site).nextPart(site.resolve(getNextPartLink).toString(), bearer)));
    }

    /** Writes an upload's bytes to the PUT's body; any exception but the stream's own is the caller's to handle. */
    @FunctionalInterface
    public interface BodyWriter {
        void writeTo(java.io.OutputStream out) throws java.io.IOException;
    }

    /** What storage answered to a PUT: its ETag (the md5 of what it stored, quotes removed) and JSON body, if any. */
    public record StorageReceipt(String etag, JsonNode body) {
    }

    /**
     * Upload step 2: streams {@code length} bytes to {@code links.upload}. A presigned storage URL takes no
     * token; FPTR's own storage ({@code storage_service: "sg"}) takes the bearer, and a 401 there drops it.
     * Not retried here (the body is a stream): a failure is a {@link StorageFailure} saying whether sending
     * the same bytes again may work; at the deadline the PUT is cut ({@link Deadline.Exceeded}).
     */
    public StorageReceipt putBytes(Deadline deadline, URI uploadUrl, boolean siteStorage, String contentType, long length, BodyWriter body) {
        FptrCredentials current = credentials.current();
        AccessToken token = siteStorage ? tokens.token(deadline, current, null) : null;
        URI target = current.siteUrl().resolve(uploadUrl);
        try {
            StoragePut.Answer answer = storage.put(target, token == null ? null : token.bearer(),
                    contentType == null ? "application/octet-stream" : contentType, length, body, deadline);
            return new StorageReceipt(answer.etag(), answer.body());
        } catch (StoragePut.Unauthorized e) {
            if (token != null) {
                tokens.invalidate(token);
            }
            throw new StorageFailure("FPTR refused the token with the upload (401); a fresh one is minted for the next try.",
                    siteStorage, null);
        }
    }

    /** Upload step 3: {@code POST links.complete_upload} with step 1's data verbatim. Creates records: not retried. */
    public void completeUpload(Deadline deadline, String completeUploadPath, JsonNode uploadInfo, JsonNode uploadData) {
        ObjectNode body = mapper.createObjectNode();
        body.set("upload_info", uploadInfo);
        body.set("upload_data", uploadData == null ? mapper.createObjectNode() : uploadData);
        String json = write(body);
        String what = "Completing an upload";
        writeCall(deadline, what, (site, bearer) -> responses.json(what, DATA, () ->
                sites.links(site).completeUpload(site.resolve(completeUploadPath).toString(), bearer, json)));
    }

    /**
     * Aborts a multipart upload ({@code <complete_upload>/multipart_abort}, upload_info flat): storage drops
     * its parts and the upload can no longer be completed. Retried like a read: a repeat is harmless (FPTR
     * answers 400 for an upload that is no longer open, which this surfaces as {@code Refused}).
     */
    public void abortUpload(Deadline deadline, String completeUploadPath, JsonNode uploadInfo) {
        String json = write(uploadInfo);
        String what = "Aborting a multipart upload";
        safeCall(deadline, what, (site, bearer) -> responses.json(what, DATA, () ->
                sites.links(site).abortUpload(site.resolve(completeUploadPath + "/multipart_abort").toString(), bearer, json)));
    }

    /**
     * Records how a webhook delivery was handled ({@code PUT /webhook/deliveries/{id}}). Setting the
     * same acknowledgement twice changes nothing, so it is retried like a read.
     */
    public void acknowledgeDelivery(Deadline deadline, String deliveryId, String acknowledgement) {
        if (!DeliveryIds.isDeliveryId(deliveryId)) {
            throw new IllegalArgumentException("not an FPTR delivery id (see DeliveryIds); nothing was sent");
        }
        ObjectNode body = mapper.createObjectNode().put("acknowledgement", acknowledgement);
        String json = write(body);
        String what = "Acknowledging delivery " + deliveryId;
        safeCall(deadline, what, (site, bearer) -> responses.json(what, DATA, () -> sites.api(site).acknowledgeDelivery(bearer, deliveryId, json)));
    }

    @FunctionalInterface
    private interface Exchange<T> {
        T run(URI site, String bearer);
    }

    private <T> T safeCall(Deadline deadline, String what, Exchange<T> exchange) {
        return withToken(deadline, (site, bearer) -> responses.safe(what, () -> calls.read(deadline, () -> exchange.run(site, bearer))));
    }

    private <T> T writeCall(Deadline deadline, String what, Exchange<T> exchange) {
        return withToken(deadline, (site, bearer) -> responses.write(what, () -> calls.write(deadline, () -> exchange.run(site, bearer))));
    }

    /**
     * Runs the call with a cached token; on 401 drops it, mints once more and runs the call once more. The
     * metrics count the call once, as what the caller got: answered (FptrCalls counts the repeat), or refused
     * when the repeat got a 401 too.
     */
    private <T> T withToken(Deadline deadline, Exchange<T> call) {
        FptrCredentials current = credentials.current();
        AccessToken token = tokens.token(deadline, current, null);
        try {
            return call.run(current.siteUrl(), token.bearer());
        } catch (UnauthorizedCall expired) {
            tokens.invalidate(token);
            AccessToken fresh = tokens.token(deadline, current, null);
            try {
                return call.run(current.siteUrl(), fresh.bearer());
            } catch (UnauthorizedCall again) {
                metrics.count(Metric.FPTR_CALLS_REFUSED);
                throw again.refusal();
            }
        }
    }

    private String write(JsonNode body) {
        try {
            return mapper.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Body cannot be written as JSON", e);
        }
    }
}
