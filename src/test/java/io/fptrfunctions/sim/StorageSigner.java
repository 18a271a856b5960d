package io.fptrfunctions.sim;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * Presigned URLs in S3's shape ({@code X-Amz-Algorithm, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
 * X-Amz-Signature}), signed for one method and path with a key only this simulator knows. A GET URL does
 * not allow HEAD (S3 answers 403), and an expired one answers S3's "Request has expired".
 */
final class StorageSigner {

    enum Verdict { VALID, EXPIRED, BAD_SIGNATURE }

    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final byte[] key = new byte[32];

    StorageSigner() {
        new SecureRandom().nextBytes(key);
    }

    /** The query string for {@code method path}, valid for {@code ttlSeconds} from {@code now}. */
    String sign(String method, String path, long ttlSeconds, Instant now) {
        String date = AMZ_DATE.format(now);
        return "X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=FPTRSIMULATOR%2F" + date.substring(0, 8) + "%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=" + date
                + "&X-Amz-Expires=" + ttlSeconds
                + "&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=" + mac(method, path, date, ttlSeconds);
    }

    /** Checks a request against the signature in its query string. */
    Verdict verify(String method, String path, String rawQuery, Instant now) {
        Map<String, String> q = parse(rawQuery);
        String date = q.get("X-Amz-Date");
        String expires = q.get("X-Amz-Expires");
        String signature = q.get("X-Amz-Signature");
        if (date == null || expires == null || signature == null || !expires.matches("[0-9]{1,7}")) {
            return Verdict.BAD_SIGNATURE;
        }
        long ttl = Long.parseLong(expires);
        if (!mac(method, path, date, ttl).equals(signature)) {
            return Verdict.BAD_SIGNATURE;
        }
        Instant signedAt;
        try {
            signedAt = Instant.from(AMZ_DATE.parse(date));
        } catch (RuntimeException e) {
            return Verdict.BAD_SIGNATURE;
        }
        return now.isAfter(signedAt.plusSeconds(ttl)) ? Verdict.EXPIRED : Verdict.VALID;
    }

    /** When a URL signed at {@code X-Amz-Date} for {@code X-Amz-Expires} seconds stops working (for S3's error body). */
    static String expiry(String rawQuery) {
        Map<String, String> q = parse(rawQuery);
        try {
            Instant at = Instant.from(AMZ_DATE.parse(q.get("X-Amz-Date"))).plusSeconds(Long.parseLong(q.get("X-Amz-Expires")));
            return at.toString();
        } catch (RuntimeException e) {
            return "";
        }
    }

    private String mac(String method, String path, String date, long ttl) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] sig = mac.doFinal((method + "\n" + path + "\n" + date + "\n" + ttl).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> parse(String rawQuery) {
        Map<String, String> out = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k, v);
        }
        return out;
    }
}
