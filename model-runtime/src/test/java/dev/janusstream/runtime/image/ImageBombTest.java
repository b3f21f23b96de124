package dev.janusstream.runtime.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.janusstream.runtime.InvalidRequestException;
import dev.janusstream.runtime.InvalidRequestException.Code;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Images whose headers claim huge canvases, or lie (a small header in front of a huge bitstream),
 * in every accepted format: each is rejected (or decoded at its true small size) while the
 * decoding thread allocates at most a few MB, measured with the JVM's per-thread allocation
 * counter, so a decoder that sized a buffer from the lie would fail here even on a big heap.
 */
class ImageBombTest {
    static final ImageDecoder DECODER = new ImageDecoder(40_000_000L); // RuntimeOptions' default
    static final long MAX_ALLOCATED = 32L << 20;

    record Case(String name, byte[] bytes, Code code, int width) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case rejected(String name, byte[] bytes, Code code) {
        return new Case(name, bytes, code, 0);
    }

    static Case decoded(String name, byte[] bytes, int width) {
        return new Case(name, bytes, null, width);
    }

    private static int indexOf(byte[] b, int... pattern) {
        outer:
        for (int i = 0; i + pattern.length <= b.length; i++) {
            for (int k = 0; k < pattern.length; k++) {
                if ((b[i + k] & 0xFF) != pattern[k]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("pattern not found");
    }

    static byte[] jpegWithSof(int width, int height) {
        byte[] jpg = ImageFixtures.write(ImageFixtures.gradient(16, 16, BufferedImage.TYPE_3BYTE_BGR), "jpeg");
        int sof = indexOf(jpg, 0xFF, 0xC0);
        ByteBuffer.wrap(jpg).order(ByteOrder.BIG_ENDIAN).putShort(sof + 5, (short) height).putShort(sof + 7, (short) width);
        return jpg;
    }

    static byte[] bmpClaiming(int width, int height) {
        byte[] bmp = ImageFixtures.write(ImageFixtures.gradient(4, 4, BufferedImage.TYPE_3BYTE_BGR), "bmp");
        ByteBuffer.wrap(bmp).order(ByteOrder.LITTLE_ENDIAN).putInt(18, width).putInt(22, height);
        return bmp;
    }

    /** A GIF89a of 1x1 frames; {@code frames} gives each frame's claimed width and height. */
    static byte[] gif(int screenWidth, int screenHeight, int[]... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(13).order(ByteOrder.LITTLE_ENDIAN);
        h.put("GIF89a".getBytes(StandardCharsets.US_ASCII)).putShort((short) screenWidth).putShort((short) screenHeight)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        out.writeBytes(h.array());
        for (int[] f : frames) {
            ByteBuffer d = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            d.put((byte) 0x2C).putShort((short) 0).putShort((short) 0).putShort((short) f[0]).putShort((short) f[1])
                    .put((byte) 0x80); // local colour table of 2 entries
            out.writeBytes(d.array());
            out.writeBytes(new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255});
            out.writeBytes(new byte[] {2, 2, 0x44, 0x01, 0}); // LZW min code 2: clear, 0, end
        }
        out.write(0x3B);
        return out.toByteArray();
    }

    /** A real 8x8 PNG with an extra chunk after IHDR whose data inflates to {@code inflated} bytes of zeros. */
    static byte[] pngWithCompressedChunk(String type, int inflated) {
        byte[] png = ImageFixtures.write(ImageFixtures.gradient(8, 8, BufferedImage.TYPE_3BYTE_BGR), "png");
        java.util.zip.Deflater d = new java.util.zip.Deflater(9);
        d.setInput(new byte[1 << 20]);
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        for (int fed = 1; ; fed++) {
            while (!d.needsInput()) {
                z.write(buf, 0, d.deflate(buf));
            }
            if (fed == inflated >> 20) {
                break;
            }
            d.setInput(new byte[1 << 20]);
        }
        d.finish();
        while (!d.finished()) {
            z.write(buf, 0, d.deflate(buf));
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes((type.equals("iCCP") ? "icc" : "Comment").getBytes(StandardCharsets.US_ASCII));
        data.write(0); // keyword / profile name terminator
        data.write(0); // compression method: deflate
        data.writeBytes(z.toByteArray());
        byte[] payload = data.toByteArray();
        ByteBuffer chunk = ByteBuffer.allocate(12 + payload.length);
        chunk.putInt(payload.length).put(type.getBytes(StandardCharsets.US_ASCII)).put(payload);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(chunk.array(), 4, 4 + payload.length);
        chunk.putInt((int) crc.getValue());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, 33); // signature + IHDR
        out.writeBytes(chunk.array());
        out.write(png, 33, png.length - 33);
        return out.toByteArray();
    }

    static Stream<Case> cases() {
        byte[] smallVp8l = ImageFixtures.vp8lClaiming(1, 1);
        return Stream.of(
                rejected("JPEG SOF 65500x65500", jpegWithSof(65500, 65500), Code.IMAGE_TOO_LARGE),
                rejected("JPEG SOF 65500x1000", jpegWithSof(65500, 1000), Code.IMAGE_TOO_LARGE),
                rejected("BMP 60000x60000", bmpClaiming(60000, 60000), Code.IMAGE_TOO_LARGE),
                rejected("BMP 60000x-60000 (top-down)", bmpClaiming(60000, -60000), Code.IMAGE_TOO_LARGE),
                rejected("BMP 2^31-1 x 1", bmpClaiming(Integer.MAX_VALUE, 1), Code.IMAGE_TOO_LARGE),
                rejected("GIF frame 65535x65535", gif(1, 1, new int[] {65535, 65535}), Code.IMAGE_TOO_LARGE),
                decoded("GIF second frame 65535x65535", gif(1, 1, new int[] {1, 1}, new int[] {65535, 65535}), 1),
                decoded("PNG with a zTXt chunk inflating to 64 MB", pngWithCompressedChunk("zTXt", 64 << 20), 8),
                decoded("PNG with an iCCP profile inflating to 64 MB", pngWithCompressedChunk("iCCP", 64 << 20), 8),
                rejected("PNG 100000x100000", ImageFixtures.pngHeaderOnly(100_000, 100_000), Code.IMAGE_TOO_LARGE),
                rejected("PNG 2^31-1 x 2^31-1", ImageFixtures.pngHeaderOnly(Integer.MAX_VALUE, Integer.MAX_VALUE),
                        Code.IMAGE_TOO_LARGE),
                rejected("WebP VP8L 16384x16384", ImageFixtures.riffWebp("VP8L", ImageFixtures.vp8lClaiming(16384, 16384)),
                        Code.IMAGE_TOO_LARGE),
                rejected("WebP VP8 16383x16383", ImageFixtures.riffWebp("VP8 ", ImageFixtures.vp8Claiming(16383, 16383)),
                        Code.IMAGE_TOO_LARGE),
                rejected("WebP VP8X canvas 2^24 x 2^24", ImageFixtures.riffWebp("VP8X",
                        ImageFixtures.vp8x(0, 1 << 24, 1 << 24), "VP8L", smallVp8l), Code.IMAGE_TOO_LARGE),
                rejected("WebP VP8X canvas 4x4 around VP8L 16384x16384", ImageFixtures.riffWebp("VP8X",
                        ImageFixtures.vp8x(0, 4, 4), "VP8L", ImageFixtures.vp8lClaiming(16384, 16384)), null),
                rejected("WebP VP8X canvas 4x4 around VP8 16383x16383", ImageFixtures.riffWebp("VP8X",
                        ImageFixtures.vp8x(0, 4, 4), "VP8 ", ImageFixtures.vp8Claiming(16383, 16383)), null),
                rejected("WebP animation frame 16777216x16777216 on a 4x4 canvas", ImageFixtures.riffWebp("VP8X",
                        ImageFixtures.vp8x(0x02, 4, 4), "ANIM", new byte[6], "ANMF", anmf(1 << 24, 1 << 24, smallVp8l)),
                        null));
    }

    /** An ANMF payload: offset 0,0, the claimed frame size, then a VP8L chunk. */
    static byte[] anmf(int width, int height, byte[] vp8l) {
        ByteBuffer p = ByteBuffer.allocate(16 + 8 + vp8l.length + (vp8l.length & 1)).order(ByteOrder.LITTLE_ENDIAN);
        p.put(new byte[6]);
        int w = width - 1;
        int h = height - 1;
        p.put((byte) w).put((byte) (w >> 8)).put((byte) (w >> 16)).put((byte) h).put((byte) (h >> 8)).put((byte) (h >> 16));
        p.put(new byte[4]);
        p.put("VP8L".getBytes(StandardCharsets.US_ASCII)).putInt(vp8l.length).put(vp8l);
        return p.array();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostileHeaderIsHandledWithoutALargeAllocation(Case c) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        DECODER.decode(ImageFixtures.write(ImageFixtures.gradient(2, 2, BufferedImage.TYPE_3BYTE_BGR), "png")); // warm
        long before = threads.getThreadAllocatedBytes(tid);
        RgbImage img = null;
        InvalidRequestException error = null;
        try {
            img = DECODER.decode(c.bytes());
        } catch (InvalidRequestException e) {
            error = e;
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < MAX_ALLOCATED, c + ": decoding allocated " + allocated + " bytes");
        if (c.width() > 0) {
            if (error != null) {
                fail(c + ": expected a " + c.width() + "-pixel-wide image, got " + error.getMessage());
            }
            assertEquals(c.width(), img.width(), c.toString());
        } else {
            if (error == null) {
                fail(c + ": decoded to " + img.width() + "x" + img.height() + " instead of being rejected");
            }
            if (c.code() != null) {
                assertEquals(c.code(), error.code(), c + ": " + error.getMessage());
            }
        }
    }
}
