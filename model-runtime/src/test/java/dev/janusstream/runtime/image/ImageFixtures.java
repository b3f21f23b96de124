package dev.janusstream.runtime.image;

import com.twelvemonkeys.imageio.color.ColorSpaces;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Small test images written with ImageIO, or assembled byte by byte where ImageIO cannot write. */
final class ImageFixtures {
    private ImageFixtures() {}

    /** A w x h picture: R = 4x, G = 6y, B = 3(x+y) (mod 256; smooth up to 64 x 42). */
    static BufferedImage gradient(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (255 << 24) | (4 * x % 256) << 16 | (6 * y % 256) << 8 | (3 * (x + y) % 256));
            }
        }
        return img;
    }

    static byte[] write(BufferedImage img, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format + " / " + img.getType());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * An Adobe CMYK JPEG (APP14 marker, as Photoshop writes them) of w x h whose pixel (x, y) has the
     * ink values {@code cmyk.apply(x, y)}.
     */
    static byte[] cmykJpeg(int w, int h, java.util.function.BiFunction<Integer, Integer, int[]> cmyk) {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.setPixel(x, y, cmyk.apply(x, y));
            }
        }
        ColorSpace cs = ColorSpaces.getColorSpace(ColorSpaces.CS_GENERIC_CMYK);
        BufferedImage img = new BufferedImage(
                new ComponentColorModel(cs, false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE), r, false, null);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream o = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(o);
            // the default metadata for a CMYK image type carries the Adobe marker
            IIOMetadata md = writer.getDefaultImageMetadata(new ImageTypeSpecifier(img), null);
            writer.write(null, new IIOImage(img, null, md), writer.getDefaultWriteParam());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** A PNG that is only a signature and an IHDR claiming width x height (8-bit RGB), plus IEND. */
    static byte[] pngHeaderOnly(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).order(ByteOrder.BIG_ENDIAN);
        ihdr.putInt(width).putInt(height).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /**
     * A lossless WebP (VP8L) of width x 1 pixels whose green channel is 0 where {@code bits[x]} is 0 and
     * 255 where it is 1; red = 200, blue = 10, alpha = 255. ImageIO has no WebP writer, so the
     * bitstream is assembled here (WebP lossless spec): no transforms, no colour cache, no meta
     * codes, five "simple" prefix codes: green with two 1-bit symbols {0, 255}, the others with a
     * single zero-length symbol, so each pixel costs one bit.
     */
    static byte[] losslessWebp(int[] bits, int height) {
        int width = bits.length;
        BitWriter b = new BitWriter();
        b.write(0x2f, 8); // VP8L signature
        b.write(width - 1, 14);
        b.write(height - 1, 14);
        b.write(0, 1); // alpha_is_used (hint)
        b.write(0, 3); // version
        b.write(0, 1); // no transform
        b.write(0, 1); // no colour cache
        b.write(0, 1); // no meta prefix codes
        // green: simple code, 2 symbols, first symbol 8 bits wide
        b.write(1, 1);
        b.write(1, 1);
        b.write(1, 1);
        b.write(0, 8);
        b.write(255, 8);
        simpleSingle(b, 200); // red
        simpleSingle(b, 10); // blue
        simpleSingle(b, 255); // alpha
        simpleSingle(b, 0); // distance
        for (int y = 0; y < height; y++) {
            for (int x : bits) {
                b.write(x, 1); // canonical code: symbol 0 -> bit 0, symbol 255 -> bit 1
            }
        }
        byte[] vp8l = b.toBytes();
        int chunk = vp8l.length + (vp8l.length & 1);
        ByteBuffer f = ByteBuffer.allocate(20 + chunk).order(ByteOrder.LITTLE_ENDIAN);
        f.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(12 + chunk).put("WEBP".getBytes(StandardCharsets.US_ASCII));
        f.put("VP8L".getBytes(StandardCharsets.US_ASCII)).putInt(vp8l.length).put(vp8l);
        return f.array();
    }

    /** A VP8L bitstream (without RIFF framing) that claims {@code width x height} and holds 4 more bytes. */
    static byte[] vp8lClaiming(int width, int height) {
        BitWriter b = new BitWriter();
        b.write(0x2f, 8);
        b.write(width - 1, 14);
        b.write(height - 1, 14);
        b.write(0, 1);
        b.write(0, 3);
        for (int i = 0; i < 4; i++) {
            b.write(0, 8);
        }
        return b.toBytes();
    }

    /** A RIFF/WEBP file of the given chunks ({@code fourcc, payload} pairs). */
    static byte[] riffWebp(Object... chunks) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes("WEBP".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < chunks.length; i += 2) {
            byte[] payload = (byte[]) chunks[i + 1];
            ByteBuffer h = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            h.put(((String) chunks[i]).getBytes(StandardCharsets.US_ASCII)).putInt(payload.length);
            body.writeBytes(h.array());
            body.writeBytes(payload);
            if ((payload.length & 1) == 1) {
                body.write(0);
            }
        }
        byte[] b = body.toByteArray();
        ByteBuffer f = ByteBuffer.allocate(8 + b.length).order(ByteOrder.LITTLE_ENDIAN);
        f.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(b.length).put(b);
        return f.array();
    }

    /** A VP8X chunk payload: flags, then canvas width-1 and height-1 as 24-bit values. */
    static byte[] vp8x(int flags, int canvasWidth, int canvasHeight) {
        ByteBuffer p = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        p.put((byte) flags).put(new byte[3]);
        int w = canvasWidth - 1;
        int h = canvasHeight - 1;
        p.put((byte) w).put((byte) (w >> 8)).put((byte) (w >> 16));
        p.put((byte) h).put((byte) (h >> 8)).put((byte) (h >> 16));
        return p.array();
    }

    /** A lossy VP8 key-frame header claiming {@code width x height} (14 bits each), with no frame data after it. */
    static byte[] vp8Claiming(int width, int height) {
        ByteBuffer p = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        int partition = 10;
        int tag = 0 /* key frame */ | (0 << 1) | (1 << 4) /* show */ | (partition << 5);
        p.put((byte) tag).put((byte) (tag >> 8)).put((byte) (tag >> 16));
        p.put((byte) 0x9d).put((byte) 0x01).put((byte) 0x2a);
        p.putShort((short) width).putShort((short) height);
        return p.array();
    }

    private static void simpleSingle(BitWriter b, int symbol) {
        b.write(1, 1); // simple
        b.write(0, 1); // one symbol
        b.write(1, 1); // 8-bit symbol
        b.write(symbol, 8);
    }

    /** LSB-first bit packing, as the VP8L reader consumes bits. */
    private static final class BitWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int acc;
        private int n;

        void write(int value, int bits) {
            for (int i = 0; i < bits; i++) {
                acc |= ((value >>> i) & 1) << n;
                if (++n == 8) {
                    out.write(acc);
                    acc = 0;
                    n = 0;
                }
            }
        }

        byte[] toBytes() {
            if (n > 0) {
                out.write(acc);
                acc = 0;
                n = 0;
            }
            return out.toByteArray();
        }
    }
}
