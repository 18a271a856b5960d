package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The simulator's own admin API under {@code /_sim} (JSON; no auth; never logged or faulted):
 * reset, clock, config, faults, request log, bulk records. Extensions may add {@code /_sim/...} routes with
 * {@link FptrSimulator#route}.
 */
final class AdminApi {

    private final FptrSimulator sim;

    AdminApi(FptrSimulator sim) {
        this.sim = sim;
    }

    void handle(SimExchange ex) throws IOException {
        try {
            String p = ex.path.endsWith("/") && ex.path.length() > 1 ? ex.path.substring(0, ex.path.length() - 1) : ex.path;
            switch (ex.method + " " + p) {
                case "GET /_sim" -> ex.json(200, SimJson.object().put("base_url", sim.baseUrl()));
                case "POST /_sim/reset" -> {
                    sim.reset();
                    ex.json(200, SimJson.object().put("reset", true));
                }
                case "GET /_sim/clock" -> ex.json(200, clockJson());
                case "PUT /_sim/clock" -> {
                    setClock(body(ex));
                    ex.json(200, clockJson());
                }
                case "DELETE /_sim/clock" -> {
                    sim.clock(Clock.systemUTC());
                    ex.empty(204);
                }
                case "GET /_sim/config" -> ex.json(200, sim.config().toJson());
                case "PUT /_sim/config" -> {
                    sim.config().apply(body(ex));
                    ex.json(200, sim.config().toJson());
                }
                case "POST /_sim/faults" -> ex.json(201, SimJson.object().put("id", sim.addFault(body(ex))));
                case "GET /_sim/faults" -> {
                    ObjectNode out = SimJson.object();
                    out.set("faults", sim.faultsJson());
                    ex.json(200, out);
                }
                case "DELETE /_sim/faults" -> {
                    sim.clearFaults();
                    ex.empty(204);
                }
                case "GET /_sim/requests" -> {
                    ObjectNode out = SimJson.object();
                    out.set("requests", sim.requestsJson());
                    ex.json(200, out);
                }
                case "DELETE /_sim/requests" -> {
                    sim.clearRequests();
                    ex.empty(204);
                }
                case "POST /_sim/records" -> {
                    JsonNode records = body(ex).get("records");
                    if (records == null || !records.isArray()) {
                        throw new IllegalArgumentException("body must be {\"records\":[...]}");
                    }
                    List<Long> ids = sim.insertRecords(records);
                    ObjectNode out = SimJson.object();
                    ids.forEach(out.putArray("ids")::add);
                    ex.json(201, out);
                }
                default -> {
                    if (!sim.tryRoutes(ex)) {
                        ex.json(404, SimJson.object().put("error", "no admin route " + ex.method + " " + ex.path));
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            if (!ex.responded) {
                ex.json(400, SimJson.object().put("error", e.getMessage()));
            }
        } catch (SimError e) {
            ex.error(e);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            e.printStackTrace();
            if (!ex.responded) {
                ex.json(500, SimJson.object().put("error", String.valueOf(e)));
            }
        }
    }

    private ObjectNode clockJson() {
        return SimJson.object().put("now", sim.now().toString()).put("offset_seconds", sim.clockOffsetSeconds());
    }

    /** {@code {"advance_seconds": N}} moves the clock by N (negative: back); {@code {"now": "<ISO instant>"}} sets it. */
    private void setClock(JsonNode body) {
        if (body.size() != 1 || !(body.has("advance_seconds") || body.has("now"))) {
            throw new IllegalArgumentException("body must be {\"advance_seconds\": N} or {\"now\": \"2026-01-01T00:00:00Z\"}");
        }
        if (body.has("advance_seconds")) {
            JsonNode n = body.get("advance_seconds");
            if (!n.isIntegralNumber()) {
                throw new IllegalArgumentException("advance_seconds must be a whole number of seconds");
            }
            sim.advanceClock(Duration.ofSeconds(n.longValue()));
            return;
        }
        Instant at;
        try {
            at = Instant.parse(body.get("now").asText());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("now must be an ISO-8601 instant such as 2026-01-01T00:00:00Z");
        }
        sim.clock(Clock.offset(Clock.systemUTC(), Duration.between(Instant.now(), at)));
    }

    private static JsonNode body(SimExchange ex) throws IOException {
        byte[] b = ex.body();
        try {
            JsonNode n = SimJson.parse(b);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException("body is not valid JSON: " + e.getMessage());
        }
    }
}
