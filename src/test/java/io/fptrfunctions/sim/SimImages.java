package io.fptrfunctions.sim;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Pictures the simulator makes itself: the seed's images (small generated PNGs) and the thumbnail FPTR
 * derives from every upload: the image scaled to fit {@value #THUMBNAIL_EDGE} px as a JPEG when it can be
 * decoded (and is not huge), otherwise a fixed 16x16 grey JPEG, as FPTR shows for files it cannot render.
 */
final class SimImages {

    static {
        // No display in tests or on a build box; AWT must not look for one.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    static final int THUMBNAIL_EDGE = 256;
    /** Files above this, or pictures above this many pixels, are not decoded: the fixed JPEG stands in. */
    private static final long MAX_DECODE_BYTES = 64L * 1024 * 1024;
    private static final long MAX_DECODE_PIXELS = 8192L * 8192;

    private static final byte[] PLACEHOLDER_JPEG = jpeg(solid(16, 16, new Color(128, 128, 128)));
    private static final byte[] TRANSIENT_PNG = png(solid(16, 16, new Color(200, 200, 200)));

    private SimImages() {
    }

    /** FPTR's "thumbnail pending" picture. */
    static byte[] transientPng() {
        return TRANSIENT_PNG.clone();
    }

    /** A small PNG that differs with {@code label}: a two-colour gradient and a band, no text (no fonts needed). */
    static byte[] generatedPng(String label, int width, int height) {
        int h = label.hashCode();
        Color a = new Color(h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff);
        Color b = new Color(255 - a.getRed(), 255 - a.getGreen(), 255 - a.getBlue());
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < width; x++) {
            float t = width == 1 ? 0 : x / (float) (width - 1);
            int rgb = new Color(mix(a.getRed(), b.getRed(), t), mix(a.getGreen(), b.getGreen(), t), mix(a.getBlue(), b.getBlue(), t)).getRGB();
            for (int y = 0; y < height; y++) {
                img.setRGB(x, y, rgb);
            }
        }
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        int band = Math.max(1, height / 6);
        g.fillRect(0, ((h >>> 24) & 0x7f) * (height - band) / 127, width, band);
        g.dispose();
        return png(img);
    }

    /** The thumbnail of the file at {@code original}: scaled JPEG, or the fixed grey JPEG when it cannot be decoded. */
    static byte[] thumbnailOf(Path original) {
        try {
            BufferedImage decoded = decodeSmall(original);
            if (decoded == null) {
                return PLACEHOLDER_JPEG.clone();
            }
            double scale = Math.min(1.0, THUMBNAIL_EDGE / (double) Math.max(decoded.getWidth(), decoded.getHeight()));
            int w = Math.max(1, (int) Math.round(decoded.getWidth() * scale));
            int hgt = Math.max(1, (int) Math.round(decoded.getHeight() * scale));
            BufferedImage out = new BufferedImage(w, hgt, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = out.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, hgt);
            g.drawImage(decoded, 0, 0, w, hgt, null);
            g.dispose();
            return jpeg(out);
        } catch (IOException | RuntimeException e) {
            return PLACEHOLDER_JPEG.clone();
        }
    }

    /** Decodes with subsampling so no more than about 1024 px per side is ever in memory; null when not an image. */
    private static BufferedImage decodeSmall(Path file) throws IOException {
        if (Files.size(file) > MAX_DECODE_BYTES) {
            return null;
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                return null;
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w * h > MAX_DECODE_PIXELS) {
                    return null;
                }
                ImageReadParam param = reader.getDefaultReadParam();
                int step = (int) Math.max(1, Math.max(w, h) / 1024);
                param.setSourceSubsampling(step, step, 0, 0);
                return reader.read(0, param);
            } finally {
                reader.dispose();
            }
        }
    }

    static String contentTypeFor(String filename) {
        String lower = filename == null ? "" : filename.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".png")) {
            return "image/png";
        }
        if (lower.endsWith(".jpg") || lower.endsWith(".jpeg")) {
            return "image/jpeg";
        }
        if (lower.endsWith(".gif")) {
            return "image/gif";
        }
        if (lower.endsWith(".mov")) {
            return "video/quicktime";
        }
        if (lower.endsWith(".mp4")) {
            return "video/mp4";
        }
        if (lower.endsWith(".pdf")) {
            return "application/pdf";
        }
        return "application/octet-stream";
    }

    private static int mix(int from, int to, float t) {
        return Math.round(from + (to - from) * t);
    }

    private static BufferedImage solid(int w, int h, Color c) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return img;
    }

    private static byte[] png(BufferedImage img) {
        return encode(img, "png");
    }

    private static byte[] jpeg(BufferedImage img) {
        return encode(img, "jpg");
    }

    private static byte[] encode(BufferedImage img, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
