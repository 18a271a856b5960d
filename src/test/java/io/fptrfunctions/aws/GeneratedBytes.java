package io.fptrfunctions.aws;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A deterministic pseudo-random byte source of any length that never exists in memory as a whole,
 * optionally failing like a cut connection after a number of bytes. Tests compare digests.
 */
public final class GeneratedBytes extends InputStream {

    private final long length;
    private final long failAfter;
    private long position;
    private long state;

    private GeneratedBytes(long seed, long length, long failAfter) {
        this.length = length;
        this.failAfter = failAfter;
        this.state = seed * 0x9E3779B97F4A7C15L + 1;
    }

    public static GeneratedBytes of(long seed, long length) {
        return new GeneratedBytes(seed, length, -1);
    }

    /** Throws an IOException once {@code failAfter} bytes have been read. */
    public static GeneratedBytes cutAfter(long seed, long length, long failAfter) {
        return new GeneratedBytes(seed, length, failAfter);
    }

    public long position() {
        return position;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (failAfter >= 0 && position >= failAfter) {
            throw new IOException("connection cut after " + position + " bytes (test)");
        }
        if (position >= length) {
            return -1;
        }
        long limit = failAfter >= 0 ? Math.min(length, failAfter) : length;
        int n = (int) Math.min(len, limit - position);
        for (int i = 0; i < n; i++) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            b[off + i] = (byte) state;
        }
        position += n;
        return n;
    }

    /** SHA-256 of the first {@code length} bytes of the stream for {@code seed}. */
    public static String sha256(long seed, long length) {
        try {
            return sha256(of(seed, length));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256(InputStream in) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
