package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The upload flow (notes §3; sg-groundtruth 013, 014, 039, 044 and the endpoint pages they cite), for a
 * field ({@code image}, a url field) and for a new Attachment on a record ({@code .../attachments/_upload},
 * or {@code .../_upload} with no field):
 * <ul>
 *   <li>Init {@code GET .../_upload?filename=[&multipart_upload=true]}: {@code data} (the upload_info) and
 *       {@code links.upload}, {@code links.complete_upload}; multipart adds {@code upload_id} and
 *       {@code links.get_next_part}. The init opens the multipart upload at once, as on FPTR.</li>
 *   <li>Parts: {@code GET .../_upload/multipart?filename&part_number&timestamp&upload_id&upload_type} →
 *       the part's presigned {@code upload} and the {@code get_next_part} after it (an unknown
 *       {@code upload_id} still gets a URL, whose PUT then fails: FPTR does not check it). Each part PUT
 *       answers its md5 as ETag.</li>
 *   <li>Complete {@code POST .../_upload} {@code {"upload_info", "upload_data"}}: 201 with one space.
 *       Multipart needs {@code upload_info.etags} in part order (quoted or not), every part but the last
 *       at least {@code multipart_min_part_bytes} (5 MiB); else 400 {@code Error completing multipart
 *       upload.} and the upload stays open. A single upload whose bytes never arrived completes anyway,
 *       with an empty file, as FPTR does.</li>
 *   <li>Abort {@code POST .../_upload/multipart_abort} with upload_info flat: 204; again, or for an upload
 *       that is not an open multipart one: 400 {@code Failed to abort S3 multipart upload}.</li>
 *   <li>{@code storage_service: "sg"} ({@code PUT /_sim/config}): the upload URL is on the site, PUT with
 *       the bearer, answering {@code {"data": {"upload_id", "original_filename"}, "links":
 *       {"complete_upload"}}}; multipart is refused (400 {@code Multi-part is not supported for this upload.}).</li>
 * </ul>
 * {@code GET /_sim/uploads} lists the uploads started and not completed (open multipart ones among them).
 */
final class SimUploads {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final List<String> ABORT_KEYS = List.of("timestamp", "upload_type", "upload_id", "storage_service", "original_filename");
    private static final List<String> PART_KEYS = List.of("upload_type", "filename", "timestamp", "part_number");

    /** An upload between init and completion. */
    private static final class Pending {
        final String token;
        final SimMedia.Target target;
        final String filename;
        final String timestamp;
        final String storageService;
        final String uploadId;   // multipart only
        final String sgSignature;   // sg storage only
        final long sgExpiresAt;
        volatile SimBlobs.Blob single;
        final Map<Integer, SimBlobs.Blob> parts = new ConcurrentHashMap<>();
        volatile String sgUploadId;

        Pending(String token, SimMedia.Target target, String filename, String timestamp, String storageService,
                String uploadId, String sgSignature, long sgExpiresAt) {
            this.token = token;
            this.target = target;
            this.filename = filename;
            this.timestamp = timestamp;
            this.storageService = storageService;
            this.uploadId = uploadId;
            this.sgSignature = sgSignature;
            this.sgExpiresAt = sgExpiresAt;
        }

        boolean multipart() {
            return uploadId != null;
        }
    }

    private final FptrSimulator sim;
    private final SimMedia media;
    private final SimBlobs blobs;
    private final StorageSigner signer;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    SimUploads(FptrSimulator sim, SimMedia media, SimBlobs blobs, StorageSigner signer) {
        this.sim = sim;
        this.media = media;
        this.blobs = blobs;
        this.signer = signer;
    }

    /** Registers the routes; before SimMedia's field reads, which would take {@code /_upload} for a field name. */
    void install() {
        for (String at : List.of("/entity/{type}/{id}/_upload", "/entity/{type}/{id}/{field}/_upload")) {
            sim.apiRoute("GET", at, this::init);
            sim.apiRoute("POST", at, this::complete);
            sim.apiRoute("PUT", at, this::receiveOnSite);
            sim.apiRoute("GET", at + "/multipart", this::nextPart);
            sim.apiRoute("POST", at + "/multipart_abort", this::abort);
        }
        sim.route("PUT", "/_storage/_upload/{token}", this::receiveSingle);
        sim.route("PUT", "/_storage/_upload/{token}/parts/{part}", this::receivePart);
        sim.route("GET", "/_sim/uploads", this::list);
        sim.onReset(this::forgetAll);
    }

    // ---- init ---------------------------------------------------------------------------------------------

