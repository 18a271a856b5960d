package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * FPTR webhooks: {@code /webhook/hooks} CRUD in FPTR's REST shape and deliveries of entity events
 * (create, update — one per changed attribute —, delete, revive) posted asynchronously to the hook's
 * URL, signed {@code X-SG-SIGNATURE: sha1=<hmac-sha1(token, raw body)>}, with the {@code x-sg-*}
 * headers; batched as {@code {"timestamp","data":{"deliveries":[...]}}} when the hook asks for it.
 * Unlike FPTR (which refuses internal addresses), hooks must target loopback: the simulator never
 * sends traffic anywhere else.
 */
final class Webhooks {

    private static final Pattern UUID_SHAPE =
            Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
    private static final Set<String> ACTIONS = Set.of("create", "update", "delete", "revive");
    private static final DateTimeFormatter EVENT_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);
    /** Events for a batching hook within this window go out in one request (FPTR: faster than one per 2 s). */
    static final long BATCH_WINDOW_MS = 300;
    private static final int MAX_BATCH = 50;

    private final FptrSimulator sim;
    private final Map<String, Hook> hooks = new LinkedHashMap<>();
    private final Map<String, ObjectNode> deliveries = new LinkedHashMap<>();
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fptr-sim-webhooks");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static final class Hook {
        final String id = UUID.randomUUID().toString();
        String url;
        String name;
        String description;
        JsonNode entityTypes;
        String eventType;
        List<Long> projects;
        String token;
        String status = "active";
        boolean validateSslCert = true;
        boolean batchDeliveries;
        int numDeliveries;
        final List<ObjectNode> pending = new ArrayList<>();
        boolean flushScheduled;
    }

    Webhooks(FptrSimulator sim) {
        this.sim = sim;
    }

    void install() {
        sim.apiRoute("GET", "/webhook/hooks", this::list);
        sim.apiRoute("POST", "/webhook/hooks", this::create);
        sim.apiRoute("GET", "/webhook/hooks/{id}", ex -> ex.json(200, envelope(ex, find(ex.pathParam("id")))));
        sim.apiRoute("PUT", "/webhook/hooks/{id}", this::update);
        sim.apiRoute("DELETE", "/webhook/hooks/{id}", this::delete);
        sim.apiRoute("POST", "/webhook/hooks/{id}/test_connection", ex -> ex.empty(204));
        sim.apiRoute("GET", "/webhook/hooks/{id}/deliveries", this::hookDeliveries);
        sim.apiRoute("GET", "/webhook/deliveries/{id}", this::delivery);
        sim.apiRoute("PUT", "/webhook/deliveries/{id}", this::acknowledge);
        sim.apiRoute("POST", "/webhook/deliveries/{id}/redeliver", this::redeliver);
        sim.store().addListener(this::onEvent);
        sim.onReset(this::reset);
    }

    void close() {
        sender.shutdownNow();
    }

    synchronized void reset() {
        hooks.clear();
        deliveries.clear();
    }

    // ---- hooks CRUD ---------------------------------------------------------------------------------

    private void list(SimExchange ex) throws IOException {
        ObjectNode out = SimJson.object();
        ArrayNode data = out.putArray("data");
        synchronized (this) {
            hooks.values().forEach(h -> data.add(json(h)));
        }
        out.putObject("links").put("self", ex.apiPrefix() + "/webhook/hooks");
        ex.json(200, out);
    }

    private void create(SimExchange ex) throws IOException {
        JsonNode body = jsonOnly(ex);
        ObjectNode problems = SimJson.object();
        Hook h = new Hook();
        if (!body.hasNonNull("url") || body.get("url").asText().isBlank()) {
            problems.putArray("url").add("url is missing");
        } else if (!loopback(body.get("url").asText())) {
            problems.putArray("url").add("url must be a loopback http(s) URL (127.0.0.1, localhost, [::1]): "
                    + "the simulator delivers nowhere else");
        }
        boolean hasTypes = body.hasNonNull("entity_types");
        boolean hasEvent = body.hasNonNull("event_type");
        if (hasTypes == hasEvent) {
            problems.putArray("entity_types").add("entity_types either entity types or event type is required");
        } else if (hasTypes && !validEntityTypes(body.get("entity_types"))) {
            problems.putArray("entity_types").add("entity_types is not valid");
        }
        if (!problems.isEmpty()) {
            throw SimError.invalidParameters(problems);
        }
        h.url = body.get("url").asText();
        h.entityTypes = hasTypes ? body.get("entity_types") : null;
        h.eventType = hasEvent ? body.get("event_type").asText() : null;
        applyOptional(h, body);
        synchronized (this) {
            hooks.put(h.id, h);
        }
        ex.json(201, envelope(ex, h));
    }

    private void update(SimExchange ex) throws IOException {
        Hook h = find(ex.pathParam("id"));
        JsonNode body = jsonOnly(ex);
        if (body.isEmpty()) {
            throw SimError.invalidParameter("ensure_field_present", "at least one field must be provided");
        }
        if (body.has("status") && !Set.of("active", "disabled").contains(body.get("status").asText())) {
            throw SimError.invalidParameter("status", "status must be one of: active, disabled");
        }
        if (body.has("url") && !loopback(body.get("url").asText())) {
            throw SimError.invalidParameter("url", "url must be a loopback http(s) URL (127.0.0.1, localhost, [::1])");
        }
        if (body.has("entity_types") && !validEntityTypes(body.get("entity_types"))) {
            throw SimError.invalidParameter("entity_types", "entity_types is not valid");
        }
        String previousStatus;
        synchronized (this) {
            previousStatus = h.status;
            if (body.has("url")) {
                h.url = body.get("url").asText();
            }
            if (body.has("entity_types")) {
                h.entityTypes = body.get("entity_types");
                h.eventType = null;
            }
            if (body.has("status")) {
                h.status = body.get("status").asText();
            }
            applyOptional(h, body);
        }
        if (!previousStatus.equals(h.status)) {
            statusChange(h, previousStatus);
        }
        ex.json(200, envelope(ex, h));
    }

    private void delete(SimExchange ex) throws IOException {
        Hook h = find(ex.pathParam("id"));
        synchronized (this) {
            hooks.remove(h.id);
        }
        ex.empty(204);
    }

    private void hookDeliveries(SimExchange ex) throws IOException {
        Hook h = find(ex.pathParam("id"));
        ObjectNode out = SimJson.object();
        ArrayNode data = out.putArray("data");
        synchronized (this) {
            for (ObjectNode d : deliveries.values()) {
                if (h.id.equals(d.path("webhook_id").asText())) {
                    data.add(d);
                }
            }
        }
        out.putObject("links").put("self", ex.http().getRequestURI().getRawPath());
        ex.json(200, out);
    }

    private void delivery(SimExchange ex) throws IOException {
        ObjectNode d;
        synchronized (this) {
            d = deliveries.get(ex.pathParam("id"));
        }
        if (d == null) {
            throw SimError.notFound("delivery: " + ex.pathParam("id") + " not found");
        }
        ObjectNode out = SimJson.object();
        out.set("data", d);
        out.putObject("links").put("self", ex.http().getRequestURI().getRawPath());
        ex.json(200, out);
    }

    private void acknowledge(SimExchange ex) throws IOException {
        JsonNode body = jsonOnly(ex);
        String ack = body.path("acknowledgement").asText(null);
        if (ack == null) {
            throw SimError.invalidParameter("acknowledgement", "acknowledgement is missing");
        }
        if (ack.getBytes(StandardCharsets.UTF_8).length > 4096) {
            throw SimError.invalidParameter("acknowledgement", "acknowledgement must be 4096 bytes long or less");
        }
        ObjectNode d;
        synchronized (this) {
            d = deliveries.get(ex.pathParam("id"));
            if (d != null) {
                d.put("acknowledgement", ack);
            }
        }
        if (d == null) {
            throw SimError.notFound("delivery: " + ex.pathParam("id") + " not found");
        }
        ObjectNode out = SimJson.object();
        out.set("data", d);
        ex.json(200, out);
    }

    /**
     * Sends a recorded delivery's event again to its hook (FPTR has this endpoint, GT 042/045; its answer is
     * not recorded anywhere, so: 200 with the delivery as it was). The same event and delivery id, signed
     * anew in a fresh single-event payload; the record is then updated as for any delivery.
     */
    private void redeliver(SimExchange ex) throws IOException {
        ObjectNode d;
        Hook h;
        synchronized (this) {
            d = deliveries.get(ex.pathParam("id"));
            h = d == null ? null : hooks.get(d.path("webhook_id").asText());
        }
        if (d == null || h == null) {
            throw SimError.notFound("delivery: " + ex.pathParam("id") + " not found");
        }
        ObjectNode out = SimJson.object();
        synchronized (this) {
            out.set("data", d.deepCopy());
        }
        ObjectNode event = ((ObjectNode) d.get("request_body")).deepCopy();
        sender.execute(() -> send(h, List.of(event), false));
        out.putObject("links").put("self", ex.http().getRequestURI().getRawPath());
        ex.json(200, out);
    }

    private Hook find(String id) {
        if (id == null || !UUID_SHAPE.matcher(id).matches()) {
            throw SimError.fptr(404, 103, "Not Found", null, null);
        }
        synchronized (this) {
            Hook h = hooks.get(id);
            if (h == null) {
                throw SimError.notFound("hook: " + id + " not found");
            }
            return h;
        }
    }

    private static JsonNode jsonOnly(SimExchange ex) throws IOException {
        if (!"application/json".equals(ex.contentTypeBase())) {
            ObjectNode source = SimJson.object();
            source.put("content_type", "Content-Type must be one of: 'application/json'.");
            throw SimError.brief(415, 103, "Unsupported Content-Type '" + ex.contentTypeBase() + "'", source);
        }
        JsonNode body = ex.jsonBody();
        if (!body.isObject()) {
            throw SimError.badRequest("Request body must be a JSON object");
        }
        return body;
    }

    private static void applyOptional(Hook h, JsonNode body) {
        if (body.has("name")) {
            h.name = body.get("name").asText(null);
        }
        if (body.has("description")) {
            h.description = body.get("description").asText(null);
        }
        if (body.has("token")) {
            h.token = body.get("token").isNull() || body.get("token").asText().isEmpty() ? null : body.get("token").asText();
        }
        if (body.has("validate_ssl_cert")) {
            h.validateSslCert = body.get("validate_ssl_cert").asBoolean(true);
        }
        if (body.has("batch_deliveries")) {
            h.batchDeliveries = body.get("batch_deliveries").asBoolean(false);
        }
        if (body.has("projects")) {
            List<Long> p = new ArrayList<>();
            body.get("projects").forEach(n -> p.add(n.isObject() ? n.path("id").asLong() : n.asLong()));
            h.projects = body.get("projects").isNull() ? null : p;
        }
    }

    private boolean validEntityTypes(JsonNode types) {
        if (!types.isObject() || types.isEmpty()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = types.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (sim.schema().byName(e.getKey()) == null || !e.getValue().isObject()) {
                return false;
            }
            for (Iterator<String> a = e.getValue().fieldNames(); a.hasNext(); ) {
                if (!ACTIONS.contains(a.next())) {
                    return false;
                }
            }
        }
        return true;
    }

    static boolean loopback(String url) {
        try {
            URI u = URI.create(url);
            String host = u.getHost();
            return u.getScheme() != null && u.getScheme().toLowerCase(Locale.ROOT).matches("https?") && host != null
                    && (host.equals("127.0.0.1") || host.equalsIgnoreCase("localhost") || host.equals("[::1]"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private ObjectNode envelope(SimExchange ex, Hook h) {
        ObjectNode out = SimJson.object();
        synchronized (this) {
            out.set("data", json(h));
        }
        out.putObject("links").put("self", ex.apiPrefix() + "/webhook/hooks/" + h.id);
        return out;
    }

    private static ObjectNode json(Hook h) {
        ObjectNode n = SimJson.object();
        n.put("id", h.id);
        n.put("url", h.url);
        if (h.eventType != null) {
            n.put("event_type", h.eventType);
        } else {
            n.set("entity_types", h.entityTypes);
        }
        n.put("status", h.status);
        if (h.projects == null) {
            n.putNull("projects");
        } else {
            h.projects.forEach(n.putArray("projects")::add);
        }
        n.put("name", h.name);
        n.put("description", h.description);
        n.put("num_deliveries", h.numDeliveries);
        n.put("validate_ssl_cert", h.validateSslCert);
        n.put("batch_deliveries", h.batchDeliveries);
        n.put("is_token_set", h.token != null);
        return n;
    }

    // ---- deliveries ---------------------------------------------------------------------------------

    private void onEvent(StoreEvent e) {
        List<Hook> targets = new ArrayList<>();
        synchronized (this) {
            for (Hook h : hooks.values()) {
                if (h.status.equals("active") && h.entityTypes != null && h.entityTypes.has(e.entityType())
                        && h.entityTypes.get(e.entityType()).has(e.operation())
                        && (h.projects == null || h.projects.isEmpty()
                        || e.project() != null && h.projects.contains(e.project().id()))) {
                    targets.add(h);
                }
            }
        }
        if (targets.isEmpty()) {
            return;
        }
        List<ObjectNode> payloads = sim.store().read(() -> payloads(e));
        for (Hook h : targets) {
            JsonNode fields = h.entityTypes.get(e.entityType()).get(e.operation());
            for (ObjectNode p : payloads) {
                String attribute = p.path("attribute_name").asText(null);
                if (e.operation().equals("update") && fields != null && fields.isArray() && !fields.isEmpty()
                        && !contains(fields, attribute)) {
                    continue;   // the hook subscribed to other attributes
                }
                ObjectNode copy = p.deepCopy();
                copy.put("delivery_id", UUID.randomUUID().toString());
                enqueue(h, copy);
            }
        }
    }

    private static boolean contains(JsonNode list, String value) {
        for (JsonNode n : list) {
            if (n.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }

    /**
     * FPTR-shaped per-event objects (notes §5), made from the event's {@code EventLogEntry} rows
     * ({@link EventLog}): one per changed attribute for updates, the New entry for a create.
     */
    private List<ObjectNode> payloads(StoreEvent e) {
        List<ObjectNode> out = new ArrayList<>();
        List<SimRecord> entries = sim.eventLog().entries(e);
        for (int i = 0; i < entries.size(); i++) {
            SimRecord entry = entries.get(i);
            ObjectNode d = SimJson.object();
            d.put("id", entry.id + "." + i + ".0");
            d.put("event_log_entry_id", entry.id);
            d.put("event_type", (String) entry.get("event_type"));
            d.put("operation", e.operation());
            d.set("user", e.user() == null ? SimJson.NODES.nullNode() : ref(e.user()));
            d.set("entity", ref(new EntityRef(e.entityType(), e.entityId())));
            d.set("project", e.project() == null ? SimJson.NODES.nullNode() : ref(e.project()));
            d.set("meta", ((JsonNode) entry.get("meta")).deepCopy());
            d.put("attribute_name", (String) entry.get("attribute_name"));
            d.put("created_at", EVENT_TIME.format(e.at()));
            d.put("session_uuid", (String) entry.get("session_uuid"));
            out.add(d);
        }
        return out;
    }

    private static ObjectNode ref(EntityRef r) {
        ObjectNode n = SimJson.object();
        n.put("id", r.id());
        n.put("type", r.type());
        return n;
    }

    private void statusChange(Hook h, String previous) {
        ObjectNode d = SimJson.object();
        d.put("id", "0");
        d.put("event_type", "Webhook_Status_Change");
        d.put("event_log_entry_id", 0);
        d.put("webhook_status", h.status);
        d.put("previous_webhook_status", previous);
        ObjectNode meta = d.putObject("meta");
        meta.put("type", "webhook_status_change");
        meta.put("source", "client");
        meta.put("old_value", previous);
        meta.put("new_value", h.status);
        d.put("delivery_id", UUID.randomUUID().toString());
        sender.execute(() -> send(h, List.of(d), false));
    }

    private void enqueue(Hook h, ObjectNode delivery) {
        if (!h.batchDeliveries) {
            sender.execute(() -> send(h, List.of(delivery), false));
            return;
        }
        synchronized (this) {
            h.pending.add(delivery);
            if (h.flushScheduled) {
                return;
            }
            h.flushScheduled = true;
        }
        sender.schedule(() -> flush(h), BATCH_WINDOW_MS, TimeUnit.MILLISECONDS);
    }

    private void flush(Hook h) {
        List<ObjectNode> batch;
        synchronized (this) {
            batch = new ArrayList<>(h.pending);
            h.pending.clear();
            h.flushScheduled = false;
        }
        for (int i = 0; i < batch.size(); i += MAX_BATCH) {
            send(h, batch.subList(i, Math.min(batch.size(), i + MAX_BATCH)), true);
        }
    }

    /** Posts one request (a single delivery, or a batch) and records the outcome for each delivery. */
    private void send(Hook h, List<ObjectNode> items, boolean batched) {
        synchronized (this) {
            if (hooks.get(h.id) != h) {
                return;   // deleted or reset since the event
            }
        }
        Instant now = sim.now();
        String timestamp = batched ? DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS))
                : SimJson.readStyle(now);
        ObjectNode payload = SimJson.object();
        if (batched) {
            payload.put("timestamp", timestamp);
            ArrayNode list = payload.putObject("data").putArray("deliveries");
            items.forEach(list::add);
        } else {
            payload.set("data", items.get(0));
            payload.put("timestamp", timestamp);
        }
        byte[] body = SimJson.bytes(payload);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("accept", "application/json");
        headers.put("content-type", "application/json; charset=utf-8");
        if (h.token != null) {
            headers.put("x-sg-signature", "sha1=" + hmacSha1(h.token, body));
        }
        headers.put("x-sg-webhook-id", h.id);
        headers.put("x-sg-delivery-id", batched ? UUID.randomUUID().toString() : items.get(0).path("delivery_id").asText());
        headers.put("x-sg-event-batch-id", items.get(items.size() - 1).path("event_log_entry_id").asText());
        headers.put("x-sg-event-batch-size", String.valueOf(items.size()));
        headers.put("x-sg-event-batch-index", "1");
        headers.put("x-sg-webhook-site-url", sim.baseUrl() + "/");

        // The delivery is on record from its dispatch (status "delivered", response_code 0 until the receiver
        // answers), so a receiver may acknowledge it before its own answer has arrived.
        synchronized (this) {
            for (ObjectNode item : items) {
                ObjectNode d = SimJson.object();
                String id = item.path("delivery_id").asText();
                JsonNode earlierAcknowledgement = deliveries.containsKey(id) ? deliveries.get(id).get("acknowledgement") : null;
                d.put("id", id);
                d.put("webhook_id", h.id);
                d.put("event_time", timestamp);
                d.put("status", "delivered");
                d.put("process_time", 0);
                d.put("body", "");
                d.put("response_code", 0);
                d.set("acknowledgement", earlierAcknowledgement == null ? SimJson.NODES.nullNode() : earlierAcknowledgement);
                ObjectNode rh = d.putObject("request_headers");
                headers.forEach(rh::put);
                d.putObject("response_headers");
                d.set("request_body", item);
                deliveries.put(id, d);
                h.numDeliveries++;
            }
        }

        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(h.url)).timeout(Duration.ofSeconds(6))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(req::header);
        int code = 0;
        String answer = "";
        Map<String, List<String>> responseHeaders = Map.of();
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            code = r.statusCode();
            answer = r.body().length() > 100 ? r.body().substring(0, 100) : r.body();
            responseHeaders = r.headers().map();
        } catch (IOException | IllegalArgumentException e) {
            answer = "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        synchronized (this) {
            for (ObjectNode item : items) {
                ObjectNode d = deliveries.get(item.path("delivery_id").asText());
                if (d == null) {
                    continue;   // reset meanwhile
                }
                d.put("process_time", ms);
                d.put("body", answer);
                d.put("response_code", code);
                ObjectNode resp = d.putObject("response_headers");
                responseHeaders.forEach((k, v) -> resp.put(k, String.join(", ", v)));
            }
        }
    }

    static String hmacSha1(String key, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
