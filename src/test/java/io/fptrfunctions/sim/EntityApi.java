package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built-in API routes after the prefix: entity CRUD, _search, _summarize, preferences; {@code _batch}
 * ({@link EntityBatch}), {@code _text_search} ({@link TextSearch}) and {@code /schema} ({@link SchemaApi})
 * are their own classes.
 */
final class EntityApi {

    static final String ARRAY_TYPE = "application/vnd+shotgun.api3_array+json";
    static final String HASH_TYPE = "application/vnd+shotgun.api3_hash+json";
    private static final int DEFAULT_PAGE_SIZE = 500;
    private static final Pattern ENTITY = Pattern.compile("^/entity/([^/]+)(?:/([^/]+))?(?:/relationships/([^/]+))?/?$");
    private static final Pattern SCHEMA = Pattern.compile("^/schema(?:/([^/]+))?(/fields)?(?:/([^/]+))?/?$");

    private final FptrSimulator sim;
    private final SchemaApi schemaApi;
    private final EntityBatch batch;
    private final TextSearch textSearch;

    EntityApi(FptrSimulator sim) {
        this.sim = sim;
        this.schemaApi = new SchemaApi(sim);
        this.batch = new EntityBatch(sim, this);
        this.textSearch = new TextSearch(sim, this);
    }

    void route(SimExchange ex, String rest) throws IOException {
        if (ex.method.equals("POST") && (rest.equals("/entity/_batch") || rest.equals("/entity/_batch/"))) {
            batch.handle(ex);
            return;
        }
        if (ex.method.equals("POST") && rest.equals("/entity/_text_search")) {
            textSearch.handle(ex);
            return;
        }
        Matcher m = ENTITY.matcher(rest);
        if (m.matches()) {
            EntityDef def = sim.schema().resolve(m.group(1));
            if (def == null) {
                throw SimError.fptr(404, 103, "Not Found", null, "Entity type '" + m.group(1) + "' does not exist.");
            }
            String second = m.group(2);
            if (def.name.equals(EventLog.TYPE) && !ex.method.equals("GET") && !"_search".equals(second)
                    && !"_summarize".equals(second)) {
                // the simulator's own rule (no FPTR source gives the answer to a write here): EventLog writes these rows
                throw SimError.fptr(403, 103, "EventLogEntry is read-only", null,
                        "The simulator logs entries itself, for every write; they cannot be written through the API.");
            }
            if (m.group(3) != null) {
                if (ex.method.equals("GET")) {
                    relationship(ex, def, second, m.group(3));
                    return;
                }
            } else if (second == null) {
                switch (ex.method) {
                    case "GET" -> {
                        list(ex, def);
                        return;
                    }
                    case "POST" -> {
                        create(ex, def);
                        return;
                    }
                    default -> { }
                }
            } else if (second.equals("_search") && ex.method.equals("POST")) {
                search(ex, def);
                return;
            } else if (second.equals("_summarize") && ex.method.equals("POST")) {
                summarize(ex, def);
                return;
            } else if (!second.startsWith("_")) {
                switch (ex.method) {
                    case "GET" -> {
                        read(ex, def, second);
                        return;
                    }
                    case "PUT" -> {
                        update(ex, def, second);
                        return;
                    }
                    case "DELETE" -> {
                        delete(ex, def, second);
                        return;
                    }
                    case "POST" -> {
                        revive(ex, def, second);
                        return;
                    }
                    default -> { }
                }
            }
        }
        Matcher s = SCHEMA.matcher(rest);
        if (s.matches()) {
            schemaApi.handle(ex, s.group(1), s.group(2) != null, s.group(3));
            return;
        }
        if (rest.equals("/preferences") && ex.method.equals("GET")) {
            preferences(ex);
            return;
        }
        throw SimError.fptr(404, 103, "Not Found", null, "No route for " + ex.method + " " + ex.apiPrefix() + rest);
    }

    // ---- list and _search ---------------------------------------------------------------------------

    /** A parsed read query. */
    private record Query(EntityDef def, Predicate<SimRecord> filter, String sort, JsonNode fields, int size,
                         int number, boolean retired, boolean includeArchived) {
    }

