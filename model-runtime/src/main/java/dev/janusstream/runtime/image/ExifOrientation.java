package dev.janusstream.runtime.image;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEG;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * The EXIF Orientation tag (TIFF tag 274) of an image file, and the transform that shows the
 * stored pixels the way a photo viewer does. Read from a JPEG's APP1 "Exif" segment, a PNG's
 * {@code eXIf} chunk or a WebP's {@code EXIF} chunk with TwelveMonkeys' TIFF metadata reader.
 *
 * <p>Values (the EXIF 2.3 table, and what Pillow's {@code ImageOps.exif_transpose} does):
 * 1 as stored, 2 mirrored left-right, 3 rotated 180°, 4 mirrored top-bottom, 5 transposed (mirrored
 * along the main diagonal), 6 rotated 90° clockwise, 7 transversed (mirrored along the other
 * diagonal), 8 rotated 90° counter-clockwise. 5–8 swap width and height.
 */
public final class ExifOrientation {
    public static final int NORMAL = 1;

    private ExifOrientation() {}

    /**
     * The orientation the file declares, 1..8; {@link #NORMAL} when it has no EXIF data, no
     * orientation tag, an out-of-range value or unreadable metadata (metadata never fails a decode).
     */
    public static int read(byte[] file) {
        try {
            byte[] tiff = exifTiff(file);
            if (tiff == null) {
                return NORMAL;
            }
            try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(tiff))) {
                Directory ifd0 = new TIFFReader().read(in);
                Entry e = ifd0.getEntryById(TIFF.TAG_ORIENTATION);
                if (e == null || !(e.getValue() instanceof Number n)) {
                    return NORMAL;
                }
                int v = n.intValue();
                return v >= 1 && v <= 8 ? v : NORMAL;
            }
        } catch (IOException | RuntimeException e) {
            return NORMAL;
        }
    }

    /** {@code img} as a viewer shows it under {@code orientation} (1..8); a new image unless 1. */
    public static RgbImage upright(RgbImage img, int orientation) {
        if (orientation == NORMAL) {
            return img;
        }
        if (orientation < 1 || orientation > 8) {
            throw new IllegalArgumentException("EXIF orientation must be 1..8, got " + orientation);
        }
        int w = img.width(), h = img.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        byte[] src = img.rgb();
        byte[] dst = new byte[src.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx, sy; // the stored pixel shown at (x, y)
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; } // 8
                }
                System.arraycopy(src, (sy * w + sx) * 3, dst, (y * ow + x) * 3, 3);
            }
        }
        return new RgbImage(ow, oh, dst);
    }

    /** The TIFF structure ("II*\0" / "MM\0*" ...) holding the file's EXIF IFD0, or null. */
    static byte[] exifTiff(byte[] f) throws IOException {
        if (f.length > 3 && (f[0] & 0xFF) == 0xFF && (f[1] & 0xFF) == 0xD8) {
            return jpegExif(f);
        }
        if (f.length > 8 && (f[0] & 0xFF) == 0x89 && f[1] == 'P' && f[2] == 'N' && f[3] == 'G') {
            return pngExif(f);
        }
        if (f.length > 12 && ascii(f, 0, 4).equals("RIFF") && ascii(f, 8, 4).equals("WEBP")) {
            return webpExif(f);
        }
        return null;
    }

    private static byte[] jpegExif(byte[] f) throws IOException {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(f))) {
            List<JPEGSegment> segments = JPEGSegmentUtil.readSegments(in, JPEG.APP1, "Exif");
            if (segments.isEmpty()) {
                return null;
            }
            try (InputStream data = segments.get(0).data()) { // after "Exif\0"; one pad byte follows
                byte[] b = data.readAllBytes();
                int from = b.length > 0 && b[0] == 0 ? 1 : 0;
                return java.util.Arrays.copyOfRange(b, from, b.length);
            }
        }
    }

    /** PNG: the eXIf chunk (PNG 1.5 extension), which holds the TIFF structure as it is. */
    private static byte[] pngExif(byte[] f) {
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.BIG_ENDIAN);
        int pos = 8;
        while (pos + 8 <= f.length) {
            long len = b.getInt(pos) & 0xFFFFFFFFL;
            String type = ascii(f, pos + 4, 4);
            if (pos + 12 + len > f.length) {
                return null;
            }
            if (type.equals("eXIf")) {
                return java.util.Arrays.copyOfRange(f, pos + 8, pos + 8 + (int) len);
            }
            if (type.equals("IEND")) {
                return null;
            }
            pos += 12 + (int) len;
        }
        return null;
    }

    /** WebP (extended format): the EXIF chunk, a TIFF structure (some writers prefix "Exif\0\0"). */
    private static byte[] webpExif(byte[] f) {
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        int pos = 12;
        while (pos + 8 <= f.length) {
            long len = b.getInt(pos + 4) & 0xFFFFFFFFL;
            if (pos + 8 + len > f.length) {
                return null;
            }
            if (ascii(f, pos, 4).equals("EXIF")) {
                int from = pos + 8;
                if (len >= 6 && ascii(f, from, 4).equals("Exif")) {
                    from += 6;
                }
                return java.util.Arrays.copyOfRange(f, from, pos + 8 + (int) len);
            }
            pos += 8 + (int) ((len + 1) & ~1L);
        }
        return null;
    }

    private static String ascii(byte[] f, int from, int n) {
        return from + n <= f.length ? new String(f, from, n, StandardCharsets.ISO_8859_1) : "";
    }
}
