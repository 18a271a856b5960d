package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code POST /auth/access_token}: the four grants, FPTR's refusals, and JWT-shaped HS256 tokens
 * ({@code exp, iat, jti, user, sudo_as_login, auth_type...}). Refresh tokens live 24 h and work once.
 */
public final class AuthService {

    /** What a valid bearer says: who calls, and whom they act as (sudo), if anyone. */
    public record Caller(EntityRef user, String sudoAsLogin, EntityRef actingAs, String jti, Instant expiresAt) {
        /** The user writes are recorded as: the sudo user when scoped, else the token's user. */
        public EntityRef actor() {
            return actingAs != null ? actingAs : user;
        }
    }

    static final long REFRESH_TTL_SECONDS = 24 * 3600;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final String HEADER = B64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8));

    private final FptrSimulator sim;
    private final byte[] secret = new byte[32];
    /** Refresh tokens already used, and access tokens expired early by a fault. */
    private final Set<String> usedRefresh = ConcurrentHashMap.newKeySet();
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();

    AuthService(FptrSimulator sim) {
        this.sim = sim;
        new SecureRandom().nextBytes(secret);
    }

    /** Expires an access token now (the expire_token fault). */
    void revoke(String jti) {
        revoked.add(jti);
    }

    /** Handles the token request; {@code params} merges the query string and the form body. */
    ObjectNode grant(Map<String, String> params) {
        String grant = params.getOrDefault("grant_type", "");
        SimStore store = sim.store();
        return store.read(() -> switch (grant) {
            case "client_credentials" -> {
                String name = params.get("client_id");
                String key = params.get("client_secret");
                if (isBlank(name) || isBlank(key)) {
                    throw missingArguments();
                }
                SimRecord script = null;
                for (SimRecord r : store.all("ApiUser")) {
                    if (!r.retired && name.equals(r.get("firstname"))) {
                        script = r;
                    }
                }
                if (script == null || !constantEquals(key, script.secret("script_key"))
                        || !"act".equals(script.get("sg_status_list"))) {
                    throw authFailure("Can't authenticate script '" + name + "'");
                }
                yield tokens(script.ref(), sudo(params.get("scope")), "api_key");
            }
            case "password" -> {
                String login = params.get("username");
                String password = params.get("password");
                if (isBlank(login) || isBlank(password)) {
                    throw missingArguments();
                }
                SimRecord user = store.humanUserByLogin(login);
                if (user == null || user.retired || !constantEquals(password, user.secret("password"))
                        || !"act".equals(user.get("sg_status_list"))) {
                    throw authFailure("Can't authenticate user '" + login + "'.");
                }
                yield tokens(user.ref(), sudo(params.get("scope")), "password");
            }
            case "session_token" -> {
                String token = params.get("session_token");
                if (isBlank(token)) {
                    throw missingArguments();
                }
                String login = store.sessionTokens.get(token);
                SimRecord user = login == null ? null : store.humanUserByLogin(login);
                if (user == null || user.retired) {
                    String last4 = token.length() <= 4 ? token : token.substring(token.length() - 4);
                    throw authFailure("Can't authenticate session token ending with '" + last4 + "'");
                }
                yield tokens(user.ref(), null, "session_token");
            }
            case "refresh_token" -> {
                String token = params.get("refresh_token");
                if (isBlank(token)) {
                    throw missingArguments();
                }
                JsonNode claims = verify(token, "refresh");
                if (claims == null || !usedRefresh.add(claims.path("jti").asText())) {
                    throw SimError.fptr(401, 102, "Unauthorized", null, "The refresh token is invalid, expired or used.");
                }
                EntityRef user = new EntityRef(claims.path("user").path("type").asText(),
                        claims.path("user").path("id").asLong());
                String sudo = claims.path("sudo_as_login").isTextual() ? claims.path("sudo_as_login").asText() : null;
                yield tokens(user, sudo == null ? null : sudoUser(sudo), claims.path("auth_type").asText());
            }
            default -> throw SimError.fptr(400, 103, "Unsupported grant_type", SimJson.object(), null);
        });
    }

    /** The caller of a data call, or a 401 in FPTR's error shape. */
    Caller authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw SimError.unauthorized("Authorization header with a Bearer token is required.");
        }
        String token = authorization.substring(7).trim();
        JsonNode claims = verify(token, "access");
        if (claims == null) {
            throw SimError.unauthorized("The access token is invalid or expired.");
        }
        if (revoked.contains(claims.path("jti").asText())) {
            throw SimError.unauthorized("The access token is invalid or expired.");
        }
        EntityRef user = new EntityRef(claims.path("user").path("type").asText(), claims.path("user").path("id").asLong());
        String sudo = claims.path("sudo_as_login").isTextual() ? claims.path("sudo_as_login").asText() : null;
        EntityRef acting = null;
        if (sudo != null) {
            SimRecord u = sim.store().read(() -> sim.store().humanUserByLogin(sudo));
            acting = u == null ? null : u.ref();
        }
        return new Caller(user, sudo, acting, claims.path("jti").asText(),
                Instant.ofEpochSecond(claims.path("exp").asLong()));
    }

    /** The jti of a bearer header if it is one of our tokens (for the expire_token fault). */
    String jtiOf(String authorization) {
        if (authorization == null || authorization.length() < 8) {
            return null;
        }
        JsonNode claims = verify(authorization.substring(7).trim(), "access");
        return claims == null ? null : claims.path("jti").asText();
    }

    private SimRecord sudo(String scope) {
        if (scope == null || scope.isBlank()) {
            return null;
        }
        for (String s : scope.trim().split("\\s+")) {
            if (s.startsWith("sudo_as_login:")) {
                return sudoUser(s.substring("sudo_as_login:".length()));
            }
        }
        return null;
    }

    private SimRecord sudoUser(String login) {
        SimRecord u = sim.store().humanUserByLogin(login);
        if (u == null || u.retired) {
            throw SimError.fptr(400, 102, "Cannot 'sudo' - unknown or retired user: '" + login + "'", SimJson.object(), null);
        }
        if (!"act".equals(u.get("sg_status_list"))) {
            throw SimError.fptr(400, 102, "Cannot 'sudo' - inactive user account: '" + login + "'", SimJson.object(), null);
        }
        return u;
    }

    private ObjectNode tokens(EntityRef user, SimRecord sudo, String authType) {
        Instant now = sim.now();
        long ttl = sim.config().tokenTtlSeconds();
        String sudoLogin = sudo == null ? null : (String) sudo.get("login");
        ObjectNode out = SimJson.object();
        out.put("token_type", "Bearer");
        out.put("access_token", sign(claims(user, sudoLogin, authType, now, ttl, "access")));
        out.put("expires_in", ttl);
        out.put("refresh_token", sign(claims(user, sudoLogin, authType, now, REFRESH_TTL_SECONDS, "refresh")));
        return out;
    }

    private ObjectNode claims(EntityRef user, String sudoLogin, String authType, Instant now, long ttl, String use) {
        ObjectNode c = SimJson.object();
        c.put("iss", sim.baseUrl());
        c.put("aud", "127.0.0.1");
        c.put("exp", now.getEpochSecond() + ttl);
        c.put("iat", now.getEpochSecond());
        c.put("jti", UUID.randomUUID().toString());
        c.set("user", user.toJson());
        if (sudoLogin == null) {
            c.putNull("sudo_as_login");
        } else {
            c.put("sudo_as_login", sudoLogin);
        }
        c.put("auth_type", authType);
        c.putNull("session_uuid");
        c.put("token_use", use);
        return c;
    }

    private String sign(ObjectNode claims) {
        String payload = B64.encodeToString(SimJson.bytes(claims));
        return HEADER + "." + payload + "." + B64.encodeToString(hmac(HEADER + "." + payload));
    }

    /** Verified claims of a token of the given use that has not expired; null otherwise. */
    private JsonNode verify(String token, String use) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return null;
        }
        try {
            byte[] expected = hmac(parts[0] + "." + parts[1]);
            if (!MessageDigest.isEqual(expected, B64D.decode(parts[2]))) {
                return null;
            }
            JsonNode claims = SimJson.parse(B64D.decode(parts[1]));
            if (!use.equals(claims.path("token_use").asText())) {
                return null;
            }
            if (sim.now().getEpochSecond() >= claims.path("exp").asLong()) {
                return null;
            }
            return claims;
        } catch (Exception e) {
            return null;
        }
    }

    private byte[] hmac(String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.US_ASCII));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static SimError missingArguments() {
        return SimError.fptr(400, 103, "Missing or invalid authentication arguments", SimJson.object(), null);
    }

    private static SimError authFailure(String title) {
        return SimError.fptr(400, 102, title, SimJson.object(), null);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static boolean constantEquals(String given, String expected) {
        return expected != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }
}