    private void list(SimExchange ex, EntityDef def) throws IOException {
        Map<String, String> filterParams = new LinkedHashMap<>();
        ex.queryParams().forEach((k, v) -> {
            if (k.startsWith("filter[") && k.endsWith("]")) {
                filterParams.put(k.substring(7, k.length() - 1), v.get(0));
            }
        });
        Predicate<SimRecord> filter = new Filters(sim, def).query(filterParams);
        int size = pageSize(ex.query("page[size]"));
        int number = pageNumber(ex.query("page[number]"));
        String fields = ex.query("fields");
        Query q = new Query(def, filter, checkedSort(ex.query("sort")), fields == null ? null : TextNode.valueOf(fields), size,
                number, "retired".equals(ex.query("options[return_only]")),
                !"false".equals(ex.query("options[include_archived_projects]")));
        ArrayNode data = run(q, ex.renderContext(false));

        String rawPath = ex.http().getRequestURI().getRawPath();
        ObjectNode out = SimJson.object();
        out.set("data", data);
        ObjectNode links = out.putObject("links");
        links.put("self", rawPath + (ex.rawQuery == null ? "" : "?" + ex.rawQuery));
        links.put("next", rawPath + "?" + pagedQuery(ex, number + 1, size));
        if (number > 1) {
            links.put("prev", rawPath + "?" + pagedQuery(ex, number - 1, size));
        }
        ex.json(200, out);
    }

    /** {@code _search} and {@code _summarize} take only the api3 vendor types (415 otherwise, as FPTR answers); returns which. */
    static String requireApi3ContentType(SimExchange ex) {
        return ex.requireContentType(ARRAY_TYPE, HASH_TYPE);
    }

    private void search(SimExchange ex, EntityDef def) throws IOException {
        String type = requireApi3ContentType(ex);
        JsonNode body = ex.jsonBody();
        if (!body.isObject()) {
            throw SimError.badRequest("Request body must be a JSON object");
        }
        Filters filters = new Filters(sim, def);
        Predicate<SimRecord> filter = HASH_TYPE.equals(type) ? filters.hash(body.get("filters"))
                : filters.array(body.get("filters"));
        JsonNode page = body.path("page");
        int size = pageSize(page.hasNonNull("size") ? page.get("size").asText() : null);
        int number = pageNumber(page.hasNonNull("number") ? page.get("number").asText() : null);
        JsonNode sort = body.get("sort");
        JsonNode options = body.path("options");
        if (sort != null && sort.isArray()) {
            throw SimError.invalidParameter("sort", "sort array is not valid");
        }
        Query q = new Query(def, filter, sort == null || sort.isNull() ? null : checkedSort(sort.asText()), body.get("fields"), size,
                number, "retired".equals(options.path("return_only").asText()),
                options.path("include_archived_projects").asBoolean(true));
        ArrayNode data = run(q, ex.renderContext(false));

        String rawPath = ex.http().getRequestURI().getRawPath();
        ObjectNode out = SimJson.object();
        out.set("data", data);
        ObjectNode links = out.putObject("links");
        links.put("self", rawPath);
        links.put("next", rawPath + "?page%5Bnumber%5D=" + (number + 1) + "&page%5Bsize%5D=" + size);
        if (number > 1) {
            links.put("prev", rawPath + "?page%5Bnumber%5D=" + (number - 1) + "&page%5Bsize%5D=" + size);
        }
        ex.json(200, out);
    }

    /** Filters, sorts, pages and renders under one read lock. */
    private ArrayNode run(Query q, RenderContext ctx) {
        RecordRenderer.Selection sel = RecordRenderer.Selection.parse(sim.schema(), q.def(), q.fields());
        List<SortKey> sortKeys = sortKeys(q.def(), q.sort());
        SimStore store = sim.store();
        return store.read(() -> {
            long skip = (long) (q.number() - 1) * q.size();
            long stopAfter = sortKeys.isEmpty() ? skip + q.size() : Long.MAX_VALUE;
            List<SimRecord> matched = new ArrayList<>();
            for (SimRecord r : store.all(q.def().name)) {
                if (r.retired != q.retired()) {
                    continue;
                }
                if (!q.includeArchived() && inArchivedProject(store, r)) {
                    continue;
                }
                if (q.filter().test(r)) {
                    matched.add(r);
                    if (matched.size() >= stopAfter) {
                        break;
                    }
                }
            }
            if (!sortKeys.isEmpty()) {
                matched = sorted(store, matched, sortKeys);
            }
            List<SimRecord> page = skip >= matched.size() ? List.of()
                    : matched.subList((int) skip, (int) Math.min(matched.size(), skip + q.size()));
            return sim.renderer().renderAll(page, sel, ctx);
        });
    }

