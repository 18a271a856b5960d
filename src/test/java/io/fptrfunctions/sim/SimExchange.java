package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request to the simulator and the means to answer it. Every answer goes through
 * {@link #respond}, which applies an injected {@code cut_after_bytes} fault: the headers announce the
 * full Content-Length, K bytes are written, then the connection is dropped.
 */
public final class SimExchange {

    /** Thrown to make the JDK server drop the connection mid-body (it closes it on an IOException). */
    static final class ConnectionCut extends IOException {
        ConnectionCut() {
            super("connection cut by an injected fault", null);
        }
    }

    public static final String JSON = "application/json; charset=utf-8";

    private final FptrSimulator sim;
    private final HttpExchange http;
    public final String method;
    /** Decoded request path. */
    public final String path;
    /** Raw query string (as sent), or null. */
    public final String rawQuery;
    private final Map<String, List<String>> query;
    private byte[] body;
    Map<String, String> pathParams = Map.of();
    String apiPrefix;
    AuthService.Caller caller;
    Fault fault;
    int status;
    String contentType;
    boolean responded;
    /** This call's line in the request log (null for admin calls); filled before the answer leaves. */
    FptrSimulator.RequestLogEntry logEntry;

    SimExchange(FptrSimulator sim, HttpExchange http) {
        this.sim = sim;
        this.http = http;
        this.method = http.getRequestMethod().toUpperCase(Locale.ROOT);
        this.path = http.getRequestURI().getPath();
        this.rawQuery = http.getRequestURI().getRawQuery();
        this.query = parseForm(rawQuery);
    }

    public FptrSimulator sim() {
        return sim;
    }

    /** The underlying JDK exchange (request/response headers). */
    public HttpExchange http() {
        return http;
    }

    public String header(String name) {
        return http.getRequestHeaders().getFirst(name);
    }

    public Headers responseHeaders() {
        return http.getResponseHeaders();
    }

    /** First value of a query parameter, or null. */
    public String query(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** Decoded query parameters in request order. */
    public Map<String, List<String>> queryParams() {
        return query;
    }

    public String pathParam(String name) {
        return pathParams.get(name);
    }

    /** {@code /api/v1} or {@code /api/v1.1} as called (null outside the API). */
    public String apiPrefix() {
        return apiPrefix;
    }

    /** The authenticated caller of an API data call. */
    public AuthService.Caller caller() {
        return caller;
    }

    public RenderContext renderContext(boolean createStyle) {
        return new RenderContext(apiPrefix, sim.baseUrl(), createStyle);
    }

    /** Lower-case media type without parameters, or null. */
    public String contentTypeBase() {
        String ct = header("Content-Type");
        if (ct == null || ct.isBlank()) {
            return null;
        }
        int semi = ct.indexOf(';');
        return (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    /** The request's media type when it is one of {@code allowed}; otherwise FPTR's 415 naming them. */
    public String requireContentType(String... allowed) {
        String type = contentTypeBase();
        if (type == null || !List.of(allowed).contains(type)) {
            throw SimError.unsupportedContentType(type, allowed);
        }
        return type;
    }

    /** The whole request body (API calls are small JSON; streaming handlers use {@link #bodyStream()}). */
    public byte[] body() throws IOException {
        if (body == null) {
            try (InputStream in = http.getRequestBody()) {
                body = in.readAllBytes();
            }
        }
        return body;
    }

    /**
     * The request body as a stream, with the request-body faults applied: {@code cut_request_after_bytes}
     * drops the connection once K bytes are read (the handler's read fails, nothing is answered);
     * {@code keep_request_bytes} ends the stream after K bytes and reads the rest away unseen.
     */
    public InputStream bodyStream() {
        InputStream in = body != null ? new ByteArrayInputStream(body) : http.getRequestBody();
        if (fault != null && fault.cutRequestAfterBytes != null) {
            return new RequestBodyFault(in, fault.cutRequestAfterBytes, true);
        }
        if (fault != null && fault.keepRequestBytes != null) {
            return new RequestBodyFault(in, fault.keepRequestBytes, false);
        }
        return in;
    }

    /** True when {@link #bodyStream()} may end before the declared Content-Length (a {@code keep_request_bytes} fault). */
    public boolean bodyMayBeShort() {
        return fault != null && fault.keepRequestBytes != null;
    }

    /** A request body that fails (cut) or ends early (kept) after {@code limit} bytes. */
    private static final class RequestBodyFault extends InputStream {
        private final InputStream in;
        private final boolean cut;
        private long left;

        RequestBodyFault(InputStream in, long limit, boolean cut) {
            this.in = in;
            this.left = limit;
            this.cut = cut;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                if (cut) {
                    throw new ConnectionCut();
                }
                in.transferTo(OutputStream.nullOutputStream());   // the rest arrives, and is dropped
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    /** The body as JSON, or FPTR's 400 "Invalid JSON body". */
    public JsonNode jsonBody() throws IOException {
        byte[] b = body();
        try {
            JsonNode n = b.length == 0 ? null : SimJson.parse(b);
            if (n == null || n.isMissingNode()) {
                throw new IOException("empty");
            }
            return n;
        } catch (IOException e) {
            com.fasterxml.jackson.databind.node.ObjectNode source = SimJson.object();
            source.put("body", b.length == 0 ? "Empty input (after ) at line 1, column 1 "
                    : "unexpected token at '" + new String(b, 0, Math.min(b.length, 80), StandardCharsets.UTF_8) + "'");
            throw SimError.fptr(400, 103, "Invalid JSON body", source, null);
        }
    }

    // ---- answers ----------------------------------------------------------------------------------

    public void json(int status, JsonNode body) throws IOException {
        respond(status, JSON, SimJson.bytes(fault != null ? fault.rewritten(body) : body));
    }

    public void respond(int status, String contentType, byte[] bytes) throws IOException {
        stream(status, contentType, bytes.length, new ByteArrayInputStream(bytes));
    }

    /** An answer without a body (204, 302...). */
    public void empty(int status) throws IOException {
        begin(status, null);
        http.sendResponseHeaders(status, -1);
        http.close();
    }

    public void redirect(String location) throws IOException {
        responseHeaders().set("Location", location);
        empty(302);
    }

    /**
     * Streams a body of known length (or -1 for chunked) from {@code in}, honouring the cut, stall and chunked faults.
     * The stream is always closed.
     */
    public void stream(int status, String contentType, long length, InputStream in) throws IOException {
        begin(status, contentType);
        long cut = fault != null && fault.cutAfterBytes != null ? fault.cutAfterBytes : -1;
        long stall = fault != null && fault.stallAfterBytes != null ? fault.stallAfterBytes : -1;
        if (fault != null && fault.chunked && length > 0) {
            length = -1;   // the same bytes, without a Content-Length
        }
        try (in) {
            http.sendResponseHeaders(status, length == 0 ? -1 : (length < 0 ? 0 : length));
            if (length == 0) {
                http.close();
                return;
            }
            OutputStream os = http.getResponseBody();
            byte[] buf = new byte[64 * 1024];
            long written = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                if (cut >= 0 && written + n > cut) {
                    os.write(buf, 0, (int) (cut - written));
                    os.flush();
                    throw new ConnectionCut();
                }
                if (stall >= 0 && written + n > stall) {
                    int before = (int) (stall - written);
                    os.write(buf, 0, before);
                    os.flush();
                    sleep(fault.stallMs);
                    os.write(buf, before, n - before);
                    stall = -1;
                } else {
                    os.write(buf, 0, n);
                }
                written += n;
            }
            if (cut >= 0 && cut <= written && length < 0) {
                os.flush();
                throw new ConnectionCut();
            }
            os.close();
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("stall fault interrupted");
        }
    }

    void error(SimError e) throws IOException {
        if (responded) {
            return;
        }
        e.headers().forEach((k, v) -> responseHeaders().set(k, v));
        json(e.status(), e.body());
    }

    private void begin(int status, String contentType) {
        if (responded) {
            throw new IllegalStateException("already answered");
        }
        responded = true;
        this.status = status;
        this.contentType = contentType;
        if (logEntry != null) {
            logEntry.status = status;
            logEntry.contentType = contentType;
        }
        if (contentType != null) {
            responseHeaders().set("Content-Type", contentType);
        }
    }

    /** Parses {@code a=1&b=2} (query string or form body), keeping order and repeated keys. */
    public static Map<String, List<String>> parseForm(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                out.computeIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), x -> new ArrayList<>())
                        .add(URLDecoder.decode(v, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException badEscape) {
                out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            }
        }
        return out;
    }
}
