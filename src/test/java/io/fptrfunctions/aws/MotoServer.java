package io.fptrfunctions.aws;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * One {@code moto_server} child process per test JVM (S3, Secrets Manager, SQS, DynamoDB on loopback),
 * started on first use and stopped when the JVM exits. Every Quarkus restart in the run reuses it.
 */
public final class MotoServer {

    private static MotoServer instance;

    private final Process process;
    private final int port;

    private MotoServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static synchronized MotoServer get() {
        if (instance == null) {
            instance = start();
        }
        return instance;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Creates a bucket with an unsigned PUT (moto accepts it); an existing bucket is fine. */
    public void createBucket(String bucket) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/" + bucket).toURL().openConnection();
            c.setRequestMethod("PUT");
            c.setDoOutput(true);
            c.getOutputStream().close();
            int status = c.getResponseCode();
            if (status != 200 && status != 409) {
                throw new IllegalStateException("moto refused bucket " + bucket + ": HTTP " + status);
            }
        } catch (IOException e) {
            throw new IllegalStateException("moto_server did not answer", e);
        }
    }

    /** Creates a table shaped like template.yaml's StateTable (string key {@code pk}, on demand); an existing one is fine. */
    public void createStateTable(String table) {
        try (DynamoDbClient dynamo = dynamoDb()) {
            dynamo.createTable(b -> b.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH))
                    .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S)));
        } catch (ResourceInUseException exists) {
            // made by an earlier Quarkus start of this run
        }
    }

    /** Creates a queue; an existing one is fine. */
    public void createQueue(String name) {
        try (SqsClient sqs = sqs()) {
            sqs.createQueue(b -> b.queueName(name));
        }
    }

    /**
     * Creates a job queue with its dead-letter queue, as template.yaml does (a redrive policy after
     * {@code maxReceiveCount} receives); existing ones are fine.
     */
    public void createJobQueue(String name, String deadLetters, int maxReceiveCount, String visibilityTimeoutSeconds) {
        try (SqsClient sqs = sqs()) {
            String dlq = sqs.createQueue(b -> b.queueName(deadLetters)).queueUrl();
            String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlq).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            sqs.createQueue(b -> b.queueName(name).attributes(Map.of(
                    QueueAttributeName.VISIBILITY_TIMEOUT, visibilityTimeoutSeconds,
                    QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\""
                            + maxReceiveCount + "\"}")));
        }
    }

    /** An SQS client straight to moto (not through a test's fault proxy). */
    public SqsClient sqs() {
        return SqsClient.builder().endpointOverride(URI.create(endpoint())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    /** A DynamoDB client straight to moto (not through a test's fault proxy). */
    public DynamoDbClient dynamoDb() {
        return DynamoDbClient.builder().endpointOverride(URI.create(endpoint())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    private static MotoServer start() {
        int port = freePort();
        File log = new File("target/moto_server.log");
        log.getParentFile().mkdirs();
        ProcessBuilder pb = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", String.valueOf(port))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("moto_server is not installed: pip install 'moto[server]'", e);
        }
        MotoServer server = new MotoServer(process, port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            process.destroy();
        }, "moto-server-stop"));
        server.awaitReady();
        return server;
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto_server exited early; see target/moto_server.log");
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/moto-api/").toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2000);
                if (c.getResponseCode() < 500) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("moto_server did not start within 30 s; see target/moto_server.log");
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