    private static boolean inArchivedProject(SimStore store, SimRecord r) {
        if (r.get("project") instanceof EntityRef p) {
            SimRecord project = store.get("Project", p.id());
            return project != null && Boolean.TRUE.equals(project.get("archived"));
        }
        return false;
    }

    private record SortKey(FieldPath path, boolean descending) {
    }

    /**
     * The sort as FPTR checks its syntax (sg-groundtruth 026, 028): empty is 400 {@code sort must be filled}; a key
     * that is not a name or dotted path with an optional leading {@code -} ({@code id desc}, {@code +id}, a space
     * after a comma, an empty key) is 400 {@code sort list is not valid}. A well-formed name it does not know passes.
     */
    private static String checkedSort(String sort) {
        if (sort == null) {
            return null;
        }
        if (sort.isEmpty()) {
            throw SimError.invalidParameter("sort", "sort must be filled");
        }
        for (String key : sort.split(",", -1)) {
            String name = key.startsWith("-") ? key.substring(1) : key;
            if (name.isEmpty() || !name.chars().allMatch(ch -> ch == '_' || ch == '.' || ch < 128 && Character.isLetterOrDigit(ch))) {
                throw SimError.invalidParameter("sort", "sort list is not valid");
            }
        }
        return sort;
    }

    /** {@code code,-created_at}: unknown or unsortable names are ignored, as FPTR does. */
    private List<SortKey> sortKeys(EntityDef def, String sort) {
        List<SortKey> keys = new ArrayList<>();
        if (sort == null || sort.isBlank()) {
            return keys;
        }
        for (String raw : sort.split(",")) {
            String s = raw.trim();
            boolean desc = s.startsWith("-");
            if (desc) {
                s = s.substring(1);
            }
            try {
                keys.add(new SortKey(FieldPath.parse(sim.schema(), def, s), desc));
            } catch (FieldPath.Unresolved ignored) {
                // silently ignored
            }
        }
        return keys;
    }

    private static List<SimRecord> sorted(SimStore store, List<SimRecord> rows, List<SortKey> keys) {
        record Keyed(SimRecord row, Object[] keys) {
        }
        List<Keyed> keyed = new ArrayList<>(rows.size());
        for (SimRecord r : rows) {
            Object[] k = new Object[keys.size()];
            for (int i = 0; i < k.length; i++) {
                List<Object> values = keys.get(i).path().values(store, r);
                Object v = values.isEmpty() ? null : values.get(0);
                k[i] = v instanceof EntityRef ref ? store.displayName(ref) : v;
            }
            keyed.add(new Keyed(r, k));
        }
        Comparator<Keyed> cmp = (a, b) -> {
            for (int i = 0; i < keys.size(); i++) {
                Object x = a.keys()[i];
                Object y = b.keys()[i];
                int c;
                if (x == null || y == null) {
                    c = x == null ? (y == null ? 0 : 1) : -1;   // nulls last ascending
                } else {
                    c = Filters.compare(x, y);
                }
                if (c != 0) {
                    return keys.get(i).descending() ? -c : c;
                }
            }
            return Long.compare(a.row().id, b.row().id);
        };
        keyed.sort(cmp);
        List<SimRecord> out = new ArrayList<>(keyed.size());
        keyed.forEach(k -> out.add(k.row()));
        return out;
    }

