package io.fptrfunctions.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A loopback pass-through in front of {@link MotoServer} for the JSON-protocol AWS APIs (SQS, DynamoDB),
 * which can make operations fail the way AWS does: a whole call answered 503 (the SDK retries, then
 * gives up), or SendMessageBatch entries failed one by one ({@code SenderFault: false}) while the rest
 * are queued in moto, or BatchGetItem answered with keys left unprocessed, as a throttled table does, or a call done
 * by moto whose answer is lost ({@link #loseAnswers}). It also
 * keeps the JSON body of every call it passed on ({@link #calls}) and when it came ({@link #callTimes}), so a
 * test can see what a function asked (a visibility timeout, a delay) and how far apart. One per test JVM; {@link #clear()} puts
 * it back to pass-through and forgets the calls.
 */
public final class MotoFaultProxy {

    private static MotoFaultProxy instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> HOP_HEADERS = Set.of("host", "content-length", "connection", "expect", "upgrade",
            "transfer-encoding", "keep-alive");

    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String target;
    private volatile Set<String> unavailable = Set.of();
    private volatile Set<String> slowed = Set.of();
    private volatile long slowMillis;
    private volatile Predicate<String> failedEntries;
    private final AtomicInteger entryFailuresLeft = new AtomicInteger();
    private final AtomicInteger unprocessedAnswersLeft = new AtomicInteger();
    private volatile String lostOperation;
    private final AtomicInteger lostAnswersLeft = new AtomicInteger();
    private final java.util.concurrent.ConcurrentLinkedQueue<Call> calls = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** One call passed on: its {@code X-Amz-Target}, its JSON body, and when it came ({@link System#nanoTime()}). */
    public record Call(String operation, JsonNode body, long atNanos) {
    }

    private MotoFaultProxy(String target) throws IOException {
        this.target = target;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "moto-fault-proxy");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public static synchronized MotoFaultProxy get() {
        if (instance == null) {
            try {
                instance = new MotoFaultProxy(MotoServer.get().endpoint());
            } catch (IOException e) {
                throw new IllegalStateException("the moto fault proxy could not listen", e);
            }
        }
        return instance;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers 503 to every call of these operations ({@code X-Amz-Target}, e.g. {@code AmazonSQS.SendMessageBatch}). */
    public void unavailable(String... operations) {
        unavailable = Set.of(operations);
    }

    /** SendMessageBatch entries whose body matches fail ({@code InternalError}, not the sender's fault), {@code times} entries in all. */
    public void failSendEntries(Predicate<String> messageBody, int times) {
        entryFailuresLeft.set(times);
        failedEntries = messageBody;
    }

    /**
     * The next {@code answers} BatchGetItem calls get only the first half of each table's keys from moto (none
     * when there is one) and the rest back as {@code UnprocessedKeys}, as DynamoDB answers when throttled.
     */
    public void leaveUnprocessed(int answers) {
        unprocessedAnswersLeft.set(answers);
    }

    /**
     * The next {@code times} calls of {@code operation} reach moto, which does what they ask, but their answer is
     * lost: the caller gets a 500 {@code InternalServerError} (as when AWS's answer does not come back), and the
     * SDK sends the same call again.
     */
    public void loseAnswers(String operation, int times) {
        lostAnswersLeft.set(times);
        lostOperation = operation;
    }

    /** Answers these operations only after {@code delay} (a slow AWS), then as moto does. */
    public void slow(java.time.Duration delay, String... operations) {
        slowMillis = delay.toMillis();
        slowed = Set.of(operations);
    }

    public void clear() {
        unavailable = Set.of();
        slowed = Set.of();
        failedEntries = null;
        entryFailuresLeft.set(0);
        unprocessedAnswersLeft.set(0);
        lostOperation = null;
        lostAnswersLeft.set(0);
        calls.clear();
    }

    /** The bodies of the calls of {@code operation} ({@code AmazonSQS.ChangeMessageVisibility}...) since the last clear, in order. */
    public List<JsonNode> calls(String operation) {
        return calls.stream().filter(c -> operation.equals(c.operation())).map(Call::body).toList();
    }

    /** When each call of {@code operation} came ({@link System#nanoTime()}) since the last clear, in order. */
    public List<Long> callTimes(String operation) {
        return calls.stream().filter(c -> operation.equals(c.operation())).map(Call::atNanos).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            String operation = ex.getRequestHeaders().getFirst("X-Amz-Target");
            if (operation != null && slowed.contains(operation)) {
                Thread.sleep(slowMillis);
            }
            if (operation != null && unavailable.contains(operation)) {
                reply(ex, 503, "{\"__type\":\"ServiceUnavailable\",\"message\":\"made unavailable by MotoFaultProxy\"}".getBytes());
                return;
            }
            if (operation != null) {
                calls.add(new Call(operation, body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body), System.nanoTime()));
            }
            ArrayNode failed = JSON.createArrayNode();
            ObjectNode unprocessed = null;
            Answer answer;
            if ("DynamoDB_20120810.BatchGetItem".equals(operation) && unprocessedAnswersLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                unprocessed = JSON.createObjectNode();
                ObjectNode request = withoutUnprocessedKeys(body, unprocessed);
                answer = request.path("RequestItems").isEmpty() ? new Answer(200, Map.of(), "{\"Responses\":{}}".getBytes())
                        : forward(ex, JSON.writeValueAsBytes(request));
            } else if ("AmazonSQS.SendMessageBatch".equals(operation) && failedEntries != null) {
                ObjectNode request = withoutFailedEntries(body, failed);
                answer = request.get("Entries").isEmpty() ? new Answer(200, Map.of(), "{\"Successful\":[]}".getBytes())
                        : forward(ex, JSON.writeValueAsBytes(request));
            } else {
                answer = forward(ex, body);
            }
            if (operation != null && operation.equals(lostOperation) && lostAnswersLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                reply(ex, 500, "{\"__type\":\"InternalServerError\",\"message\":\"answer lost by MotoFaultProxy\"}".getBytes());
                return;
            }
            byte[] out = answer.body();
            if (unprocessed != null && answer.status() == 200) {
                ObjectNode json = (ObjectNode) JSON.readTree(out);
                json.set("UnprocessedKeys", unprocessed);
                out = JSON.writeValueAsBytes(json);
            }
            if (!failed.isEmpty() && answer.status() == 200) {
                ObjectNode json = (ObjectNode) JSON.readTree(out);
                (json.has("Failed") ? (ArrayNode) json.get("Failed") : json.putArray("Failed")).addAll(failed);
                out = JSON.writeValueAsBytes(json);
            }
            boolean changed = out != answer.body();
            answer.headers().forEach((name, values) -> {
                // DynamoDB's x-amz-crc32 is of moto's body: a changed body goes without it (the SDK checks it when present)
                if (!HOP_HEADERS.contains(name.toLowerCase()) && !(changed && name.equalsIgnoreCase("x-amz-crc32"))) {
                    values.forEach(v -> ex.getResponseHeaders().add(name, v));
                }
            });
            reply(ex, answer.status(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The request without the entries to fail; their failures go into {@code failed}. */
    private ObjectNode withoutFailedEntries(byte[] body, ArrayNode failed) throws IOException {
        ObjectNode request = (ObjectNode) JSON.readTree(body);
        ArrayNode kept = JSON.createArrayNode();
        for (JsonNode entry : request.path("Entries")) {
            if (failedEntries.test(entry.path("MessageBody").asText()) && entryFailuresLeft.getAndDecrement() > 0) {
                failed.addObject().put("Id", entry.path("Id").asText()).put("SenderFault", false)
                        .put("Code", "InternalError").put("Message", "failed by MotoFaultProxy");
            } else {
                kept.add(entry);
            }
        }
        request.set("Entries", kept);
        return request;
    }

    /** The BatchGetItem request with the first half of each table's keys; the others (with the table's projection) go into {@code left}. */
    private static ObjectNode withoutUnprocessedKeys(byte[] body, ObjectNode left) throws IOException {
        ObjectNode request = (ObjectNode) JSON.readTree(body);
        ObjectNode items = (ObjectNode) request.path("RequestItems");
        List<String> tables = new java.util.ArrayList<>();
        items.fieldNames().forEachRemaining(tables::add);
        for (String table : tables) {
            ObjectNode ask = (ObjectNode) items.get(table);
            ArrayNode keys = (ArrayNode) ask.get("Keys");
            int kept = keys.size() / 2;
            ObjectNode rest = ask.deepCopy();
            ArrayNode restKeys = rest.putArray("Keys");
            ArrayNode keptKeys = JSON.createArrayNode();
            for (int i = 0; i < keys.size(); i++) {
                (i < kept ? keptKeys : restKeys).add(keys.get(i));
            }
            left.set(table, rest);
            if (kept == 0) {
                items.remove(table);
            } else {
                ask.set("Keys", keptKeys);
            }
        }
        return request;
    }

    private record Answer(int status, Map<String, List<String>> headers, byte[] body) {
    }

    private Answer forward(HttpExchange ex, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target + ex.getRequestURI()))
                .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            if (!HOP_HEADERS.contains(h.getKey().toLowerCase())) {
                h.getValue().forEach(v -> request.header(h.getKey(), v));
            }
        }
        HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(r.statusCode(), r.headers().map(), r.body());
    }

    private static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
