package io.fptrfunctions.aws;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An S3 that takes every connection and never answers (on loopback), with a client for it: what the deadline
 * must cut. {@link #close} hangs up the held connections and the client.
 */
public final class SilentS3 implements AutoCloseable {

    private final ServerSocket socket;
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final S3Client client;

    public SilentS3() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        client = S3Client.builder().endpointOverride(URI.create("http://127.0.0.1:" + socket.getLocalPort()))
                .region(Region.US_EAST_1).forcePathStyle(true).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
        Thread accepting = new Thread(() -> {
            try {
                while (true) {
                    held.add(socket.accept());
                }
            } catch (IOException closed) {
                // the test is over
            }
        }, "silent-s3");
        accepting.setDaemon(true);
        accepting.start();
    }

    public S3Client client() {
        return client;
    }

    /** Whether any call reached it. */
    public boolean reached() {
        return !held.isEmpty();
    }

    @Override
    public void close() throws IOException {
        client.close();
        socket.close();
        for (Socket connection : held) {
            connection.close();
        }
    }
}
