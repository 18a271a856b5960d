package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Runtime knobs, changed over {@code PUT /_sim/config} and reset by {@code POST /_sim/reset}. */
public final class SimConfig {

    private volatile long latencyMs;
    private volatile long tokenTtlSeconds = 600;
    private volatile int maxPageSize = 5000;
    private volatile long thumbnailPendingSeconds = 30;
    private volatile long storageUrlTtlSeconds = 900;
    private volatile String storageService = "s3";
    private volatile long multipartMinPartBytes = DEFAULT_MIN_PART_BYTES;
    private final long defaultLatencyMs;

    /** S3's floor on every part of a multipart upload but the last (5 MiB, sg-groundtruth 044). */
    static final long DEFAULT_MIN_PART_BYTES = 5L * 1024 * 1024;

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

    /** {@code s3} (presigned storage URLs, multipart) or {@code sg} (uploads to the site itself, with the bearer). */
    public String storageService() {
        return storageService;
    }

    /** The smallest part but the last that a multipart completion takes; tests lower it to keep objects small. */
    public long multipartMinPartBytes() {
        return multipartMinPartBytes;
    }

    synchronized void reset() {
        latencyMs = defaultLatencyMs;
        tokenTtlSeconds = 600;
        maxPageSize = 5000;
        thumbnailPendingSeconds = 30;
        storageUrlTtlSeconds = 900;
        storageService = "s3";
        multipartMinPartBytes = DEFAULT_MIN_PART_BYTES;
    }

    /** Applies a partial JSON update; unknown keys or bad values are refused without changing anything. */
    synchronized void apply(JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            throw new IllegalArgumentException("config must be a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("storage_service")) {
                if (!e.getValue().isTextual() || !List.of("s3", "sg").contains(e.getValue().textValue())) {
                    throw new IllegalArgumentException("storage_service must be \"s3\" or \"sg\"");
                }
                continue;
            }
            if (!e.getValue().canConvertToLong() || !e.getValue().isIntegralNumber() || e.getValue().longValue() < 0) {
                throw new IllegalArgumentException(e.getKey() + " must be a non-negative integer");
            }
            switch (e.getKey()) {
                case "latency_ms", "token_ttl_seconds", "thumbnail_pending_seconds", "storage_url_ttl_seconds",
                     "multipart_min_part_bytes" -> { }
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
            if (e.getKey().equals("storage_service")) {
                storageService = e.getValue().textValue();
                continue;
            }
            long v = e.getValue().longValue();
            switch (e.getKey()) {
                case "latency_ms" -> latencyMs = v;
                case "token_ttl_seconds" -> tokenTtlSeconds = v;
                case "max_page_size" -> maxPageSize = (int) Math.min(v, Integer.MAX_VALUE);
                case "thumbnail_pending_seconds" -> thumbnailPendingSeconds = v;
                case "storage_url_ttl_seconds" -> storageUrlTtlSeconds = v;
                case "multipart_min_part_bytes" -> multipartMinPartBytes = v;
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
        n.put("storage_service", storageService);
        n.put("multipart_min_part_bytes", multipartMinPartBytes);
        return n;
    }
}