    int pageSize(String raw) {
        if (raw == null || raw.isBlank()) {
            return Math.min(DEFAULT_PAGE_SIZE, sim.config().maxPageSize());
        }
        long v;
        try {
            v = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw pageError("size", "size must be an integer");
        }
        if (v <= 0) {
            throw pageError("size", "size must be greater than 0");
        }
        int max = sim.config().maxPageSize();
        if (v > max) {
            throw pageError("size", "size must be less than " + max);
        }
        return (int) v;
    }

    static int pageNumber(String raw) {
        if (raw == null || raw.isBlank()) {
            return 1;
        }
        long v;
        try {
            v = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw pageError("number", "number must be an integer");
        }
        if (v <= 0) {
            throw pageError("number", "number must be greater than 0");
        }
        if (v > Integer.MAX_VALUE / 2) {
            throw pageError("number", "number is too large");
        }
        return (int) v;
    }

    private static SimError pageError(String key, String message) {
        ObjectNode source = SimJson.object();
        source.putObject("page").putArray(key).add(message);
        return SimError.invalidParameters(source);
    }

    /** The request's query with page[number]/page[size] set, keys sorted, encoded like FPTR's links. */
    private static String pagedQuery(SimExchange ex, int number, int size) {
        TreeMap<String, List<String>> params = new TreeMap<>(ex.queryParams());
        params.put("page[number]", List.of(String.valueOf(number)));
        params.put("page[size]", List.of(String.valueOf(size)));
        StringBuilder b = new StringBuilder();
        params.forEach((k, vs) -> vs.forEach(v -> {
            if (b.length() > 0) {
                b.append('&');
            }
            b.append(SimJson.encode(k)).append('=').append(SimJson.encode(v));
        }));
        return b.toString();
    }

    // ---- single records -----------------------------------------------------------------------------

