package io.fptrfunctions.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulated storage service's files: each blob is a temp file, written from a stream and served as
 * a stream, so a 512 MiB image never sits in the heap. Blobs are never changed, only replaced by new
 * ones (a new upload is a new blob with a new URL path, as on FPTR's S3).
 */
public final class SimBlobs {

    /** One stored file. {@code md5} is the S3-style ETag of its bytes. */
    public record Blob(String id, Path path, String filename, String contentType, long size, String md5) {
    }

    private final Path dir;
    private final AtomicLong sequence = new AtomicLong();
    private final Map<String, Blob> blobs = new ConcurrentHashMap<>();

    public SimBlobs() {
        try {
            dir = Files.createTempDirectory("fptr-sim-blobs-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        dir.toFile().deleteOnExit();
    }

    /** Streams {@code bytes} to a new temp file; {@code length} (when not negative) must match what arrives. */
    public Blob store(InputStream bytes, long length, String filename, String contentType) throws IOException {
        String id = String.format("%06d%s", sequence.incrementAndGet(), Long.toHexString(System.nanoTime() & 0xffffff));
        Path path = dir.resolve(id);
        MessageDigest md5 = md5();
        long size = 0;
        try (OutputStream out = Files.newOutputStream(path)) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = bytes.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                md5.update(buffer, 0, n);
                size += n;
            }
        } catch (IOException e) {
            Files.deleteIfExists(path);
            throw e;
        }
        if (length >= 0 && size != length) {
            Files.deleteIfExists(path);
            throw new IOException("Expected " + length + " bytes, got " + size);
        }
        path.toFile().deleteOnExit();
        Blob blob = new Blob(id, path, safeName(filename), contentType, size, HexFormat.of().formatHex(md5.digest()));
        blobs.put(id, blob);
        return blob;
    }

    public Blob store(byte[] bytes, String filename, String contentType) {
        try {
            return store(new java.io.ByteArrayInputStream(bytes), bytes.length, filename, contentType);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One new blob holding {@code parts} one after another (a completed multipart upload), streamed. */
    public Blob concat(java.util.List<Blob> parts, String filename, String contentType) throws IOException {
        java.util.List<InputStream> streams = new java.util.ArrayList<>();
        for (Blob part : parts) {
            streams.add(Files.newInputStream(part.path()));
        }
        try (InputStream all = new java.io.SequenceInputStream(java.util.Collections.enumeration(streams))) {
            return store(all, -1, filename, contentType);
        }
    }

    public Blob get(String id) {
        return blobs.get(id);
    }

    public java.util.Set<String> ids() {
        return java.util.Set.copyOf(blobs.keySet());
    }

    /** Forgets one blob and deletes its file. */
    public void delete(String id) {
        Blob blob = blobs.remove(id);
        if (blob != null) {
            try {
                Files.deleteIfExists(blob.path());
            } catch (IOException ignored) {
                // a temp file; deleteOnExit is the backstop
            }
        }
    }

    /** Forgets every blob and deletes its file. */
    public void clear() {
        for (Blob blob : blobs.values()) {
            try {
                Files.deleteIfExists(blob.path());
            } catch (IOException ignored) {
                // a temp file; deleteOnExit is the backstop
            }
        }
        blobs.clear();
    }

    /** A file name safe in a URL path segment: letters, digits, dot, dash, underscore. */
    static String safeName(String filename) {
        String name = filename == null || filename.isBlank() ? "file" : filename;
        name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isEmpty() || safe.startsWith(".") ? "file" + safe : safe;
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
