package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Images and files (notes §3): image fields, the field endpoint with {@code ?alt=}, a storage service
 * behind presigned URLs, the 3-step upload flow, and {@code PUT /_sim/files/...} for tests and benches.
 *
 * <ul>
 *   <li>An {@code image} field stores a {@link SimImage}: the original file and the thumbnail FPTR made of
 *       it (see {@link SimImages}: a JPEG scaled to fit 256 px, or a fixed 16x16 grey JPEG when the file
 *       is not a decodable picture). It reads as the transient
 *       {@code <site>/images/status/transient/thumbnail_pending.png} for {@code thumbnail_pending_seconds}
 *       after an upload, then as a presigned URL of the thumbnail, signed anew on every read and valid
 *       for {@code storage_url_ttl_seconds}.</li>
 *   <li>{@code GET /entity/{type}/{id}/{field}}: image → {@code data} URL; url field → its dict (an
 *       uploaded file's {@code url} presigned); empty → {@code data: null}; other types → 400.
 *       {@code ?alt=original|thumbnail} → 302 to the file (while pending, {@code thumbnail} redirects to
 *       the placeholder: FPTR's behaviour there is unconfirmed).</li>
 *   <li>Storage: {@code GET /_storage/<blob>/<name>?X-Amz-...} streams the file from its temp file with
 *       Content-Length, Content-Type, ETag and single {@code Range}s (206; 416 when unsatisfiable).
 *       Expired → 403 {@code AccessDenied} "Request has expired", bad signature → 403, HEAD → 403, as S3.</li>
 *   <li>Uploads: {@link SimUploads} (single and multipart, s3 and sg storage); a completed upload lands
 *       here ({@link #completed}).</li>
 * </ul>
 * Blobs are temp files streamed both ways: a 512 MiB image never sits in the heap.
 */
public final class SimMedia implements SimExtension {

    static final String TRANSIENT_PATH = "/images/status/transient/thumbnail_pending.png";
    private static final Pattern RANGE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");

    /** The stored value of an image field: the original file, FPTR's thumbnail of it, and when the thumbnail is ready. */
    public record SimImage(String originalBlob, String thumbnailBlob, Instant readyAt) {
    }

    /** A request's entity and file field, checked; {@code field} null for an Attachment on the record. */
    record Target(EntityDef def, SimRecord record, FieldDef field) {
        /** The field as the upload path names it: {@code attachments} for an Attachment on the record. */
        String pathField() {
            return field == null ? "attachments" : field.name;
        }
    }

    private FptrSimulator sim;
    private final SimBlobs blobs = new SimBlobs();
    private final StorageSigner signer = new StorageSigner();
    /** Attachment id → blob id, for files uploaded to url fields. */
    private final Map<Long, String> attachmentBlobs = new ConcurrentHashMap<>();

    @Override
    public void install(FptrSimulator sim) {
        this.sim = sim;
        sim.fieldHooks().onWrite(DataType.IMAGE, this::writeImage);
        sim.fieldHooks().onRead(DataType.IMAGE, r -> r.stored() instanceof SimImage img
                ? SimJson.NODES.textNode(imageUrl(img, sim.baseUrl())) : FieldCodecs.read(r));
        sim.fieldHooks().onRead(DataType.URL, this::readLink);

        new SimUploads(sim, this, blobs, signer).install();   // first: GET .../_upload is no field read
        sim.apiRoute("GET", "/entity/{type}/{id}/{field}", this::readField);
        sim.route("GET", "/_storage/{blob}/{name}", this::serveBlob);
        sim.route("HEAD", "/_storage/{blob}/{name}", ex -> ex.empty(403));
        sim.route("GET", TRANSIENT_PATH, ex -> ex.respond(200, "image/png", SimImages.transientPng()));
        sim.route("GET", "/file_serve/attachment/{id}", this::serveAttachment);
        sim.route("PUT", "/_sim/files/{type}/{id}/{field}", this::adminSetFile);
        sim.onReset(this::forgetUnused);
    }

    // ---- image field values -------------------------------------------------------------------------

    private Object writeImage(FieldHooks.FieldWrite w) {
        JsonNode v = w.value();
        if (v == null || v.isNull()) {
            return null;
        }
        if (v instanceof POJONode pojo && pojo.getPojo() instanceof SimImage image) {
            return image;   // from this class (upload completion); JSON from a caller never parses to a POJONode
        }
        if ("seed".equals(w.operation()) && v.isTextual()) {
            return seedImage(w.entity().name, w.recordId(), v.textValue());
        }
        throw w.invalid("can only be set to null here; upload an image to set it");
    }

    /** A seed's {@code "image": "<anything>"} becomes a generated 320x180 PNG (ready, not pending). */
    private SimImage seedImage(String type, long id, String label) {
        String name = label.toLowerCase(java.util.Locale.ROOT).endsWith(".png")
                ? label.substring(label.lastIndexOf('/') + 1) : type.toLowerCase(java.util.Locale.ROOT) + "_" + id + ".png";
        SimBlobs.Blob original = blobs.store(SimImages.generatedPng(type + "/" + id + "/" + label, 320, 180), name, "image/png");
        return new SimImage(original.id(), thumbnailOf(original).id(), Instant.EPOCH);
    }

    private SimBlobs.Blob thumbnailOf(SimBlobs.Blob original) {
        String base = original.filename().replaceFirst("\\.[A-Za-z0-9]{1,5}$", "");
        return blobs.store(SimImages.thumbnailOf(original.path()), base + "_thumb.jpg", "image/jpeg");
    }

    private boolean pending(SimImage image) {
        return sim.now().isBefore(image.readyAt());
    }

    /** What the field reads as: the placeholder while pending, else the thumbnail's presigned URL. */
    private String imageUrl(SimImage image, String site) {
        if (pending(image)) {
            return site + TRANSIENT_PATH;
        }
        return signedUrl(site, image.thumbnailBlob());
    }

    private String signedUrl(String site, String blobId) {
        SimBlobs.Blob blob = blobs.get(blobId);
        String path = "/_storage/" + blobId + "/" + (blob == null ? "missing" : blob.filename());
        return site + path + "?" + signer.sign("GET", path, sim.config().storageUrlTtlSeconds(), sim.now());
    }

    /**
     * A file/link value as REST reads it: an uploaded file's {@code url} is a presigned storage URL,
     * signed anew on every read like an image's (the stored value keeps the RPC API's
     * {@code /file_serve/attachment/<id>} link). Local and web links read as stored.
     */
    private JsonNode readLink(FieldHooks.FieldRead r) {
        String blob = r.stored() instanceof JsonNode link && "upload".equals(link.path("link_type").asText())
                ? attachmentBlobs.get(link.path("id").asLong()) : null;
        if (blob == null) {
            return FieldCodecs.read(r);
        }
        return ((ObjectNode) ((JsonNode) r.stored()).deepCopy()).put("url", signedUrl(sim.baseUrl(), blob));
    }

    // ---- GET /entity/{type}/{id}/{field}[?alt=] -------------------------------------------------------

    private void readField(SimExchange ex) throws IOException {
        String alt = ex.query("alt");
        Target t = target(ex, "read");
        if (alt != null && !alt.equals("original") && !alt.equals("thumbnail")) {
            throw SimError.invalidParameter("alt", "alt must be one of: original, thumbnail");
        }
        Object stored = sim.store().read(() -> t.record().get(t.field().name));
        String site = sim.baseUrl();
        if (t.field().type == DataType.IMAGE) {
            SimImage image = stored instanceof SimImage i ? i : null;
            if (alt == null) {
                fieldAnswer(ex, t, image == null ? SimJson.NODES.nullNode() : SimJson.NODES.textNode(imageUrl(image, site)));
            } else if (image == null) {
                throw SimError.fptr(404, 104, "File not found", null, null);
            } else if (alt.equals("original")) {
                ex.redirect(signedUrl(site, image.originalBlob()));
            } else {
                ex.redirect(pending(image) ? site + TRANSIENT_PATH : signedUrl(site, image.thumbnailBlob()));
            }
            return;
        }
        JsonNode value = stored == null ? SimJson.NODES.nullNode() : sim.store().read(() -> sim.fieldHooks().reader(DataType.URL)
                .read(new FieldHooks.FieldRead(sim, t.def(), t.field(), t.record(), stored, ex.renderContext(false))));
        String uploaded = value.isObject() && "upload".equals(value.path("link_type").asText())
                ? attachmentBlobs.get(value.path("id").asLong()) : null;
        if (alt == null) {
            fieldAnswer(ex, t, value);   // an upload's url already presigned by readLink
        } else if (value.isNull()) {
            throw SimError.fptr(404, 104, "Field " + t.field().name + " is empty.", null, null);
        } else if (uploaded != null) {
            ex.redirect(signedUrl(site, uploaded));
        } else if ("web".equals(value.path("link_type").asText()) && value.hasNonNull("url")) {
            ex.redirect(value.get("url").asText());
        } else {
            throw SimError.fptr(404, 104, "File not found", null, null);   // a local file link: FPTR holds no bytes
        }
    }

    private static void fieldAnswer(SimExchange ex, Target t, JsonNode data) throws IOException {
        ObjectNode out = SimJson.object();
        out.set("data", data);
        out.putObject("links").put("self", ex.apiPrefix() + "/entity/" + t.def().slug + "/" + t.record().id + "/" + t.field().name);
        ex.json(200, out);
    }

    private Target target(SimExchange ex, String operation) {
        Target t = recordTarget(ex);
        EntityDef def = t.def();
        String name = ex.pathParam("field");
        FieldDef field = def.field(name);
        if (field == null) {
            throw SimError.fptr(400, 103, "API " + operation + "() " + def.name + "." + name + " doesn't exist.", SimJson.object(), null);
        }
        if (field.type != DataType.IMAGE && field.type != DataType.URL) {
            throw SimError.badRequest("Field " + def.name + "." + name + " is not an image or attachment.");
        }
        return new Target(def, t.record(), field);
    }

    private Target recordTarget(SimExchange ex) {
        String rawType = ex.pathParam("type");
        EntityDef def = sim.schema().resolve(rawType);
        if (def == null) {
            throw SimError.fptr(404, 103, "Not Found", null, "Entity type '" + rawType + "' does not exist.");
        }
        String rawId = ex.pathParam("id");
        long id;
        try {
            id = Long.parseLong(rawId);
        } catch (NumberFormatException e) {
            throw SimError.notFound(def.name + ": " + rawId + " not found");
        }
        SimRecord record = sim.store().read(() -> sim.store().get(def.name, id));
        if (record == null || record.retired()) {
            throw SimError.notFound(def.name + ": " + rawId + " not found");
        }
        return new Target(def, record, null);
    }

    // ---- storage ----------------------------------------------------------------------------------------

    private void serveBlob(SimExchange ex) throws IOException {
        StorageSigner.Verdict verdict = signer.verify("GET", ex.path, ex.rawQuery, sim.now());
        if (verdict == StorageSigner.Verdict.EXPIRED) {
            s3Error(ex, 403, "AccessDenied", "Request has expired",
                    "<X-Amz-Expires>" + StorageSigner.parse(ex.rawQuery).get("X-Amz-Expires") + "</X-Amz-Expires><Expires>"
                            + StorageSigner.expiry(ex.rawQuery) + "</Expires><ServerTime>" + sim.now().truncatedTo(ChronoUnit.SECONDS) + "</ServerTime>");
            return;
        }
        if (verdict != StorageSigner.Verdict.VALID) {
            s3Error(ex, 403, "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided.", "");
            return;
        }
        SimBlobs.Blob blob = blobs.get(ex.pathParam("blob"));
        if (blob == null || !blob.filename().equals(ex.pathParam("name"))) {
            s3Error(ex, 404, "NoSuchKey", "The specified key does not exist.", "");
            return;
        }
        ex.responseHeaders().set("Accept-Ranges", "bytes");
        ex.responseHeaders().set("ETag", "\"" + blob.md5() + "\"");
        String range = ex.header("Range");
        long size = blob.size();
        if (range != null) {
            Matcher m = RANGE.matcher(range.trim());
            if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
                long start;
                long end;
                if (m.group(1).isEmpty()) {       // bytes=-N: the last N bytes
                    long n = Long.parseLong(m.group(2));
                    start = Math.max(0, size - n);
                    end = size - 1;
                } else {
                    start = Long.parseLong(m.group(1));
                    end = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
                }
                if (start >= size || end < start) {
                    ex.responseHeaders().set("Content-Range", "bytes */" + size);
                    s3Error(ex, 416, "InvalidRange", "The requested range is not satisfiable", "");
                    return;
                }
                ex.responseHeaders().set("Content-Range", "bytes " + start + "-" + end + "/" + size);
                ex.stream(206, blob.contentType(), end - start + 1, slice(blob, start, end - start + 1));
                return;
            }
            // A malformed or multi-part range is ignored, as S3 does: the whole object follows.
        }
        ex.stream(200, blob.contentType(), size, java.nio.file.Files.newInputStream(blob.path()));
    }

    private static InputStream slice(SimBlobs.Blob blob, long start, long length) throws IOException {
        FileChannel channel = FileChannel.open(blob.path(), StandardOpenOption.READ);
        channel.position(start);
        InputStream in = Channels.newInputStream(channel);
        return new InputStream() {
            long left = length;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = in.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    private void serveAttachment(SimExchange ex) throws IOException {
        long id;
        try {
            id = Long.parseLong(ex.pathParam("id"));
        } catch (NumberFormatException e) {
            throw SimError.fptr(404, 104, "File not found", null, null);
        }
        String blob = attachmentBlobs.get(id);
        if (blob == null) {
            throw SimError.fptr(404, 104, "File not found", null, null);
        }
        ex.redirect(signedUrl(sim.baseUrl(), blob));
    }

    // ---- uploads (SimUploads runs the flow; these are its ends here) -----------------------------------------

    /**
     * An upload's target: a field ({@code image}, a url field), or with {@code field} null a new Attachment on
     * the record ({@code .../attachments/_upload} or {@code .../_upload}), for types with an {@code attachments}
     * field. A field FPTR does not have is its 404 {@code Field 'Shot.attachments' does not exist.} (sg-groundtruth).
     */
    Target uploadTarget(SimExchange ex, String operation) {
        String name = ex.pathParam("field");
        if (name != null && !name.equals("attachments")) {
            return target(ex, operation);
        }
        Target record = recordTarget(ex);
        FieldDef attachments = record.def().field("attachments");
        if (attachments == null || attachments.type != DataType.MULTI_ENTITY) {
            throw SimError.fptr(404, 103, "Not Found", null, "Field '" + record.def().name + ".attachments' does not exist.");
        }
        return record;
    }

    /** A completed upload: an image gets its file (thumbnail pending), a url field or a record a new Attachment. */
    void completed(Target t, SimBlobs.Blob original, EntityRef actor) {
        if (t.field() != null && t.field().type == DataType.IMAGE) {
            SimImage image = new SimImage(original.id(), thumbnailOf(original).id(),
                    sim.now().plusSeconds(sim.config().thumbnailPendingSeconds()));
            ObjectNode change = SimJson.object();
            change.set(t.field().name, SimJson.NODES.pojoNode(image));
            sim.store().update(t.def(), t.record().id, change, actor);
        } else {
            attach(t, original, actor);
        }
    }

    /** S3's XML error body. */
    static void s3Error(SimExchange ex, int status, String code, String message, String extra) throws IOException {
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
                + "</Message>" + extra + "<RequestId>" + SimError.requestId().substring(0, 16).toUpperCase(java.util.Locale.ROOT)
                + "</RequestId></Error>";
        ex.respond(status, "application/xml", xml.getBytes(StandardCharsets.UTF_8));
    }

    /** A file uploaded to a url field: an Attachment row holding it, and the field pointing at it. */
    private void attach(Target t, SimBlobs.Blob file, EntityRef actor) {
        boolean onRecord = t.field() == null;
        JsonNode stored = sim.store().write(() -> {
            SimRecord attachment = sim.store().newRow("Attachment");
            ObjectNode value = SimJson.object();
            value.put("url", sim.baseUrl() + "/file_serve/attachment/" + attachment.id);
            value.put("name", file.filename());
            value.put("content_type", file.contentType());
            value.put("link_type", "upload");
            value.put("type", "Attachment");
            value.put("id", attachment.id);
            Instant now = sim.now();
            attachment.put("this_file", value);
            attachment.put("attachment_links", List.of(t.record().ref()));
            attachment.put("project", t.def().name.equals("Project") ? t.record().ref() : t.record().get("project"));
            attachment.put("filename", file.filename());
            attachment.put("file_size", file.size());
            attachment.put("cached_display_name", file.filename());
            attachment.put("created_at", now);
            attachment.put("updated_at", now);
            attachment.put("created_by", actor);
            attachment.put("updated_by", actor);
            sim.store().insertRow(attachment);
            attachmentBlobs.put(attachment.id, file.id());
            return value;
        });
        if (onRecord) {
            // the record's attachments list is the other side of attachment_links
            EntityRef created = new EntityRef("Attachment", stored.path("id").asLong());
            List<EntityRef> listed = new ArrayList<>();
            if (sim.store().read(() -> t.record().get("attachments")) instanceof List<?> before) {
                before.forEach(r -> listed.add((EntityRef) r));
            }
            listed.add(created);
            sim.store().setField(t.def().name, t.record().id, "attachments", listed, actor);
        } else {
            sim.store().setField(t.def().name, t.record().id, t.field().name, stored, actor);
        }
    }

    static long contentLength(SimExchange ex) {
        String header = ex.header("Content-Length");
        try {
            return header == null ? -1 : Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ---- admin: PUT /_sim/files/{type}/{id}/{field}[?filename=][&pending_seconds=] ------------------------

    /**
     * Sets a file field directly from the raw body (streamed to a temp file) with the request's
     * Content-Type, ready at once unless {@code pending_seconds} says otherwise. For tests and benches.
     */
    private void adminSetFile(SimExchange ex) throws IOException {
        Target t;
        try {
            t = target(ex, "update");
        } catch (SimError e) {
            throw new IllegalArgumentException(e.body().path("errors").path(0).path("title").asText()
                    + " " + e.body().path("errors").path(0).path("detail").asText(""));
        }
        String contentType = ex.header("Content-Type");
        String filename = ex.query("filename");
        if (filename == null || filename.isBlank()) {
            String ext = contentType == null ? "" : switch (contentType.split(";")[0].trim()) {
                case "image/png" -> ".png";
                case "image/jpeg" -> ".jpg";
                default -> "";
            };
            filename = t.def().name.toLowerCase(java.util.Locale.ROOT) + "_" + t.record().id + "_" + t.field().name + ext;
        }
        if (contentType == null || contentType.isBlank()) {
            contentType = SimImages.contentTypeFor(filename);
        }
        long pendingSeconds = 0;
        if (ex.query("pending_seconds") != null) {
            try {
                pendingSeconds = Long.parseLong(ex.query("pending_seconds"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("pending_seconds must be a whole number");
            }
        }
        SimBlobs.Blob blob = blobs.store(ex.bodyStream(), contentLength(ex), filename, contentType);
        if (t.field().type == DataType.IMAGE) {
            SimImage image = new SimImage(blob.id(), thumbnailOf(blob).id(), sim.now().plusSeconds(pendingSeconds));
            sim.store().setField(t.def().name, t.record().id, t.field().name, image, null);
        } else {
            attach(t, blob, null);
        }
        ObjectNode out = SimJson.object();
        out.put("type", t.def().name).put("id", t.record().id).put("field", t.field().name)
                .put("filename", blob.filename()).put("size", blob.size()).put("content_type", blob.contentType())
                .put("md5", blob.md5());
        ex.json(200, out);
    }

    // ---- reset -----------------------------------------------------------------------------------------

    /** After a reset (the seed already reloaded): drop uploads in flight and every file no record refers to. */
    private void forgetUnused() {
        attachmentBlobs.clear();   // ids restart with the seed: an old mapping would point a new row at an old file
        Set<String> used = new HashSet<>();
        sim.store().read(() -> {
            for (EntityDef def : sim.schema().types()) {
                for (SimRecord r : sim.store().all(def.name)) {
                    for (FieldDef f : def.fields()) {
                        if (r.get(f.name) instanceof SimImage image) {
                            used.add(image.originalBlob());
                            used.add(image.thumbnailBlob());
                        }
                    }
                }
            }
            return null;
        });
        List<String> unused = new ArrayList<>();
        blobs.ids().forEach(id -> {
            if (!used.contains(id)) {
                unused.add(id);
            }
        });
        unused.forEach(blobs::delete);
    }
}