    private static Long parseId(String raw) {
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void read(SimExchange ex, EntityDef def, String rawId) throws IOException {
        Long id = parseId(rawId);
        boolean retired = "retired".equals(ex.query("options[return_only]"));
        String fields = ex.query("fields");
        RecordRenderer.Selection sel = RecordRenderer.Selection.parse(sim.schema(), def,
                fields == null ? null : TextNode.valueOf(fields));
        ObjectNode record = sim.store().read(() -> {
            SimRecord r = id == null ? null : sim.store().get(def.name, id);
            if (r == null || r.retired != retired) {
                return null;
            }
            return sim.renderer().render(r, sel, ex.renderContext(false));
        });
        if (record == null) {
            throw SimError.notFound(def.name + ": " + rawId + " not found");
        }
        ObjectNode out = SimJson.object();
        out.set("data", record);
        out.putObject("links").put("self", ex.http().getRequestURI().getRawPath()
                + (ex.rawQuery == null ? "" : "?" + ex.rawQuery));
        ex.json(200, out);
    }

    private void create(SimExchange ex, EntityDef def) throws IOException {
        JsonNode body = ex.jsonBody();
        if (!body.isObject()) {
            throw SimError.badRequest("Request body must be a JSON object of field values");
        }
        SimStore.Created created = sim.store().create(def, (ObjectNode) body, ex.caller().actor());
        ex.json(201, createAnswer(ex, def, created));
    }

    /** {@code {"data": <the fields sent, the server-set ones and every relationship>}}, create-style timestamps. */
    ObjectNode createAnswer(SimExchange ex, EntityDef def, SimStore.Created created) {
        List<FieldDef> fields = new ArrayList<>();
        for (FieldDef f : def.fields()) {
            if (f.type.isLink() || created.echoed().contains(f.name)) {
                fields.add(f);
            }
        }
        ObjectNode out = SimJson.object();
        out.set("data", sim.store().read(() ->
                sim.renderer().render(created.record(), RecordRenderer.Selection.of(fields), ex.renderContext(true))));
        return out;
    }

    private void update(SimExchange ex, EntityDef def, String rawId) throws IOException {
        Long id = parseId(rawId);
        if (id == null) {
            throw SimError.recordMissing(def.name, rawId);
        }
        JsonNode body = ex.jsonBody();
        if (!body.isObject()) {
            throw SimError.badRequest("Request body must be a JSON object of field values");
        }
        SimRecord r = sim.store().update(def, id, (ObjectNode) body, ex.caller().actor());
        ex.json(200, updateAnswer(ex, def, r));
    }

    /** {@code {"data": <the whole record>, "links": {}, "status": "successful"}}. */
    ObjectNode updateAnswer(SimExchange ex, EntityDef def, SimRecord r) {
        ObjectNode out = SimJson.object();
        out.set("data", sim.store().read(() ->
                sim.renderer().render(r, RecordRenderer.Selection.of(def.fields()), ex.renderContext(false))));
        out.putObject("links");
        out.put("status", "successful");
        return out;
    }

    private void delete(SimExchange ex, EntityDef def, String rawId) throws IOException {
        Long id = parseId(rawId);
        if (id == null || !sim.store().retire(def, id, ex.caller().actor())) {
            throw SimError.recordMissing(def.name, rawId);
        }
        ex.empty(204);
    }

    private void revive(SimExchange ex, EntityDef def, String rawId) throws IOException {
        String revive = ex.query("revive");
        if (revive == null) {
            throw SimError.invalidParameter("revive", "revive is missing");
        }
        if (!List.of("1", "true", "yes").contains(revive.toLowerCase(java.util.Locale.ROOT))) {
            throw SimError.invalidParameter("revive", "revive must be true");
        }
        Long id = parseId(rawId);
        Boolean revived = id == null ? null : sim.store().revive(def, id, ex.caller().actor());
        if (revived == null) {
            throw SimError.recordMissing(def.name, rawId);
        }
        ObjectNode out = SimJson.object();
        ObjectNode data = out.putObject("data");
        data.put("type", def.name);
        data.put("id", id);
        out.putObject("links").put("self", ex.http().getRequestURI().getRawPath());
        out.putObject("meta").put("did_revive", revived);
        ex.json(200, out);
    }

    private void relationship(SimExchange ex, EntityDef def, String rawId, String field) throws IOException {
        Long id = parseId(rawId);
        FieldDef f = def.field(field);
        if (f == null || !f.type.isLink()) {
            throw SimError.fptr(404, 103, "Not Found", null, def.name + "." + field + " is not an entity field.");
        }
        JsonNode data = sim.store().read(() -> {
            SimRecord r = id == null ? null : sim.store().get(def.name, id);
            return r == null || r.retired ? null : sim.renderer().value(def, r, f, ex.renderContext(false));
        });
        if (data == null) {
            throw SimError.notFound(def.name + ": " + rawId + " not found");
        }
        ObjectNode out = SimJson.object();
        out.set("data", data);
        out.putObject("links").put("self", ex.http().getRequestURI().getRawPath());
        ex.json(200, out);
    }

    // ---- _summarize ---------------------------------------------------------------------------------

    private static final List<String> SUMMARY_TYPES = List.of("record_count", "count", "sum", "maximum", "minimum",
            "average", "earliest", "latest", "percentage", "status_percentage", "status_list", "checked", "unchecked");

    private void summarize(SimExchange ex, EntityDef def) throws IOException {
        String type = requireApi3ContentType(ex);
        JsonNode body = ex.jsonBody();
        JsonNode summaryFields = body.path("summary_fields");
        ObjectNode invalid = SimJson.object();
        for (int i = 0; i < summaryFields.size(); i++) {
            String t = summaryFields.get(i).path("type").asText();
            if (!SUMMARY_TYPES.contains(t)) {
                invalid.putObject(String.valueOf(i)).putArray("type")
                        .add("type must be one of: " + String.join(", ", SUMMARY_TYPES));
            }
        }
        if (!summaryFields.isArray() || summaryFields.isEmpty()) {
            throw SimError.invalidParameter("summary_fields", "summary_fields is missing");
        }
        if (!invalid.isEmpty()) {
            ObjectNode source = SimJson.object();
            source.set("summary_fields", invalid);
            throw SimError.invalidParameters(source);
        }
        Filters filters = new Filters(sim, def);
        Predicate<SimRecord> filter = HASH_TYPE.equals(type) ? filters.hash(body.get("filters"))
                : filters.array(body.get("filters"));
        List<FieldPath> paths = new ArrayList<>();
        for (JsonNode sf : summaryFields) {
            try {
                paths.add(FieldPath.parse(sim.schema(), def, sf.path("field").asText()));
            } catch (FieldPath.Unresolved u) {
                throw SimError.badRequest("API summarize() " + u.typeName + "." + u.fieldName + " doesn't exist.");
            }
        }
        SimStore store = sim.store();
        ObjectNode summaries = store.read(() -> {
            List<SimRecord> rows = new ArrayList<>();
            for (SimRecord r : store.all(def.name)) {
                if (!r.retired && filter.test(r)) {
                    rows.add(r);
                }
            }
            ObjectNode s = SimJson.object();
            for (int i = 0; i < summaryFields.size(); i++) {
                s.set(summaryFields.get(i).path("field").asText(),
                        summary(store, rows, paths.get(i), summaryFields.get(i).path("type").asText()));
            }
            return s;
        });
        ObjectNode out = SimJson.object();
        ObjectNode data = out.putObject("data");
        data.set("summaries", summaries);
        data.putArray("groups");
        ex.json(200, out);
    }

    private static JsonNode summary(SimStore store, List<SimRecord> rows, FieldPath path, String type) {
        List<Object> values = new ArrayList<>();
        for (SimRecord r : rows) {
            List<Object> v = path.terminal().name.equals("id") && !path.dotted() ? List.of(r.id) : path.values(store, r);
            values.add(v.isEmpty() ? null : v.get(0));
        }
        List<Object> present = values.stream().filter(java.util.Objects::nonNull).toList();
        return switch (type) {
            case "record_count" -> SimJson.NODES.numberNode(rows.size());
            case "count" -> SimJson.NODES.numberNode(present.size());
            case "checked" -> SimJson.NODES.numberNode(present.stream().filter(Boolean.TRUE::equals).count());
            case "unchecked" -> SimJson.NODES.numberNode(rows.size() - present.stream().filter(Boolean.TRUE::equals).count());
            case "sum", "average" -> {
                double sum = 0;
                int n = 0;
                for (Object o : present) {
                    if (o instanceof Number num) {
                        sum += num.doubleValue();
                        n++;
                    }
                }
                yield type.equals("sum") ? SimJson.NODES.numberNode(sum)
                        : n == 0 ? SimJson.NODES.nullNode() : SimJson.NODES.numberNode(sum / n);
            }
            case "maximum", "latest", "minimum", "earliest" -> {
                boolean max = type.equals("maximum") || type.equals("latest");
                Object best = null;
                for (Object o : present) {
                    if (best == null || Integer.signum(Filters.compare(o, best)) == (max ? 1 : -1)) {
                        best = o;
                    }
                }
                yield FieldCodecs.plain(best);
            }
            default -> SimJson.NODES.nullNode();
        };
    }

    // ---- preferences --------------------------------------------------------------------------------

    /** The site preferences (the recorded set); {@code ?prefs=a,b} answers only those, an unknown name is left out (200). */
    private void preferences(SimExchange ex) throws IOException {
        ObjectNode all = SimJson.object();
        all.put("format_date_fields", "08/04/22 OR 04/08/22 (depending on the Month order preference)");
        all.put("date_component_order", "month_day");
        all.put("format_time_hour_fields", "12 hour");
        all.put("format_currency_fields_display_dollar_sign", false);
        all.put("format_currency_fields_decimal_options", "$1,000.99");
        all.put("format_currency_fields_negative_options", "- $1,000");
        all.put("format_number_fields", "1,000");
        all.put("format_float_fields", "9,999.99");
        String prefs = ex.query("prefs");
        ObjectNode out = SimJson.object();
        if (prefs == null || prefs.isBlank()) {
            out.set("data", all);
        } else {
            ObjectNode named = out.putObject("data");
            for (String name : prefs.split(",")) {
                if (all.has(name.trim())) {
                    named.set(name.trim(), all.get(name.trim()));
                }
            }
        }
        out.putObject("links").put("self", ex.http().getRequestURI().getRawPath() + (ex.rawQuery == null ? "" : "?" + ex.rawQuery));
        ex.json(200, out);
    }
}
