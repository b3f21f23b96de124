package dev.janusstream.runtime.image;

import dev.janusstream.runtime.InvalidRequestException;
import dev.janusstream.runtime.InvalidRequestException.Code;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes user-supplied image bytes (JPEG, PNG, GIF first frame, BMP, WebP) to RGB with ImageIO and
 * the TwelveMonkeys plugins. The size is read from the header before any pixel is decoded, so a
 * small file that claims a huge canvas (a decompression bomb) is rejected without allocating it;
 * for WebP every frame and bitstream header is checked too ({@link WebpChunks}), since the
 * decoder sizes its buffers from those rather than from the canvas.
 * Thread-safe: every call uses its own reader.
 */
public final class ImageDecoder {
    /** Formats accepted from users; ImageIO can read more (TIFF, WBMP) but they are not part of the API. */
    private static final Set<String> FORMATS = Set.of("jpeg", "png", "gif", "bmp", "webp");

    static {
        // ImageIO registers plugins from the class path of whoever touched it first; under a child-first
        // class loader (Flink user code) the TwelveMonkeys readers can be missing, so rescan once.
        if (!ImageIO.getImageReadersByFormatName("webp").hasNext()) {
            ImageIO.scanForPlugins();
        }
    }

    private final long maxPixels;
    private final boolean exifOrientation;

    /** Turns images upright per their EXIF orientation; see {@link #ImageDecoder(long, boolean)}. */
    public ImageDecoder(long maxPixels) {
        this(maxPixels, true);
    }

    /**
     * @param maxPixels largest width * height accepted (e.g. {@code RuntimeOptions.maxImagePixels()})
     * @param exifOrientation true: pixels come out as a photo viewer shows them, turned per the
     *     file's EXIF Orientation tag ({@link ExifOrientation}); false: as stored, ignoring the tag
     *     (what the official Janus code does: PIL's {@code Image.open} does not apply it)
     */
    public ImageDecoder(long maxPixels, boolean exifOrientation) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be >= 1, got " + maxPixels);
        }
        this.maxPixels = maxPixels;
        this.exifOrientation = exifOrientation;
    }

    public long maxPixels() {
        return maxPixels;
    }

    /**
     * @throws InvalidRequestException IMAGE_EMPTY (no bytes), IMAGE_TOO_LARGE (more than maxPixels
     *     pixels), IMAGE_UNDECODABLE (unknown format, truncated or corrupt data)
     */
    public RgbImage decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidRequestException(Code.IMAGE_EMPTY, "image is empty (0 bytes)");
        }
        // A memory cache: ImageIO.createImageInputStream may spill to temp files.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = readerFor(in, bytes.length);
            try {
                if (format(reader).equals("webp")) {
                    checkWebpBitstreams(bytes);
                }
                RgbImage stored = read(reader, in);
                return exifOrientation ? ExifOrientation.upright(stored, ExifOrientation.read(bytes)) : stored;
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            // Only close() can get here; the bytes are in memory.
            throw new InvalidRequestException(Code.IMAGE_UNDECODABLE, "cannot read image: " + e.getMessage(), e);
        }
    }

    /** The canvas checked below is not what the WebP decoder allocates from: check every size the file claims. */
    private void checkWebpBitstreams(byte[] bytes) {
        long claimed = WebpChunks.largestClaimedPixels(bytes);
        if (claimed > maxPixels) {
            throw new InvalidRequestException(Code.IMAGE_TOO_LARGE, "webp image claims a frame or bitstream of "
                    + claimed + " pixels, more than the limit of " + maxPixels);
        }
    }

    private static ImageReader readerFor(ImageInputStream in, int length) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new InvalidRequestException(Code.IMAGE_UNDECODABLE,
                    "not a recognised image (" + length + " bytes; JPEG, PNG, GIF, BMP or WebP expected)");
        }
        ImageReader r = readers.next();
        String format = format(r);
        if (!FORMATS.contains(format)) {
            r.dispose();
            throw new InvalidRequestException(Code.IMAGE_UNDECODABLE,
                    "unsupported image format '" + format + "' (JPEG, PNG, GIF, BMP or WebP)");
        }
        return r;
    }

    private RgbImage read(ImageReader reader, ImageInputStream in) {
        String format = format(reader);
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        int width;
        int height;
        BufferedImage img;
        try {
            reader.setInput(in, true, true);
            width = reader.getWidth(0);
            height = reader.getHeight(0);
            if (width < 1 || height < 1) {
                throw new InvalidRequestException(Code.IMAGE_UNDECODABLE,
                        format + " image has no pixels (" + width + "x" + height + ")");
            }
            if ((long) width * height > maxPixels) {
                throw new InvalidRequestException(Code.IMAGE_TOO_LARGE, format + " image is " + width + "x" + height
                        + " = " + (long) width * height + " pixels, more than the limit of " + maxPixels);
            }
            img = reader.read(0);
        } catch (InvalidRequestException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Decoders report truncated or corrupt data as IIOException, EOFException or, for some
            // corrupt inputs, as unchecked exceptions (IndexOutOfBounds, IllegalArgument...).
            throw new InvalidRequestException(Code.IMAGE_UNDECODABLE,
                    "corrupt or truncated " + format + " image: " + describe(e), e);
        }
        // libjpeg-style decoders fill a truncated image with grey and only warn; Pillow (which the
        // model was trained with) refuses such files, and so do we.
        for (String w : warnings) {
            String l = w.toLowerCase(Locale.ROOT);
            if (l.contains("premature end") || l.contains("truncat") || l.contains("corrupt")) {
                throw new InvalidRequestException(Code.IMAGE_UNDECODABLE,
                        "corrupt or truncated " + format + " image: " + w);
            }
        }
        if (img.getWidth() != width || img.getHeight() != height) {
            throw new InvalidRequestException(Code.IMAGE_UNDECODABLE, format + " header says " + width + "x" + height
                    + " but " + img.getWidth() + "x" + img.getHeight() + " was decoded");
        }
        return RgbConversion.toRgb(img);
    }

    private static String format(ImageReader r) {
        try {
            String f = r.getFormatName().toLowerCase(Locale.ROOT);
            return f.equals("jpg") ? "jpeg" : f;
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        Throwable c = e.getCause();
        String s = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        return c == null || c == e ? s : s + " (" + describe(c) + ")";
    }
}
