package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local simulator of the Autodesk Flow Production Tracking REST API on 127.0.0.1, following
 * {@code shared/reference/fptr-rest-notes.md}: auth grants, records, {@code _search}, errors in FPTR's
 * shapes, plus an admin API under {@code /_sim} (reset, config, faults, request log, bulk records).
 * See README.md in this package for the structure and extension points.
 */
public final class FptrSimulator implements AutoCloseable {

    /** How to start a simulator. */
    public static final class Options {
        int port;
        long latencyMs;
        JsonNode seed;
        String scriptName;
        String scriptKey;

        public Options port(int port) {
            this.port = port;
            return this;
        }

        public Options latencyMs(long latencyMs) {
            this.latencyMs = latencyMs;
            return this;
        }

        public Options seed(JsonNode seed) {
            this.seed = seed;
            return this;
        }

        public Options seedFile(Path file) throws IOException {
            this.seed = SimJson.parse(Files.readAllBytes(file));
            return this;
        }

        /** Makes an ApiUser with this script name accept this key (created if the seed has none). */
        public Options script(String name, String key) {
            this.scriptName = name;
            this.scriptKey = key;
            return this;
        }

        /** The demo site: the demo seed, its script accepting {@link #DEMO_SCRIPT_NAME} / {@link #DEMO_SCRIPT_KEY}. */
        public static Options demoSite() throws IOException {
            return new Options().seed(demoSeed()).script(DEMO_SCRIPT_NAME, DEMO_SCRIPT_KEY);
        }
    }