    private void init(SimExchange ex) throws IOException {
        SimMedia.Target t = media.uploadTarget(ex, "read");
        String filename = ex.query("filename");
        if (filename == null || filename.isEmpty()) {
            throw SimError.invalidParameter("filename", "filename is missing");
        }
        boolean multipart = "true".equalsIgnoreCase(ex.query("multipart_upload"));
        String storage = sim.config().storageService();
        if (multipart && storage.equals("sg")) {
            throw SimError.badRequest("Multi-part is not supported for this upload.");
        }
        String token = hex(16);
        String timestamp = sim.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String uploadId = multipart ? hex(48) : null;
        String sgSignature = storage.equals("sg") ? hex(20) : null;
        long expiresAt = sim.now().getEpochSecond() + sim.config().storageUrlTtlSeconds();
        Pending p = new Pending(token, t, filename, timestamp, storage, uploadId, sgSignature, expiresAt);
        pending.put(token, p);

        ObjectNode out = SimJson.object();
        ObjectNode data = out.putObject("data");
        data.put("timestamp", timestamp);
        data.put("upload_type", uploadType(t));
        if (uploadId == null) {
            data.putNull("upload_id");
        } else {
            data.put("upload_id", uploadId);
        }
        data.put("storage_service", storage);
        data.put("original_filename", filename);
        data.put("multipart_upload", multipart);
        ObjectNode links = out.putObject("links");
        String route = ex.apiPrefix() + "/entity/" + t.def().slug + "/" + t.record().id + "/" + t.pathField() + "/_upload";
        if (storage.equals("sg")) {
            links.put("upload", sim.baseUrl() + route + "?expiration=" + expiresAt + "&filename=" + enc(filename)
                    + "&signature=" + sgSignature + "&user_id=" + callerId(ex) + "&user_type=" + callerType(ex));
        } else {
            links.put("upload", presignedPut(multipart ? "/_storage/_upload/" + token + "/parts/1" : "/_storage/_upload/" + token));
        }
        links.put("complete_upload", route);
        if (multipart) {
            links.put("get_next_part", nextPartLink(route, p, 2));
        }
        ex.json(200, out);
    }

    private static String uploadType(SimMedia.Target t) {
        return t.field() != null && t.field().type == DataType.IMAGE ? "Thumbnail" : "Attachment";
    }

    private String presignedPut(String path) {
        return sim.baseUrl() + path + "?" + signer.sign("PUT", path, sim.config().storageUrlTtlSeconds(), sim.now());
    }

    private static String nextPartLink(String route, Pending p, int part) {
        return route + "/multipart?filename=" + enc(p.filename) + "&part_number=" + part + "&timestamp=" + enc(p.timestamp)
                + "&upload_id=" + p.uploadId + "&upload_type=" + uploadType(p.target);
    }

    // ---- parts ----------------------------------------------------------------------------------------------

    private void nextPart(SimExchange ex) throws IOException {
        SimMedia.Target t = media.uploadTarget(ex, "read");
        ObjectNode missing = SimJson.object();
        for (String key : PART_KEYS) {
            String v = ex.query(key);
            if (v == null || v.isEmpty()) {
                missing.putArray(key).add(key + " is missing");
            }
        }
        if (!missing.isEmpty()) {
            throw SimError.invalidParameters(missing);
        }
        int part;
        try {
            part = Integer.parseInt(ex.query("part_number"));
        } catch (NumberFormatException e) {
            throw SimError.invalidParameter("part_number", "part_number must be an integer");
        }
        String uploadId = ex.query("upload_id");
        if (uploadId == null || uploadId.isEmpty()) {
            throw SimError.badRequest("Could not generate upload url. Check the site settings.");
        }
        Pending p = byUploadId(uploadId);
        String token = p == null ? hex(16) : p.token;   // FPTR signs a URL for any upload_id; its PUT fails later
        ObjectNode out = SimJson.object();
        ObjectNode links = out.putObject("links");
        links.put("upload", presignedPut("/_storage/_upload/" + token + "/parts/" + part));
        if (p != null) {
            String route = ex.apiPrefix() + "/entity/" + t.def().slug + "/" + t.record().id + "/" + t.pathField() + "/_upload";
            links.put("get_next_part", nextPartLink(route, p, part + 1));
        }
        ex.json(200, out);
    }

    private void receiveSingle(SimExchange ex) throws IOException {
        Pending p = checkedStoragePut(ex);
        if (p == null) {
            return;
        }
        if (p.multipart()) {
            SimMedia.s3Error(ex, 400, "InvalidRequest", "This upload is multipart: PUT its parts.", "");
            return;
        }
        p.single = store(ex, p);
        ex.responseHeaders().set("ETag", "\"" + p.single.md5() + "\"");
        ex.empty(200);
    }

