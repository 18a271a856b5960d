package io.fptrfunctions.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.sim.SimAdmin;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * README's first command, end to end: {@code infra/local/up} on free ports serves the template's routes
 * from the packaged {@code target/function.zip} under AWS's runtime interface client, answers unknown
 * routes like API Gateway, and leaves no process behind when it is stopped.
 */
class LocalStackIT {

    /** README's demo policy: the local stack's caller may act as jdoe and the FPTR Group Lighting, and send raw filters. */
    static final String DEMO_POLICY = "{\"arn:aws:iam::123456789012:user/local-developer\": [\"jdoe\", \"group:Lighting\", "
            + "\"note-search:filters\"]}";

    private static Process stack;
    private static final Map<String, String> urls = new HashMap<>();

    @BeforeAll
    static void startTheLocalStack() throws Exception {
        File err = new File("target/local-stack-it.log");
        stack = new ProcessBuilder("infra/local/up", "--port", String.valueOf(freePort()), "--no-build",
                "--work-dir", "target/local-stack-it", "--parameter", "AccessPolicy=" + DEMO_POLICY)
                .redirectError(err)
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(stack::destroy));  // even if the test JVM is stopped early
        CompletableFuture<Void> ready = CompletableFuture.runAsync(() -> LocalStackOutput.readUntilReady(stack, urls));
        try {
            ready.get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            stack.destroy();
            fail("infra/local/up did not print 'ready' within 120 s; see " + err + ": " + e);
        }
    }

    @AfterAll
    static void stopTheStackAndCheckNothingSurvives() throws Exception {
        List<ProcessHandle> children = stack.descendants().toList();
        boolean wasServing = stack.isAlive();
        List<Long> functionPids = !wasServing ? List.of() : given().get(urls.get("functions") + "/_local/functions")
                .jsonPath().<Number>getList("functions.instances.pid.flatten()").stream().map(Number::longValue).toList();
        stack.destroy();  // SIGTERM, like Ctrl-C; before any assertion, so a failure leaves nothing running
        boolean stopped = stack.waitFor(30, TimeUnit.SECONDS);
        if (!stopped) {
            stack.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
        }

        assertTrue(wasServing, "infra/local/up exited while it was serving");
        assertTrue(stopped, "infra/local/up did not stop within 30 s of SIGTERM");
        assertEquals(0, stack.exitValue());
        assertFalse(functionPids.isEmpty(), "warm function processes were listed");
        assertTrue(children.stream().map(ProcessHandle::pid).toList().containsAll(functionPids),
                "the function processes " + functionPids + " are children of infra/local/up: " + children);
        assertTrue(children.size() >= 2 + functionPids.size(), "moto_server, the simulator and the functions ran: " + children);
        for (ProcessHandle child : children) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertFalse(child.isAlive(), "still running after the stack stopped: " + child.pid() + " " + commandLine(child));
        }
    }

    private static String commandLine(ProcessHandle process) {
        return process.info().commandLine().orElse("");
    }

    @Test
    void printsOneUrlPerService() {
        assertTrue(urls.get("functions").matches("http://127\\.0\\.0\\.1:\\d+"), urls.toString());
        assertTrue(urls.get("fptr").matches("http://127\\.0\\.0\\.1:\\d+"), urls.toString());
        assertTrue(urls.get("aws").matches("http://127\\.0\\.0\\.1:\\d+"), urls.toString());
        given().get(urls.get("aws") + "/moto-api/").then().statusCode(200);
        given().get(urls.get("fptr") + "/_sim/config").then().statusCode(200);
    }

    @Test
    void tokenIsMintedFromTheSecretsSiteOnceAndThenServedWarm() {
        String tokenFunction = given().get(urls.get("functions") + "/_local/functions").jsonPath()
                .getString("functions.find { it.routes.contains('POST /v1/token') }.logical_id");
        given().delete(urls.get("functions") + "/_local/functions/" + tokenFunction + "/instances").then().statusCode(200);
        given().delete(urls.get("fptr") + "/_sim/requests").then().statusCode(lessThan(300));

        // README's curl: a form-encoded body, which API Gateway hands over base64-encoded
        Response first = given().contentType("application/x-www-form-urlencoded").body("{}")
                .post(urls.get("functions") + "/v1/token");
        first.then().statusCode(200).contentType("application/json")
                .header("apigw-requestid", notNullValue())
                .body("token_type", equalTo("Bearer"))
                .body("access_token", notNullValue())
                .body("expires_in", greaterThan(0));
        Response second = given().contentType("application/json").body("{}").post(urls.get("functions") + "/v1/token");
        second.then().statusCode(200).body("access_token", equalTo(first.path("access_token")));

        // the simulator the secret points at saw exactly one mint: the new process stayed warm and cached it
        List<String> paths = given().get(urls.get("fptr") + "/_sim/requests").then().statusCode(200)
                .extract().jsonPath().getList("requests.path");
        assertEquals(1, paths.stream().filter(p -> p.endsWith("/auth/access_token")).count(), paths.toString());
    }

    /**
     * The packaged function logs as in Lambda (the prod profile): every line it writes is one JSON object (the
     * JVM's own "Picked up JAVA_TOOL_OPTIONS" aside), each invocation's lines carry its ids, and each ends with
     * one access line and one EMF metrics line.
     */
    @Test
    void theFunctionWritesJsonLinesWithItsIdsAnAccessLineAndAMetricsLinePerInvocation() throws Exception {
        given().delete(urls.get("functions") + "/_local/functions/TokenFunction/instances").then().statusCode(200);
        Path log = Path.of("target/local-stack-it/logs/TokenFunction.log");
        long before = Files.exists(log) ? Files.size(log) : 0;

        List<String> apiRequestIds = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Response answer = given().contentType("application/json").body("{}").post(urls.get("functions") + "/v1/token");
            answer.then().statusCode(200);
            apiRequestIds.add(answer.header("apigw-requestid"));
        }

        ObjectMapper json = new ObjectMapper();
        List<JsonNode> access = new ArrayList<>();
        List<JsonNode> metrics = new ArrayList<>();
        List<String> lines = List.of();
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); System.nanoTime() < deadline; Thread.sleep(100)) {
            byte[] all = Files.readAllBytes(log);
            lines = new String(all, (int) before, all.length - (int) before, StandardCharsets.UTF_8).lines().toList();
            access.clear();
            metrics.clear();
            for (String line : lines) {
                if (line.startsWith("Picked up JAVA_TOOL_OPTIONS")) {
                    continue;
                }
                JsonNode parsed = json.readTree(line);
                assertTrue(parsed.isObject(), "one JSON object per line: " + line);
                if (parsed.has("_aws")) {
                    metrics.add(parsed);
                } else if (parsed.path("loggerName").asText().equals("io.fptrfunctions.access")) {
                    access.add(parsed);
                }
            }
            if (access.size() == 2 && metrics.size() == 2) {
                break;
            }
        }
        assertEquals(2, access.size(), "one access line per invocation: " + lines);
        for (int i = 0; i < 2; i++) {
            JsonNode mdc = access.get(i).path("mdc");
            assertEquals(apiRequestIds.get(i), mdc.path("api_request_id").asText(), "API Gateway's request id: " + access.get(i));
            assertEquals("token", mdc.path("function").asText(), access.get(i).toString());
            assertEquals(i == 0 ? "true" : "false", mdc.path("cold_start").asText(), access.get(i).toString());
            assertEquals("200", mdc.path("status").asText(), access.get(i).toString());
            assertFalse(mdc.path("AWSRequestId").asText().isBlank(), "Lambda's request id: " + access.get(i));
        }
        assertEquals(2, metrics.size(), "one metrics line per invocation: " + lines);
        assertEquals("fptr-functions", metrics.get(0).at("/_aws/CloudWatchMetrics/0/Namespace").asText(), metrics.toString());
        assertEquals(1, metrics.get(0).path("ColdStart").asInt(), metrics.toString());
        assertEquals(1, metrics.get(0).path("TokenMints").asInt(), "the new process minted: " + metrics);
        assertEquals(1, metrics.get(1).path("TokenCacheHits").asInt(), metrics.toString());
        assertEquals(access.get(0).path("mdc").path("AWSRequestId").asText(), metrics.get(0).path("AWSRequestId").asText());
    }

    /** README's walkthrough of "Who may act as whom": the policy given as a template parameter, and the audit lines. */
    @Test
    void theLocalDeveloperMayActAsThePolicysLoginsOnlyAndEveryTokenIsAudited() throws Exception {
        String token = urls.get("functions") + "/v1/token";
        given().contentType("application/json").body("{\"sudo_as_login\": \"jdoe\"}").post(token).then().statusCode(200)
                .body("access_token", notNullValue());
        given().contentType("application/json").body("{\"sudo_as_login\": \"alima\"}").post(token).then().statusCode(200);
        given().contentType("application/json").body("{\"sudo_as_login\": \"jsmith\"}").post(token).then().statusCode(403)
                .contentType("application/problem+json").body("pointer", equalTo("/sudo_as_login"));
        given().contentType("application/json").body("{\"project\": 70, \"filters\": [[\"sg_status_list\", \"is\", \"opn\"]]}")
                .post(urls.get("functions") + "/v1/notes/search").then().statusCode(200);

        String issued = "token issued: caller=arn:aws:iam::123456789012:user/local-developer principal="
                + "arn:aws:iam::123456789012:user/local-developer sudo_as_login=alima granted_by=group:Lighting expires_at=";
        String refused = "token refused: caller=arn:aws:iam::123456789012:user/local-developer principal="
                + "arn:aws:iam::123456789012:user/local-developer sudo_as_login=jsmith status=403";
        // the function's output reaches its log file a moment after the answer (a loaded machine took longer than
        // the next request): wait a bounded while for the lines, then assert
        Path file = Path.of("target/local-stack-it/logs/TokenFunction.log");
        String log = Files.readString(file);
        for (long end = System.nanoTime() + 10_000_000_000L; !(log.contains(issued) && log.contains(refused)) && System.nanoTime() < end; ) {
            Thread.sleep(100);
            log = Files.readString(file);
        }
        assertTrue(log.contains(issued), log);
        assertTrue(log.contains(refused), log);
        assertFalse(log.contains("eyJ"), "no token in the function's log");
    }

    /** The template gives local-file its table and key prefix: a retried create with its key makes one Attachment. */
    @Test
    void aRetriedAttachmentCreateWithItsIdempotencyKeyIsAnsweredOnce() {
        String key = UUID.randomUUID().toString();
        String body = "{\"project\": 70, \"this_file\": {\"url\": \"https://review.example.com/" + key + "\", \"name\": \"review\"}}";
        Response first = given().contentType("application/json").header("Idempotency-Key", key).body(body)
                .post(urls.get("functions") + "/v1/attachments");
        first.then().statusCode(201);
        Response retry = given().contentType("application/json").header("Idempotency-Key", key).body(body)
                .post(urls.get("functions") + "/v1/attachments");
        retry.then().statusCode(201).header("Idempotent-Replayed", "true");
        assertEquals(first.jsonPath().getLong("id"), retry.jsonPath().getLong("id"));
    }

    /** One function's required config can stop every function of the artifact from starting: call them all. */
    @Test
    void everyRouteOfTheTemplateIsAnsweredByItsFunction() {
        List<String> routes = given().get(urls.get("functions") + "/_local/functions").jsonPath()
                .getList("functions.routes.flatten()");
        assertTrue(routes.contains("POST /v1/token"), routes.toString());
        for (String route : routes) {
            String[] methodAndPath = route.split(" ", 2);
            String method = methodAndPath[0].equals("ANY") ? "GET" : methodAndPath[0];
            String path = methodAndPath[1].replaceAll("\\{[^}/]+\\+}", "x/y").replaceAll("\\{[^}/]+}", "1");
            Response response = given().contentType("application/json").body("{}")
                    .request(method, urls.get("functions") + path);
            boolean gatewayError = response.statusCode() >= 500 && response.asString().startsWith("{\"message\"");
            assertFalse(gatewayError, route + ": API Gateway answered " + response.statusCode() + " " + response.asString()
                    + ", so the function did not answer; see target/local-stack-it.log");
        }
    }

    @Test
    void unknownRouteGetsApiGatewaysNotFound() {
        for (String[] call : new String[][] {{"GET", "/v1/token"}, {"POST", "/v1/nothing-here"}}) {
            Response response = given().request(call[0], urls.get("functions") + call[1]);
            response.then().statusCode(404).contentType("application/json").header("apigw-requestid", notNullValue());
            assertEquals("{\"message\":\"Not Found\"}", response.asString());
        }
    }

    /**
     * Malformed and hostile input on every kind of route, in every body encoding API Gateway hands over
     * (text, and base64 for binary types): a refusal is a 4xx problem from the function, never a 5xx or a
     * stack trace (an empty body may be a valid call). A JVM start per function, then a few hundred warm calls.
     */
    @Test
    void malformedInputIsNeverA5xxOrAStackTrace() throws Exception {
        List<String[]> routes = List.of(
                new String[] {"POST", "/v1/token"}, new String[] {"POST", "/v1/notes/search"},
                new String[] {"PUT", "/v1/entities/Note/7001/thumbnail?variant=%FF"},
                new String[] {"PUT", "/v1/entities/Note/99999999999999999999/thumbnail"},
                new String[] {"PUT", "/v1/entities/Version/6001/local-files/sg_path_to_movie"},
                new String[] {"GET", "/v1/entities/Version/6001/local-files/sg_path_to_movie?platform=beos"},
                new String[] {"DELETE", "/v1/entities/Nope/1/local-files/..%2F..%2Fx"},
                new String[] {"POST", "/v1/attachments"});
        List<byte[]> bodies = new ArrayList<>();
        for (String body : List.of("", "null", "[]", "{", "\"x\"", "1e999", "\uFEFF{}", "[".repeat(5000),
                "{\"a\":\"" + "[".repeat(3000) + "\"}", "{\"author\":123,\"limit\":-1}", "{\"limit\":100000000000000000000}",
                "{\"project\":{\"x\":1},\"fields\":[null],\"sort\":5}", "{\"filters\":[[1,2,3]]}",
                "{\"created_after\":\"yesterday\"}", "{\"sudo_as_login\":[\"a\"]}", "{\"sudo_as_login\":\"nobody\"}",
                "{\"local_path\":\"/mnt/../../etc/passwd\"}", "{\"local_path\":\"" + "x".repeat(100_000) + "\"}",
                "{\"local_path\":null,\"local_storage\":[]}", "{\"project\":70,\"this_file\":{\"url\":\"javascript:alert(1)\"}}")) {
            bodies.add(body.getBytes(StandardCharsets.UTF_8));
        }
        bodies.add(new byte[] {(byte) 0xff, (byte) 0xfe, '{', '}'});
        HttpClient http = HttpClient.newHttpClient();
        List<String> failures = new ArrayList<>();
        int calls = 0;
        for (String[] route : routes) {
            for (byte[] body : bodies) {
                for (String contentType : List.of("application/json", "application/octet-stream")) {
                    HttpResponse<String> answer = http.send(HttpRequest
                            .newBuilder(URI.create(urls.get("functions") + route[1]))
                            .method(route[0], HttpRequest.BodyPublishers.ofByteArray(body))
                            .header("Content-Type", contentType).build(), HttpResponse.BodyHandlers.ofString());
                    calls++;
                    boolean problem = answer.headers().firstValue("Content-Type").orElse("").equals("application/problem+json");
                    boolean refused = answer.statusCode() >= 400;
                    if (answer.statusCode() >= 500 || (refused && !problem) || answer.body().contains("Exception")
                            || answer.body().contains("at io.")) {
                        failures.add(answer.statusCode() + " " + route[0] + " " + route[1] + " (" + contentType + ") "
                                + new String(body, 0, Math.min(body.length, 40), StandardCharsets.UTF_8) + " -> "
                                + answer.body().substring(0, Math.min(answer.body().length(), 200)));
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + calls + " calls were a 5xx, a stack trace or a refusal without a problem:\n"
                + String.join("\n", failures));
    }

    /**
     * The webhook route is open (no IAM) and checks FPTR's signature with the stack's webhook secret: a
     * signed delivery is queued and remembered, its replay is a duplicate, a forged one a 401.
     */
    @Test
    void aSignedWebhookDeliveryIsQueuedOnceAndAForgedOneRefused() throws Exception {
        URI aws = URI.create(urls.get("aws"));
        StaticCredentialsProvider local = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
        String secret;
        try (SecretsManagerClient secrets = SecretsManagerClient.builder().endpointOverride(aws).region(Region.US_EAST_1)
                .credentialsProvider(local).httpClient(UrlConnectionHttpClient.create()).build()) {
            String name = secrets.listSecrets().secretList().stream().map(s -> s.name())
                    .filter(n -> n.endsWith("/webhook-secret")).findFirst().orElseThrow();
            secret = secrets.getSecretValue(b -> b.secretId(name)).secretString();
        }
        long eventId = 7_700_000 + System.nanoTime() % 100_000;
        String body = "{\"data\":{\"id\":\"" + eventId + ".0.0\",\"event_log_entry_id\":" + eventId + ",\"event_type\":"
                + "\"Shotgun_Note_Change\",\"operation\":\"update\",\"entity\":{\"type\":\"Note\",\"id\":7001},"
                + "\"project\":{\"type\":\"Project\",\"id\":70},\"meta\":{\"type\":\"attribute_change\","
                + "\"attribute_name\":\"image\",\"entity_type\":\"Note\",\"entity_id\":7001},\"attribute_name\":\"image\","
                + "\"created_at\":\"2026-11-25 04:00:01.123456\",\"delivery_id\":\"" + UUID.randomUUID() + "\"},"
                + "\"timestamp\":\"2026-11-25T04:00:02Z\"}";
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        String signature = "sha1=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));

        given().contentType("application/json; charset=utf-8").header("X-SG-SIGNATURE", signature).body(body)
                .post(urls.get("functions") + "/v1/webhooks/fptr").then().statusCode(200)
                .body("accepted", equalTo(1)).body("duplicates", equalTo(0));
        given().contentType("application/json; charset=utf-8").header("X-SG-SIGNATURE", signature).body(body)
                .post(urls.get("functions") + "/v1/webhooks/fptr").then().statusCode(200)
                .body("accepted", equalTo(0)).body("duplicates", equalTo(1));
        given().contentType("application/json; charset=utf-8").header("X-SG-SIGNATURE", "sha1=" + "0".repeat(40)).body(body)
                .post(urls.get("functions") + "/v1/webhooks/fptr").then().statusCode(401)
                .contentType("application/problem+json");

        try (DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(aws).region(Region.US_EAST_1)
                .credentialsProvider(local).httpClient(UrlConnectionHttpClient.create()).build()) {
            String table = dynamo.listTables().tableNames().stream().filter(t -> t.contains("StateTable")).findFirst().orElseThrow();
            Map<String, AttributeValue> seen = dynamo.getItem(b -> b.tableName(table)
                    .key(Map.of("pk", AttributeValue.fromS("fptr-event#" + eventId)))).item();
            assertEquals("queued", seen.get("status").s(), seen.toString());
        }
    }

    /**
     * A copy whose process dies mid-upload (SIGKILL, as Lambda ends a function that timed out or ran out of
     * memory) cannot abort its multipart upload: S3 keeps it open, no object appears, the bucket's lifecycle
     * rule (which moto keeps but never applies) is what would abort it after a day, and the next call
     * copies the whole image, byte for byte.
     */
    @Test
    void aCopyKilledMidUploadLeavesAnOpenUploadForTheLifecycleRuleAndTheNextCallCopiesTheRightBytes() throws Exception {
        byte[] image = new byte[64 << 20];
        new Random(64).nextBytes(image);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(urls.get("fptr")
                        + "/_sim/files/Note/7006/image?filename=plate_64mib.png")).header("Content-Type", "image/png")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(image)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put.body());
        String key = "thumbnails/70/Note/7006/original.png";
        URI copy = URI.create(urls.get("functions") + "/v1/entities/Note/7006/thumbnail");

        try (S3Client s3 = S3Client.builder().endpointOverride(URI.create(urls.get("aws"))).region(Region.US_EAST_1)
                .forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            String bucket = s3.listBuckets().buckets().stream().map(b -> b.name()).filter(n -> n.contains("databucket"))
                    .findFirst().orElseThrow();
            // The storage stops sending after 3 of the 8 parts (8 MiB each) for 15 s, so the kill below comes while
            // the copy waits for bytes. Unstalled, a copy sent its last parts within about a second of its first
            // (moto's logs: 7 or all 8 parts had arrived when this test listed the uploads after its kill), a race
            // this test could lose.
            SimAdmin.at(urls.get("fptr")).fault(Map.of("method", "GET", "path", "^/_storage/.*/plate_64mib\\.png$",
                    "stall_after_bytes", 24 << 20, "stall_ms", 15_000));
            CompletableFuture<HttpResponse<String>> first = http.sendAsync(HttpRequest.newBuilder(copy)
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

            // wait until the upload is under way: created, and a part of it in S3
            String uploadId = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);   // a cold start first
            while (System.nanoTime() < deadline) {
                List<MultipartUpload> open = s3.listMultipartUploads(b -> b.bucket(bucket).prefix(key)).uploads();
                if (!open.isEmpty()) {
                    String id = open.get(0).uploadId();
                    if (!s3.listParts(b -> b.bucket(bucket).key(key).uploadId(id)).parts().isEmpty()) {
                        uploadId = id;
                        break;
                    }
                }
                assertFalse(first.isDone(), () -> "the copy ended before it could be killed: " + first.join().body());
                Thread.sleep(10);
            }
            assertNotNull(uploadId, "no multipart upload with a part appeared within 120 s");
            long pid = given().get(urls.get("functions") + "/_local/functions").jsonPath()
                    .getLong("functions.find { it.logical_id == 'ThumbnailFunction' }.instances[0].pid");
            ProcessHandle function = ProcessHandle.of(pid).orElseThrow();
            assertTrue(function.destroyForcibly(), "SIGKILL sent to the function's JVM " + pid);

            HttpResponse<String> killed = first.get(60, TimeUnit.SECONDS);
            assertEquals(502, killed.statusCode(), killed.body());
            assertEquals("{\"message\":\"Internal Server Error\"}", killed.body(), "API Gateway's answer for a crashed function");
            String orphan = uploadId;
            List<MultipartUpload> left = s3.listMultipartUploads(b -> b.bucket(bucket).prefix(key)).uploads();
            assertEquals(List.of(orphan), left.stream().map(MultipartUpload::uploadId).toList(), "the killed copy's upload is still open");
            assertThrows(NoSuchKeyException.class, () -> s3.headObject(b -> b.bucket(bucket).key(key)), "no partial object");

            // what would clean it: the template's rule, as the stack gave it to moto (which never applies it)
            LifecycleRule rule = s3.getBucketLifecycleConfiguration(b -> b.bucket(bucket)).rules().stream()
                    .filter(r -> r.abortIncompleteMultipartUpload() != null).findFirst().orElseThrow();
            assertEquals(ExpirationStatus.ENABLED, rule.status());
            assertEquals(1, rule.abortIncompleteMultipartUpload().daysAfterInitiation());
            assertTrue(key.startsWith(rule.filter().prefix()), "the rule covers the key: " + rule);
            // (moto lists every upload as initiated 2010-11-10T20:48:33Z, so its age says nothing here)

            HttpResponse<String> next = http.send(HttpRequest.newBuilder(copy).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, next.statusCode(), next.body());
            assertTrue(next.body().contains("\"status\":\"copied\"") && next.body().contains("\"size\":" + image.length), next.body());
            MessageDigest copied = MessageDigest.getInstance("SHA-256");
            try (var object = s3.getObject(b -> b.bucket(bucket).key(key))) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = object.read(buffer)) > 0; ) {
                    copied.update(buffer, 0, n);
                }
            }
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(image), copied.digest(), "the simulator's image, byte for byte");
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(orphan));   // what the rule would do, a day later
        }
    }

    /**
     * The event path end to end, as the README's walkthrough runs it: a hook registered on the stack's FPTR
     * simulator with the demo secret, an image uploaded to a Note (still "thumbnail pending" for a moment),
     * FPTR's signed delivery → the webhook function → the job queue → the stack's SQS event source → the
     * worker, which finds the image pending, sends the job again with a delay and then copies it; the
     * object is in the bucket, the copy recorded, FPTR's delivery acknowledged; FPTR's redelivery of the
     * same delivery is a duplicate and copies nothing.
     */
    @Test
    void aNoteImageUploadedInFptrLandsInTheBucketOnceThroughTheWebhookTheQueueAndTheWorker() throws Exception {
        SimAdmin fptr = SimAdmin.at(urls.get("fptr")).login();
        assertEquals(DEMO_WEBHOOK_SECRET, urls.get("webhook-secret"), "the demo secret is printed");
        String hook = fptr.postJson("/api/v1.1/webhook/hooks", "{\"url\":\"" + urls.get("webhook") + "\",\"token\":\""
                + DEMO_WEBHOOK_SECRET + "\",\"name\":\"thumbnails\",\"entity_types\":{\"Note\":{\"update\":[\"image\"]}}}")
                .json().at("/data/id").asText();
        fptr.config(java.util.Map.of("thumbnail_pending_seconds", 2));
        byte[] image = png(48, 27);
        String key = "thumbnails/70/Note/7004/original.png";
        try (S3Client s3 = s3(); DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(URI.create(urls.get("aws")))
                .region(Region.US_EAST_1).credentialsProvider(LOCAL).httpClient(UrlConnectionHttpClient.create()).build()) {
            // The receiver warm, as a deployed hook's is after its first delivery: a cold start on this 2-core machine
            // under load can pass FPTR's 6 s delivery timeout (answer code 0). Cold starts are infra/bench/coldstart's.
            HttpResponse<String> unsigned = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(urls.get("webhook")))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, unsigned.statusCode(), unsigned.body());
            fptr.upload("notes", 7004, "image", "regrade.png", "image/png", image);

            byte[] copied = awaitObject(s3, key, java.time.Duration.ofSeconds(60));
            assertArrayEquals(image, copied);
            JsonNode delivery = awaitAcknowledged(fptr, hook);
            assertEquals("{\"accepted\":1,\"duplicates\":0,\"ignored\":0,\"unreadable\":0}", delivery.get("body").asText());
            JsonNode ack = JSON.readTree(delivery.get("acknowledgement").asText());
            assertEquals("copied", ack.get("status").asText(), ack.toString());
            assertEquals(key, ack.get("key").asText());
            assertEquals(image.length, ack.get("size").asLong());
            String table = dynamo.listTables().tableNames().stream().filter(t -> t.contains("StateTable")).findFirst().orElseThrow();
            assertEquals(key, dynamo.getItem(b -> b.tableName(table).key(java.util.Map.of("pk",
                    AttributeValue.fromS("thumbnail#Note/7004/original")))).item().get("s3_key").s());
            int jobsBefore = workerMessages();
            assertTrue(jobsBefore >= 2, "at least two looks: pending, then copied (" + jobsBefore + " messages)");
            java.time.Instant copiedAt = s3.headObject(b -> b.bucket(BUCKET).key(key)).lastModified();

            String deliveryId = delivery.get("id").asText();
            assertEquals(200, fptr.post("/api/v1.1/webhook/deliveries/" + deliveryId + "/redeliver", "application/json", "{}").status());
            JsonNode replayed = null;
            for (int i = 0; i < 100; i++) {
                replayed = fptr.get("/api/v1.1/webhook/deliveries/" + deliveryId).json().get("data");
                if (replayed.get("body").asText().contains("\"duplicates\":1")) {
                    break;
                }
                Thread.sleep(50);
            }
            assertEquals("{\"accepted\":0,\"duplicates\":1,\"ignored\":0,\"unreadable\":0}", replayed.get("body").asText());
            Thread.sleep(2000);   // a job would have reached the worker by now
            assertEquals(jobsBefore, workerMessages(), "the replay queued nothing");
            assertEquals(copiedAt, s3.headObject(b -> b.bucket(BUCKET).key(key)).lastModified(), "and copied nothing");
        } finally {
            fptr.delete("/api/v1.1/webhook/hooks/" + hook);
            fptr.config(java.util.Map.of("thumbnail_pending_seconds", 30));
        }
    }

    /** {@code Prefer: respond-async} through API Gateway's route: 202 at once, and the worker makes the copy. */
    @Test
    void respondAsyncAnswers202AndTheWorkerMakesTheCopy() throws Exception {
        Response queued = given().header("Prefer", "respond-async").put(urls.get("functions") + "/v1/entities/Note/7003/thumbnail");
        queued.then().statusCode(202).header("Preference-Applied", "respond-async").body("status", equalTo("queued"));
        try (S3Client s3 = s3()) {
            byte[] copied = awaitObject(s3, "thumbnails/70/Note/7003/original.png", java.time.Duration.ofSeconds(60));
            byte[] original = SimAdmin.at(urls.get("fptr")).login().download(
                    SimAdmin.at(urls.get("fptr")).login().location("notes", 7003, "original"));
            assertArrayEquals(original, copied);
        }
    }

    private static final String DEMO_WEBHOOK_SECRET = "demo-webhook-secret-0000";
    private static final String BUCKET = "fptr-functions-local-databucket";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Messages the stack's SQS event source has handed the worker so far. */
    private static int workerMessages() {
        return given().get(urls.get("functions") + "/_local/functions").jsonPath()
                .getInt("functions.find { it.logical_id == 'ThumbnailWorkerFunction' }.events.find { it.type == 'SQS' }.messages");
    }

    private static byte[] awaitObject(S3Client s3, String key, java.time.Duration wait) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            try (var in = s3.getObject(b -> b.bucket(BUCKET).key(key))) {
                return in.readAllBytes();
            } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError(key + " did not reach the bucket within " + wait + "; see target/local-stack-it/logs");
    }

    private static JsonNode awaitAcknowledged(SimAdmin fptr, String hook) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            JsonNode deliveries = fptr.get("/api/v1.1/webhook/hooks/" + hook + "/deliveries").json().get("data");
            // the worker may acknowledge before the webhook's own answer is recorded (a cold receiver is slower)
            if (deliveries.size() == 1 && deliveries.get(0).hasNonNull("acknowledgement")
                    && deliveries.get(0).get("response_code").asInt() != 0) {
                return deliveries.get(0);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the delivery was not answered and acknowledged: "
                + fptr.get("/api/v1.1/webhook/hooks/" + hook + "/deliveries").text());
    }

    private static final StaticCredentialsProvider LOCAL = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));

    private static S3Client s3() {
        return S3Client.builder().endpointOverride(URI.create(urls.get("aws"))).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(LOCAL).httpClient(UrlConnectionHttpClient.create()).build();
    }

    private static byte[] png(int width, int height) throws IOException {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
        image.setRGB(2, 3, 0x2288ff);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
