package io.fptrfunctions.local;

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
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * README's first command, end to end: {@code infra/local/up} on free ports serves the template's routes
 * from the packaged {@code target/function.zip} under AWS's runtime interface client, answers unknown
 * routes like API Gateway, and leaves no process behind when it is stopped.
 */
class LocalStackIT {

    private static Process stack;
    private static final Map<String, String> urls = new HashMap<>();

    @BeforeAll
    static void startTheLocalStack() throws Exception {
        File err = new File("target/local-stack-it.log");
        stack = new ProcessBuilder("infra/local/up", "--port", String.valueOf(freePort()), "--no-build",
                "--work-dir", "target/local-stack-it")
                .redirectError(err)
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(stack::destroy));  // even if the test JVM is stopped early
        CompletableFuture<Void> ready = CompletableFuture.runAsync(() -> readUrlsUntilReady(stack));
        try {
            ready.get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            stack.destroy();
            fail("infra/local/up did not print 'ready' within 120 s; see " + err + ": " + e);
        }
    }

    private static void readUrlsUntilReady(Process process) {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        try {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.equals("ready")) {
                    return;
                }
                String[] parts = line.split(" ", 2);
                if (parts.length == 2) {
                    urls.put(parts[0], parts[1]);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("infra/local/up exited before it was ready");
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

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