    private void receivePart(SimExchange ex) throws IOException {
        Pending p = checkedStoragePut(ex);
        if (p == null) {
            return;
        }
        int part;
        try {
            part = Integer.parseInt(ex.pathParam("part"));
        } catch (NumberFormatException e) {
            part = 0;
        }
        if (!p.multipart() || part < 1 || part > 10_000) {
            SimMedia.s3Error(ex, 400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", "");
            return;
        }
        SimBlobs.Blob blob = store(ex, p);
        SimBlobs.Blob replaced = p.parts.put(part, blob);   // a part PUT again replaces the earlier one, as on S3
        if (replaced != null) {
            blobs.delete(replaced.id());
        }
        ex.responseHeaders().set("ETag", "\"" + blob.md5() + "\"");
        ex.empty(200);
    }

    /** The upload a storage PUT belongs to, after S3's checks (signature, expiry, an open upload); null once answered. */
    private Pending checkedStoragePut(SimExchange ex) throws IOException {
        StorageSigner.Verdict verdict = signer.verify("PUT", ex.path, ex.rawQuery, sim.now());
        if (verdict != StorageSigner.Verdict.VALID) {
            SimMedia.s3Error(ex, 403, verdict == StorageSigner.Verdict.EXPIRED ? "AccessDenied" : "SignatureDoesNotMatch",
                    verdict == StorageSigner.Verdict.EXPIRED ? "Request has expired"
                            : "The request signature we calculated does not match the signature you provided.", "");
            return null;
        }
        Pending p = pending.get(ex.pathParam("token"));
        if (p == null || !p.storageService.equals("s3")) {
            SimMedia.s3Error(ex, 404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, "
                    + "or the upload may have been aborted or completed.", "");
            return null;
        }
        return p;
    }

    /** {@code storage_service: "sg"}: the bytes PUT to the site itself, with the bearer and the init's signature. */
    private void receiveOnSite(SimExchange ex) throws IOException {
        SimMedia.Target t = media.uploadTarget(ex, "update");
        Pending p = null;
        String signature = ex.query("signature");
        for (Pending candidate : pending.values()) {
            if (candidate.sgSignature != null && candidate.sgSignature.equals(signature)) {
                p = candidate;
            }
        }
        if (p == null || p.target.record().id != t.record().id || !p.filename.equals(ex.query("filename"))) {
            throw SimError.fptr(403, 103, "Invalid upload signature.", SimJson.object(), null);
        }
        if (sim.now().getEpochSecond() > p.sgExpiresAt) {
            throw SimError.fptr(403, 103, "Upload URL has expired.", SimJson.object(), null);
        }
        p.single = store(ex, p);
        p.sgUploadId = UUID.randomUUID().toString();
        ObjectNode out = SimJson.object();
        out.putObject("data").put("upload_id", p.sgUploadId).put("original_filename", p.filename);
        out.putObject("links").put("complete_upload", ex.apiPrefix() + "/entity/" + t.def().slug + "/" + t.record().id
                + "/" + t.pathField() + "/_upload");
        ex.json(200, out);
    }

    private SimBlobs.Blob store(SimExchange ex, Pending p) throws IOException {
        String contentType = ex.header("Content-Type");
        if (contentType == null || contentType.isBlank()) {
            contentType = SimImages.contentTypeFor(p.filename);
        }
        return blobs.store(ex.bodyStream(), ex.bodyMayBeShort() ? -1 : SimMedia.contentLength(ex), p.filename, contentType);
    }

    // ---- complete and abort ---------------------------------------------------------------------------------

    private void complete(SimExchange ex) throws IOException {
        ex.requireContentType("application/json");
        JsonNode body = ex.jsonBody();
        JsonNode info = body.path("upload_info");
        if (!info.isObject()) {
            throw SimError.invalidParameter("upload_info", "upload_info is missing");
        }
        SimMedia.Target t = media.uploadTarget(ex, "update");
        Pending p = matching(t, info);
        if (p == null) {
            throw SimError.badRequest("Invalid upload_info: no upload of '" + info.path("original_filename").asText()
                    + "' to " + t.def().name + "." + t.pathField() + " was started at " + info.path("timestamp").asText() + ".");
        }
        SimBlobs.Blob file;
        if (p.multipart()) {
            file = assemble(p, info.get("etags"));
        } else if (p.storageService.equals("sg") && p.sgUploadId != null && p.sgUploadId.equals(info.path("upload_id").asText())) {
            file = p.single;
        } else if (p.storageService.equals("s3") && p.single != null) {
            file = p.single;
        } else {
            // FPTR completes even when the bytes never arrived: the file is then empty (sg-groundtruth 039).
            file = blobs.store(new byte[0], p.filename, SimImages.contentTypeFor(p.filename));
        }
        pending.remove(p.token);
        media.completed(t, file, ex.caller() == null ? null : ex.caller().actor());
        ex.respond(201, SimExchange.JSON, " ".getBytes(StandardCharsets.UTF_8));
    }

    /** The parts in order as one file, when the etags name them and every part but the last is big enough. */
    private SimBlobs.Blob assemble(Pending p, JsonNode etags) throws IOException {
        if (etags == null || !etags.isArray()) {
            ObjectNode source = SimJson.object().put("etags", "missing and required for multipart uploads.");
            throw SimError.fptr(400, 103, "'multipart_upload' is True but no 'etags' send with request.", source, null);
        }
        TreeMap<Integer, SimBlobs.Blob> parts = new TreeMap<>(p.parts);
        List<SimBlobs.Blob> ordered = new ArrayList<>(parts.values());
        boolean ok = !ordered.isEmpty() && etags.size() == ordered.size() && parts.lastKey() == ordered.size();
        for (int i = 0; ok && i < ordered.size(); i++) {
            SimBlobs.Blob part = ordered.get(i);
            ok = part.md5().equals(etags.get(i).asText().replace("\"", ""))
                    && (i == ordered.size() - 1 || part.size() >= sim.config().multipartMinPartBytes());
        }
        if (!ok) {
            throw SimError.badRequest("Error completing multipart upload.");   // the upload stays open, as on FPTR
        }
        SimBlobs.Blob whole = blobs.concat(ordered, p.filename, ordered.get(0).contentType());
        ordered.forEach(part -> blobs.delete(part.id()));
        return whole;
    }

    private void abort(SimExchange ex) throws IOException {
        ex.requireContentType("application/json");
        JsonNode info = ex.jsonBody();
        media.uploadTarget(ex, "update");
        ObjectNode missing = SimJson.object();
        for (String key : ABORT_KEYS) {
            if (!info.has(key)) {
                missing.putArray(key).add(key + " is missing");
            }
        }
        if (!missing.isEmpty()) {
            throw SimError.invalidParameters(missing);
        }
        Pending p = byUploadId(info.path("upload_id").asText(""));
        if (p == null) {
            throw SimError.badRequest("Failed to abort S3 multipart upload");
        }
        pending.remove(p.token);
        p.parts.values().forEach(part -> blobs.delete(part.id()));
        ex.empty(204);
    }

    private Pending matching(SimMedia.Target t, JsonNode info) {
        Pending found = null;
        for (Pending p : pending.values()) {
            if (p.target.def().name.equals(t.def().name) && p.target.record().id == t.record().id
                    && p.target.pathField().equals(t.pathField())
                    && p.filename.equals(info.path("original_filename").asText()) && p.timestamp.equals(info.path("timestamp").asText())
                    && (!p.multipart() || p.uploadId.equals(info.path("upload_id").asText()))
                    && (found == null || p.single != null || !p.parts.isEmpty())) {
                found = p;
            }
        }
        return found;
    }

    private Pending byUploadId(String uploadId) {
        for (Pending p : pending.values()) {
            if (p.multipart() && p.uploadId.equals(uploadId)) {
                return p;
            }
        }
        return null;
    }

    // ---- admin ----------------------------------------------------------------------------------------------

    /** {@code GET /_sim/uploads}: every upload started and neither completed nor aborted. */
    private void list(SimExchange ex) throws IOException {
        ObjectNode out = SimJson.object();
        ArrayNode list = out.putArray("uploads");
        for (Pending p : pending.values()) {
            ObjectNode u = list.addObject();
            u.put("type", p.target.def().name).put("id", p.target.record().id).put("field", p.target.pathField())
                    .put("filename", p.filename).put("storage_service", p.storageService).put("multipart", p.multipart())
                    .put("parts", p.parts.size()).put("bytes_received", p.single != null ? p.single.size()
                            : p.parts.values().stream().mapToLong(SimBlobs.Blob::size).sum());
        }
        ex.json(200, out);
    }

    private void forgetAll() {
        for (Pending p : pending.values()) {
            p.parts.values().forEach(part -> blobs.delete(part.id()));
            if (p.single != null) {
                blobs.delete(p.single.id());
            }
        }
        pending.clear();
    }

    private static long callerId(SimExchange ex) {
        EntityRef actor = ex.caller() == null ? null : ex.caller().actor();
        return actor == null ? 0 : actor.id();
    }

    private static String callerType(SimExchange ex) {
        EntityRef actor = ex.caller() == null ? null : ex.caller().actor();
        return actor == null ? "ApiUser" : actor.type();
    }

    private static String hex(int bytes) {
        byte[] raw = new byte[bytes];
        RANDOM.nextBytes(raw);
        return HexFormat.of().formatHex(raw);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
