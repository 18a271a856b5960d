package io.fptrfunctions.aws;

import io.fptrfunctions.deadline.Deadline;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.reactivestreams.Subscriber;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.async.BlockingInputStreamAsyncRequestBody;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.S3ServiceClientConfiguration;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Streams an {@link InputStream} into one S3 object without holding the object in memory, with the AWS
 * SDK's own path for bodies of unknown length: {@code AsyncRequestBody.forBlockingInputStream} into the
 * multipart-enabled async client. Up to one part ({@code fptr.s3.part-bytes}) it is one PutObject (of a
 * known length: read into one part buffer and sent by the sync client, so a function that only ever copies
 * small images never builds the netty-based async one, a cold start's worth of classes); larger, a
 * multipart upload whose parts the SDK buffers ({@code fptr.s3.parts-in-flight} + 1 of them at most) and
 * uploads in parallel. (It replaced a hand-written uploader of 290 lines, a thread pool per
 * upload and a polling loop: measured side by side in infra/bench/thumbnail, see README.)
 * Any failure (source or S3) aborts the multipart upload before this returns, so S3 is left with either
 * the whole new object or whatever was there before, never a partial object or an open upload. A process
 * that dies mid-upload (timeout, out of memory, a kill) cannot abort: its upload stays open until the
 * bucket's lifecycle rule (template.yaml, DataBucket) aborts it a day later.
 */
@ApplicationScoped
public class S3StreamUploader {

    private static final Logger LOG = Logger.getLogger(S3StreamUploader.class);
    /** S3's floor for every part but the last. */
    public static final int MIN_PART_BYTES = 5 * 1024 * 1024;
    /** How long a failed write waits for the SDK to fail its request before aborting what it started. */
    private static final long WAIT_AFTER_FAILURE_SECONDS = 30;
    /**
     * With a deadline, S3's calls end by it: a write waits for the SDK no longer than the deadline and this, for a
     * CreateMultipartUpload's answer that may yet come (from the margin the deadline keeps to answer). Waiting the
     * full 30 s for a create the deadline cut, whose answer never comes, held a copy 40 s past its deadline.
     */
    private static final Duration GRACE_AFTER_DEADLINE = Duration.ofMillis(250);

    private final S3Client sync;
    private final long partBytes;
    private final int partsInFlight;
    private final boolean pathStyle;
    /** Interceptors the async client runs after ours (tests slow the SDK's own steps with them). */
    private final List<ExecutionInterceptor> moreInterceptors;
    /** Built by the first upload that may need parts (netty and the multipart client cost a cold start). */
    private volatile S3AsyncClient s3;
    /**
     * Multipart uploads the SDK is creating or created, by "bucket/key" (one upload per object at a time), seen
     * by an interceptor: the upload id once S3 answered, null when the create failed. A source that fails while
     * the create is still on its way must wait for its answer, or the upload it opens would be left behind.
     */
    private final Map<String, CompletableFuture<String>> started = new ConcurrentHashMap<>();
    /**
     * Upload ids of uploads that failed, whose CompleteMultipartUpload the interceptor refuses. The SDK, told of a
     * source's failure, completes the upload with the parts it has when they were sent after its own cleanup
     * looked for them (its CreateMultipartUpload's answer and the failure race) and land before either abort:
     * a truncated object under the key, as if the copy had succeeded.
     */
    private final Set<String> refused = ConcurrentHashMap.newKeySet();

    /**
     * The async client is built from the Quarkiverse sync client's region, endpoint and credentials
     * (Quarkiverse 3.12.1 cannot enable multipart on its own async client), on first need: an object of
     * known length up to one part goes in one PutObject of the sync client the function has already.
     */
    @Inject
    public S3StreamUploader(S3Client sync, S3UploadConfig config,
                            @ConfigProperty(name = "quarkus.s3.path-style-access", defaultValue = "false") boolean pathStyle) {
        this(sync, config.partBytes(), config.partsInFlight(), pathStyle);
    }

    public S3StreamUploader(S3Client sync, int partBytes, int partsInFlight, boolean pathStyle) {
        this(sync, partBytes, partsInFlight, pathStyle, List.of());
    }

    S3StreamUploader(S3Client sync, int partBytes, int partsInFlight, boolean pathStyle,
                     List<ExecutionInterceptor> moreInterceptors) {
        if (partBytes < MIN_PART_BYTES) {
            throw new IllegalArgumentException("fptr.s3.part-bytes must be at least " + MIN_PART_BYTES + " (S3's minimum part size)");
        }
        if (partsInFlight < 1) {
            throw new IllegalArgumentException("fptr.s3.parts-in-flight must be at least 1");
        }
        this.sync = sync;
        this.partBytes = partBytes;
        this.partsInFlight = partsInFlight;
        this.pathStyle = pathStyle;
        this.moreInterceptors = List.copyOf(moreInterceptors);
    }

    private S3AsyncClient async() {
        S3AsyncClient built = s3;
        if (built != null) {
            return built;
        }
        synchronized (this) {
            if (s3 == null) {
                s3 = buildAsync();
            }
            return s3;
        }
    }

    private S3AsyncClient buildAsync() {
        S3ServiceClientConfiguration conf = sync.serviceClientConfiguration();
        long part = partBytes;
        S3AsyncClientBuilder builder = S3AsyncClient.builder()
                .httpClientBuilder(NettyNioAsyncHttpClient.builder())
                .region(conf.region())
                .credentialsProvider(conf.credentialsProvider())
                .forcePathStyle(pathStyle)
                // Parts are buffers the SDK can checksum up front: aws-chunked framing would only cost CPU on
                // both ends. No Expect: 100-continue, which moto answers in a way the netty client then
                // fails on ("Status Code: 100", a broken channel); S3 does not need it.
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).expectContinueEnabled(false).build())
                .overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        if (context.request() instanceof CreateMultipartUploadRequest create) {
                            started.computeIfAbsent(create.bucket() + "/" + create.key(), k -> new CompletableFuture<>());
                        } else if (context.request() instanceof CompleteMultipartUploadRequest complete
                                && refused.contains(complete.uploadId())) {
                            throw SdkClientException.create("The multipart upload of s3://" + complete.bucket() + "/"
                                    + complete.key() + " failed; it is aborted, not completed");
                        }
                    }

                    @Override
                    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                        if (context.response() instanceof CreateMultipartUploadResponse created) {
                            started.computeIfAbsent(created.bucket() + "/" + created.key(), k -> new CompletableFuture<>())
                                    .complete(created.uploadId());
                        }
                    }

                    @Override
                    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
                        if (context.request() instanceof CreateMultipartUploadRequest create) {
                            CompletableFuture<String> creating = started.get(create.bucket() + "/" + create.key());
                            if (creating != null) {
                                creating.complete(null);
                            }
                        }
                    }
                }).applyMutation(more -> moreInterceptors.forEach(more::addExecutionInterceptor)))
                .multipartEnabled(true)
                .multipartConfiguration(m -> m.minimumPartSizeInBytes(part).thresholdInBytes(part)
                        .apiCallBufferSizeInBytes(part * (partsInFlight + 1)));
        conf.endpointOverride().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    @PreDestroy
    void close() {
        if (s3 != null) {
            s3.close();
        }
    }

    /**
     * Uploads {@code source} (read to its end, not closed) to {@code bucket/key}. When it fails, the
     * multipart upload the SDK started is aborted before this returns: the SDK's own abort is sent only
     * after it has reported the failure, too late for a Lambda container that freezes on return.
     *
     * @param contentLength the exact length when known, or a negative number when not
     * @param deadline      when the upload must have ended: S3's calls are cut to it, and the upload is
     *                      aborted when it has not finished by then
     * @throws SourceReadException when the source failed or ended early
     * @throws SdkException when S3 refused or could not be reached
     * @throws Deadline.Exceeded when S3 had not finished by the deadline
     */
    public StoredObject upload(String bucket, String key, InputStream source, long contentLength,
                               String contentType, Map<String, String> metadata, Deadline deadline) {
        if (contentLength >= 0 && contentLength <= partBytes) {
            return putWhole(bucket, key, source, (int) contentLength, contentType, metadata, deadline);
        }
        String object = bucket + "/" + key;
        started.remove(object);
        BlockingInputStreamAsyncRequestBody body = AsyncRequestBody.forBlockingInputStream(contentLength >= 0 ? contentLength : null);
        SubscribedBody read = new SubscribedBody(body);
        CompletableFuture<PutObjectResponse> put = async().putObject(b -> {
            b.bucket(bucket).key(key).contentType(contentType).metadata(metadata).overrideConfiguration(AwsTimeouts.within(deadline));
            if (contentLength >= 0) {
                b.contentLength(contentLength);
            }
        }, read);
        CountingStream counted = new CountingStream(source, contentLength, () -> refuseAndAwaitCreate(object, deadline));
        RuntimeException failure = null;
        try {
            // With a known length the SDK reads the body once S3 has opened the upload: a create that fails (or the
            // deadline cuts) means it never will, and the write would wait 10 s for it, then call the source short.
            CompletableFuture.anyOf(read.subscribed, put).get(waitAfterFailure(deadline).toMillis(), TimeUnit.MILLISECONDS);
            if (read.subscribed.isDone()) {
                body.writeInputStream(counted);
            }
        } catch (ExecutionException e) {
            // the put failed before reading: its own error follows
        } catch (TimeoutException e) {
            failure = new Deadline.Exceeded("S3 had not started storing s3://" + object + " within the function's time.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = new IllegalStateException("Interrupted while uploading", e);
        } catch (RuntimeException e) {
            failure = e;
        }
        PutObjectResponse response = null;
        try {
            // After a failed write the SDK fails the request too; wait for it, so no upload starts after our abort.
            response = failure == null ? put.get(deadline.remaining().toMillis(), TimeUnit.MILLISECONDS)
                    : put.get(waitAfterFailure(deadline).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // S3's own error says more than the cancelled write it caused.
            if (failure == null || e.getCause() instanceof SdkException) {
                failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        } catch (TimeoutException e) {
            put.cancel(true);
            if (failure == null) {
                failure = new Deadline.Exceeded("S3 had not stored s3://" + object + " within the function's time; "
                        + "the upload was aborted.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = new IllegalStateException("Interrupted while uploading", e);
        }
        if (failure != null) {
            abortStarted(object, bucket, key, deadline);
            if (counted.failure != null) {
                throw new SourceReadException("Reading the source failed after " + counted.count
                        + " bytes: " + counted.failure.getMessage(), counted.failure);
            }
            if (read.subscribed.isDone() && contentLength >= 0 && counted.count < contentLength) {
                throw new SourceReadException("The source ended after " + counted.count + " of "
                        + contentLength + " bytes", new EOFException("short source"));
            }
            throw failure;
        }
        started.remove(object);
        String etag = response.eTag();
        boolean multipart = etag != null && etag.matches("\"?[0-9a-fA-F]+-\\d+\"?");
        return new StoredObject(bucket, key, counted.count, contentType, etag, multipart);
    }

    /** An object of known length up to one part: read into one part buffer and sent in one PutObject. */
    private StoredObject putWhole(String bucket, String key, InputStream source, int length, String contentType,
                                  Map<String, String> metadata, Deadline deadline) {
        byte[] bytes;
        try {
            bytes = source.readNBytes(length);
        } catch (IOException e) {
            throw new SourceReadException("Reading the source failed: " + e.getMessage(), e);
        }
        if (bytes.length < length) {
            throw new SourceReadException("The source ended after " + bytes.length + " of " + length + " bytes",
                    new EOFException("short source"));
        }
        PutObjectResponse response = sync.putObject(b -> b.bucket(bucket).key(key).contentType(contentType)
                .metadata(metadata).contentLength((long) length).overrideConfiguration(AwsTimeouts.within(deadline)),
                RequestBody.fromBytes(bytes));
        return new StoredObject(bucket, key, length, contentType, response.eTag(), false);
    }

    /**
     * Before a source's failure reaches the SDK: the upload of {@code object} being created or created is never
     * to be completed (refused as soon as its id is known, before the SDK learns it), and this waits (at most
     * {@link #waitAfterFailure}: 30 s, or to the deadline and its grace) until a CreateMultipartUpload on its way is answered.
     */
    private void refuseAndAwaitCreate(String object, Deadline deadline) {
        CompletableFuture<String> creating = started.get(object);
        if (creating == null) {
            return;
        }
        creating.thenAccept(this::refuse);
        try {
            creating.get(waitAfterFailure(deadline).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // abortStarted says so
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void abortStarted(String object, String bucket, String key, Deadline deadline) {
        CompletableFuture<String> creating = started.remove(object);
        String uploadId;
        Duration wait = waitAfterFailure(deadline);
        try {
            uploadId = creating == null ? null : creating.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.errorf("The multipart upload of s3://%s/%s was still being created %d ms after the failure; it is not aborted "
                    + "(the bucket's lifecycle rule aborts an upload left open)", bucket, key, wait.toMillis());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (uploadId == null) {
            return;
        }
        refuse(uploadId);
        try {
            // bounded like the waits above: after the deadline, an S3 slow to abort must not hold the answer
            sync.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .overrideConfiguration(o -> o.apiCallTimeout(wait)));
        } catch (NoSuchUploadException alreadyAborted) {
            // the SDK's own abort came first
        } catch (SdkException e) {
            // still refused: a CompleteMultipartUpload of the SDK's may yet come
            LOG.errorf("Could not abort multipart upload of s3://%s/%s (%s): %s", bucket, key, uploadId, e.getMessage());
            return;
        }
        refused.remove(uploadId);   // S3 refuses it from now on
    }

    /** How long a failed write waits for the SDK: 30 s, or to the deadline and its grace. */
    private static Duration waitAfterFailure(Deadline deadline) {
        return deadline.bounded() ? deadline.remaining().plus(GRACE_AFTER_DEADLINE) : Duration.ofSeconds(WAIT_AFTER_FAILURE_SECONDS);
    }

    /** The body as given to the SDK, telling when the SDK started reading it. */
    private static final class SubscribedBody implements AsyncRequestBody {
        private final AsyncRequestBody body;
        final CompletableFuture<Void> subscribed = new CompletableFuture<>();

        SubscribedBody(AsyncRequestBody body) {
            this.body = body;
        }

        @Override
        public Optional<Long> contentLength() {
            return body.contentLength();
        }

        @Override
        public String contentType() {
            return body.contentType();
        }

        @Override
        public void subscribe(Subscriber<? super ByteBuffer> subscriber) {
            body.subscribe(subscriber);
            subscribed.complete(null);
        }
    }

    private void refuse(String uploadId) {
        if (uploadId != null) {
            refused.add(uploadId);
        }
    }

    /** What S3 stored. */
    public record StoredObject(String bucket, String key, long size, String contentType, String etag, boolean multipart) {
    }

    /**
     * Raised when reading the source failed (a cut connection, a short body). Nothing was left in S3;
     * the caller may start again from the beginning of the source.
     */
    public static class SourceReadException extends UncheckedIOException {
        public SourceReadException(String message, IOException cause) {
            super(message, cause);
        }
    }

    /**
     * Counts the bytes read and remembers a read failure, so a cut source is told apart from an S3 failure.
     * Before it passes a failure (or a short end) on to the SDK, it lets {@code beforeFailing} refuse the upload's
     * completion and wait for a CreateMultipartUpload still on its way: told of the failure first, the SDK drops
     * that request's answer, and the upload S3 opens for it would be known to nobody (found by
     * S3StreamUploaderProperties).
     */
    private static final class CountingStream extends InputStream {
        private final InputStream in;
        private final long expected;
        private final Runnable beforeFailing;
        long count;
        IOException failure;

        CountingStream(InputStream in, long expected, Runnable beforeFailing) {
            this.in = in;
            this.expected = expected;
            this.beforeFailing = beforeFailing;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                int n = in.read(b, off, len);
                if (n > 0) {
                    count += n;
                } else if (n < 0 && expected >= 0 && count < expected) {
                    beforeFailing.run();
                }
                return n;
            } catch (IOException e) {
                failure = e;
                beforeFailing.run();
                throw e;
            }
        }
    }
}