    static {
        // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's delayed
        // ACK: ~40 ms per answer. Read once by the JDK when its first HttpServer is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    public static final String DEMO_SEED_RESOURCE = "/sim/demo-seed.json";
    /** The demo seed's script (ApiUser) credentials. */
    public static final String DEMO_SCRIPT_NAME = "fptr-functions";
    public static final String DEMO_SCRIPT_KEY = "demo-script-key-0000";
    private static final Pattern API = Pattern.compile("^/api/(v1(?:\\.1)?)(/.*)?$");

    private final Options options;
    private final HttpServer server;
    private final ExecutorService executor;
    private final SimSchema schema = SimSchema.defaultSchema();
    private final FieldHooks fieldHooks = new FieldHooks();
    private final SimStore store;
    private final SimConfig config;
    private final AuthService auth;
    private final RecordRenderer renderer;
    private final EntityApi entityApi;
    private final AdminApi adminApi;
    private final Webhooks webhooks;
    private final EventLog eventLog = new EventLog(this);
    private final List<Route> routes = new CopyOnWriteArrayList<>();
    private final List<Runnable> resetHooks = new CopyOnWriteArrayList<>();
    private final List<Fault> faults = new ArrayList<>();
    private final AtomicLong faultIds = new AtomicLong();
    private final List<RequestLogEntry> requestLog = new ArrayList<>();
    private volatile Clock clock = Clock.systemUTC();
    private final String baseUrl;

    private record Route(String method, Pattern pattern, List<String> names, boolean api, SimHandler handler) {
    }

    /** One line of {@code GET /_sim/requests}. */
    static final class RequestLogEntry {
        final String method;
        final String path;
        final String query;
        final String requestId = UUID.randomUUID().toString();
        volatile int status;
        volatile String contentType;

        RequestLogEntry(String method, String path, String query) {
            this.method = method;
            this.path = path;
            this.query = query;
        }
    }

    private FptrSimulator(Options options) throws IOException {
        this.options = options;
        this.config = new SimConfig(options.latencyMs);
        this.store = new SimStore(this, schema);
        this.auth = new AuthService(this);
        this.renderer = new RecordRenderer(this);
        this.entityApi = new EntityApi(this);
        this.adminApi = new AdminApi(this);
        this.webhooks = new Webhooks(this);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port), 256);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fptr-sim-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::dispatch);
        this.baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Starts a simulator and returns once it accepts connections: webhooks, images and files
     * ({@link SimMedia}) and file/link fields ({@link LocalFileLinks}) built in, then any
     * {@link SimExtension} listed in {@code META-INF/services}, then the seed.
     */
    public static FptrSimulator start(Options options) throws IOException {
        FptrSimulator sim = new FptrSimulator(options);
        sim.webhooks.install();
        new SimMedia().install(sim);
        new LocalFileLinks().install(sim);
        for (SimExtension ext : ServiceLoader.load(SimExtension.class)) {
            ext.install(sim);
        }
        sim.loadSeed();
        sim.server.start();
        return sim;
    }

    /** A simulator on a free port with the demo site ({@link Options#demoSite()}). */
    public static FptrSimulator startDemo() throws IOException {
        return start(Options.demoSite());
    }

    public static JsonNode demoSeed() throws IOException {
        try (InputStream in = FptrSimulator.class.getResourceAsStream(DEMO_SEED_RESOURCE)) {
            if (in == null) {
                throw new IOException(DEMO_SEED_RESOURCE + " is not on the classpath");
            }
            return SimJson.MAPPER.readTree(in);
        }
    }

    @Override
    public void close() {
        webhooks.close();
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- accessors for handlers and extensions -----------------------------------------------------

    public String baseUrl() {
        return baseUrl;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** FPTR's event log ({@code EventLogEntry}): what every committed write logged. */
    EventLog eventLog() {
        return eventLog;
    }

    public SimStore store() {
        return store;
    }

    public SimSchema schema() {
        return schema;
    }

    public FieldHooks fieldHooks() {
        return fieldHooks;
    }

    public SimConfig config() {
        return config;
    }

    public AuthService auth() {
        return auth;
    }

    public RecordRenderer renderer() {
        return renderer;
    }

    public Instant now() {
        return clock.instant();
    }

    /** Replaces the clock (in-JVM tests of expiry; over HTTP: {@code PUT /_sim/clock}). Reset restores the real one. */
    public void clock(Clock clock) {
        this.clock = clock;
    }

    /** Moves the simulator's time by {@code by} (negative: back), from wherever its clock is now. */
    public synchronized void advanceClock(Duration by) {
        this.clock = Clock.offset(clock, by);
    }

    /** How far the simulator's time is from the real time, in whole seconds. */
    long clockOffsetSeconds() {
        return Math.round((now().toEpochMilli() - System.currentTimeMillis()) / 1000.0);
    }

    /**
     * Registers a handler for requests outside the API (e.g. storage URLs, extra admin endpoints).
     * {@code pattern} is a path with {@code {name}} segments ({@code {name*}} matches the rest, slashes
     * included); matched before the built-in routes. No bearer is required.
     */
    public void route(String method, String pattern, SimHandler handler) {
        routes.add(compile(method, pattern, false, handler));
    }

    /**
     * Registers a handler under both {@code /api/v1} and {@code /api/v1.1}; {@code pattern} is the part
     * after the prefix (e.g. {@code /entity/{type}/{id}/{field}}). The bearer is checked first; the
     * caller is {@link SimExchange#caller()}. Matched before the built-in entity routes.
     */
    public void apiRoute(String method, String pattern, SimHandler handler) {
        routes.add(compile(method, pattern, true, handler));
    }

    /** Runs after every {@code POST /_sim/reset} (and after the seed is reloaded). */
    public void onReset(Runnable hook) {
        resetHooks.add(hook);
    }

    // ---- state --------------------------------------------------------------------------------------

    /** Back to the seed data, default config, the real clock, no faults, empty request log. */
    public void reset() {
        clock = Clock.systemUTC();
        config.reset();
        synchronized (faults) {
            faults.clear();
        }
        clearRequests();
        store.clear();
        schema.resetSchemaChanges();
        loadSeed();
        for (Runnable r : resetHooks) {
            r.run();
        }
    }

    private void loadSeed() {
        store.write(() -> {
            Instant now = now();
            if (options.seed != null) {
                SeedLoader.load(store, options.seed, now);
            }
            if (options.scriptName != null) {
                SimRecord script = null;
                for (SimRecord r : store.all("ApiUser")) {
                    if (options.scriptName.equals(r.get("firstname"))) {
                        script = r;
                    }
                }
                if (script == null) {
                    ObjectNode rec = SimJson.object().put("type", "ApiUser").put("firstname", options.scriptName);
                    script = store.insertSeed(rec, now);
                }
                script.secrets.put("script_key", options.scriptKey);
            }
            return null;
        });
    }

    /**
     * Inserts rows in seed format (the body of {@code POST /_sim/records}); returns their ids. Each is
     * logged as a create at its {@code created_at} ({@link EventLog}), without webhook deliveries.
     */
    public List<Long> insertRecords(JsonNode records) {
        return store.write(() -> {
            List<Long> ids = new ArrayList<>();
            Instant now = now();
            for (JsonNode r : records) {
                if (!r.isObject()) {
                    throw new IllegalArgumentException("each record is a JSON object");
                }
                SimRecord row = store.insertSeed((ObjectNode) r, now);
                ids.add(row.id);
                eventLog.log(seeded(row, (ObjectNode) r));
            }
            return ids;
        });
    }

    /** A seeded row as the create FPTR would have logged: each field the record gave, its value now. */
    private StoreEvent seeded(SimRecord row, ObjectNode given) {
        EntityDef def = schema.byName(row.type);
        List<StoreEvent.Change> changes = new ArrayList<>();
        given.fieldNames().forEachRemaining(name -> {
            FieldDef f = def.field(name);
            if (f != null && !f.serverManaged && row.get(name) != null) {
                changes.add(new StoreEvent.Change(name, f.type, null, row.get(name)));
            }
        });
        Object project = row.get("project");
        Object user = row.get("created_by");
        return new StoreEvent("create", row.type, row.id, user instanceof EntityRef u ? u : null,
                project instanceof EntityRef p ? p : null, changes, (Instant) row.get("created_at"));
    }

    long addFault(JsonNode spec) {
        Fault f = Fault.parse(faultIds.incrementAndGet(), spec);
        synchronized (faults) {
            faults.add(f);
        }
        return f.id;
    }

    void clearFaults() {
        synchronized (faults) {
            faults.clear();
        }
    }

    ArrayNode faultsJson() {
        ArrayNode a = SimJson.array();
        synchronized (faults) {
            faults.forEach(f -> a.add(f.toJson()));
        }
        return a;
    }

    private Fault takeFault(String method, String path, SimExchange ex) {
        synchronized (faults) {
            for (Fault f : faults) {
                if (f.matches(method, path) && f.matchesBody(() -> bodyText(ex))) {
                    f.remaining--;
                    if (f.remaining <= 0) {
                        faults.remove(f);
                    }
                    return f;
                }
            }
        }
        return null;
    }

    /** The request body as text, for faults with a body pattern (only small API bodies are ever matched). */
    private static String bodyText(SimExchange ex) {
        try {
            return new String(ex.body(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    void clearRequests() {
        synchronized (requestLog) {
            requestLog.clear();
        }
    }

    ArrayNode requestsJson() {
        ArrayNode a = SimJson.array();
        synchronized (requestLog) {
            for (RequestLogEntry e : requestLog) {
                ObjectNode n = a.addObject();
                n.put("method", e.method);
                n.put("path", e.path);
                n.put("query", e.query);
                n.put("status", e.status);
                n.put("content_type", e.contentType);
                n.put("request_id", e.requestId);
            }
        }
        return a;
    }

    // ---- dispatch -----------------------------------------------------------------------------------

    private void dispatch(HttpExchange http) throws IOException {
        SimExchange ex = new SimExchange(this, http);
        try {
            if (ex.path.equals("/_sim") || ex.path.startsWith("/_sim/")) {
                adminApi.handle(ex);
                return;
            }
            RequestLogEntry entry = new RequestLogEntry(ex.method, ex.path, ex.rawQuery);
            // FPTR names each answer with an x-request-id (what Autodesk support asks for); errors and faults included.
            http.getResponseHeaders().set("X-Request-Id", entry.requestId);
            synchronized (requestLog) {
                requestLog.add(entry);
            }
            ex.logEntry = entry;
            try {
                Fault fault = takeFault(ex.method, ex.path, ex);
                ex.fault = fault;
                long delay = config.latencyMs() + (fault == null ? 0 : fault.latencyMs);
                if (delay > 0) {
                    Thread.sleep(delay);
                }
                if (fault != null && fault.expireToken) {
                    String jti = auth.jtiOf(ex.header("Authorization"));
                    if (jti != null) {
                        auth.revoke(jti);
                    }
                }
                if (fault != null && fault.status != null) {
                    SimError e = SimError.fptr(fault.status, fault.errorCode == null ? 103 : fault.errorCode,
                            fault.errorTitle == null ? reason(fault.status) : fault.errorTitle, null,
                            fault.errorDetail == null && fault.errorTitle == null ? "Injected by the simulator's fault admin API."
                                    : fault.errorDetail);
                    if (fault.retryAfter != null) {
                        e.withHeader("Retry-After", fault.retryAfter);
                    }
                    throw e;
                }
                route(ex);
            } catch (SimError e) {
                ex.error(e);
            } catch (SimExchange.ConnectionCut cut) {
                throw cut;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ex.error(SimError.fptr(503, 103, "Service Unavailable", null, "simulator stopping"));
            } catch (Exception e) {
                System.err.println("[fptr-sim] " + ex.method + " " + ex.path + " failed: " + e);
                e.printStackTrace();
                ex.error(SimError.fptr(500, 103, "Internal Server Error", null, "The simulator failed: " + e));
            }
        } finally {
            if (!ex.responded) {
                http.close();
            }
        }
    }

    private void route(SimExchange ex) throws Exception {
        Matcher api = API.matcher(ex.path);
        if (!api.matches()) {
            for (Route r : routes) {
                if (!r.api && matchRoute(r, ex, ex.path)) {
                    r.handler.handle(ex);
                    return;
                }
            }
            throw SimError.fptr(404, 103, "Not Found", null, "No route for " + ex.method + " " + ex.path);
        }
        ex.apiPrefix = "/api/" + api.group(1);
        String rest = api.group(2) == null ? "" : api.group(2);
        if (rest.isEmpty() || rest.equals("/")) {
            if (!ex.method.equals("GET")) {
                throw SimError.fptr(404, 103, "Not Found", null, null);
            }
            ex.json(200, serverInfo(api.group(1)));
            return;
        }
        if (rest.equals("/auth/access_token")) {
            if (!ex.method.equals("POST")) {
                throw SimError.fptr(404, 103, "Not Found", null, null);
            }
            accessToken(ex);
            return;
        }
        ex.caller = auth.authenticate(ex.header("Authorization"));
        for (Route r : routes) {
            if (r.api && matchRoute(r, ex, rest)) {
                r.handler.handle(ex);
                return;
            }
        }
        entityApi.route(ex, rest);
    }

    /** Runs the first matching non-API route (used by the admin API for extension endpoints). */
    boolean tryRoutes(SimExchange ex) throws Exception {
        for (Route r : routes) {
            if (!r.api && matchRoute(r, ex, ex.path)) {
                r.handler.handle(ex);
                return true;
            }
        }
        return false;
    }

    private boolean matchRoute(Route r, SimExchange ex, String path) {
        if (!r.method.equals(ex.method)) {
            return false;
        }
        Matcher m = r.pattern.matcher(path);
        if (!m.matches()) {
            return false;
        }
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < r.names.size(); i++) {
            params.put(r.names.get(i), m.group(i + 1));
        }
        ex.pathParams = params;
        return true;
    }

    private static Route compile(String method, String pattern, boolean api, SimHandler handler) {
        List<String> names = new ArrayList<>();
        StringBuilder regex = new StringBuilder("^");
        Matcher m = Pattern.compile("\\{(\\w+)(\\*?)}").matcher(pattern);
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(pattern.substring(last, m.start())));
            regex.append(m.group(2).isEmpty() ? "([^/]+)" : "(.+)");
            names.add(m.group(1));
            last = m.end();
        }
        regex.append(Pattern.quote(pattern.substring(last))).append('$');
        return new Route(method.toUpperCase(java.util.Locale.ROOT), Pattern.compile(regex.toString()), names, api, handler);
    }

    private ObjectNode serverInfo(String version) {
        ObjectNode out = SimJson.object();
        ObjectNode d = out.putObject("data");
        d.put("shotgun_version", "v8.26.0.8069 (build b48e91a)");
        d.put("api_version", version);
        d.put("shotgun_version_number", "8.26.0.8069");
        d.put("shotgun_build_number", "b48e91a");
        d.put("portfolio_version", "8.26.0.8069");
        d.put("unified_login_flow_enabled", true);
        d.put("user_authentication_method", "default");
        d.put("site_id", "1");
        d.put("site_name", "fptr_simulator");
        return out;
    }

    private void accessToken(SimExchange ex) throws IOException {
        String type = ex.contentTypeBase();
        byte[] body = ex.body();
        if ("application/json".equals(type)) {
            ex.jsonBody();   // a form body under a JSON type is FPTR's 400 "Invalid JSON body"
            throw unsupportedAuthType(type);
        }
        if (type != null && !type.equals("application/x-www-form-urlencoded")) {
            throw unsupportedAuthType(type);
        }
        Map<String, String> params = new HashMap<>();
        ex.queryParams().forEach((k, v) -> params.put(k, v.get(0)));
        SimExchange.parseForm(new String(body, java.nio.charset.StandardCharsets.UTF_8))
                .forEach((k, v) -> params.put(k, v.get(0)));
        ex.json(200, auth.grant(params));
    }

    private static SimError unsupportedAuthType(String type) {
        return SimError.unsupportedContentType(type, "application/x-www-form-urlencoded");
    }

    static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "HTTP " + status;
        };
    }
}
