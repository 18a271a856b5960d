package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;

/** Runtime knobs, changed over {@code PUT /_sim/config} and reset by {@code POST /_sim/reset}. */
public final class SimConfig {

    private volatile long latencyMs;
    private volatile long tokenTtlSeconds = 600;
    private volatile int maxPageSize = 5000;
    private volatile long thumbnailPendingSeconds = 30;
    private volatile long storageUrlTtlSeconds = 900;
    private final long defaultLatencyMs;

    SimConfig(long defaultLatencyMs) {
        this.defaultLatencyMs = defaultLatencyMs;
        this.latencyMs = defaultLatencyMs;
    }

    public long latencyMs() {
        return latencyMs;
    }

    public long tokenTtlSeconds() {
        return tokenTtlSeconds;
    }

    public int maxPageSize() {
        return maxPageSize;
    }

    public long thumbnailPendingSeconds() {
        return thumbnailPendingSeconds;
    }

    public long storageUrlTtlSeconds() {
        return storageUrlTtlSeconds;
    }

    synchronized void reset() {
        latencyMs = defaultLatencyMs;
        tokenTtlSeconds = 600;
        maxPageSize = 5000;
        thumbnailPendingSeconds = 30;
        storageUrlTtlSeconds = 900;
    }

    /** Applies a partial JSON update; unknown keys or bad values are refused without changing anything. */
    synchronized void apply(JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            throw new IllegalArgumentException("config must be a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToLong() || !e.getValue().isIntegralNumber() || e.getValue().longValue() < 0) {
                throw new IllegalArgumentException(e.getKey() + " must be a non-negative integer");
            }
            switch (e.getKey()) {
                case "latency_ms", "token_ttl_seconds", "thumbnail_pending_seconds", "storage_url_ttl_seconds" -> { }
                case "max_page_size" -> {
                    if (e.getValue().longValue() < 1) {
                        throw new IllegalArgumentException("max_page_size must be at least 1");
                    }
                }
                default -> throw new IllegalArgumentException("unknown config key: " + e.getKey());
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            long v = e.getValue().longValue();
            switch (e.getKey()) {
                case "latency_ms" -> latencyMs = v;
                case "token_ttl_seconds" -> tokenTtlSeconds = v;
                case "max_page_size" -> maxPageSize = (int) Math.min(v, Integer.MAX_VALUE);
                case "thumbnail_pending_seconds" -> thumbnailPendingSeconds = v;
                case "storage_url_ttl_seconds" -> storageUrlTtlSeconds = v;
                default -> { }
            }
        }
    }

    ObjectNode toJson() {
        ObjectNode n = SimJson.object();
        n.put("latency_ms", latencyMs);
        n.put("token_ttl_seconds", tokenTtlSeconds);
        n.put("max_page_size", maxPageSize);
        n.put("thumbnail_pending_seconds", thumbnailPendingSeconds);
        n.put("storage_url_ttl_seconds", storageUrlTtlSeconds);
        return n;
    }
}
