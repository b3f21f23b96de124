package dev.janusstream.runtime.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The eight EXIF orientations reach the model upright, pixel-exact against the upright original.
 *
 * <p>For each orientation the stored pixels are laid out from the upright original using the EXIF
 * specification's own wording of the tag ("where the 0th row and the 0th column of the stored
 * image are shown"), independently of {@link ExifOrientation#upright}; then encoded losslessly:
 * <ul>
 *   <li>as JPEG with an APP1 Exif segment: a greyscale image of constant 8×8 blocks at quality
 *       100, which JPEG reproduces exactly (a constant block has only a DC coefficient; the test
 *       checks that the stored pixels decode exactly before relying on it);</li>
 *   <li>as PNG with an {@code eXIf} chunk: arbitrary RGB pixels, every pixel different.</li>
 * </ul>
 * Width ≠ height, so a transform that forgets to swap them fails; a transform off by one pixel
 * fails at every block edge (JPEG) or every pixel (PNG).
 */
class ExifOrientationTest {
    static final ImageDecoder UPRIGHT = new ImageDecoder(1_000_000L);
    static final ImageDecoder AS_STORED = new ImageDecoder(1_000_000L, false);

    /** EXIF 2.3, tag 274: side of the displayed image where the stored 0th row / 0th column appear. */
    enum Side { TOP, BOTTOM, LEFT, RIGHT }

    static final Side[][] SPEC = {
        null,
        {Side.TOP, Side.LEFT},     // 1
        {Side.TOP, Side.RIGHT},    // 2
        {Side.BOTTOM, Side.RIGHT}, // 3
        {Side.BOTTOM, Side.LEFT},  // 4
        {Side.LEFT, Side.TOP},     // 5
        {Side.RIGHT, Side.TOP},    // 6
        {Side.RIGHT, Side.BOTTOM}, // 7
        {Side.LEFT, Side.BOTTOM},  // 8
    };

    /** The stored image whose display under {@code orientation} is {@code upright}. */
    static RgbImage stored(RgbImage upright, int orientation) {
        Side rowSide = SPEC[orientation][0], colSide = SPEC[orientation][1];
        boolean swap = rowSide == Side.LEFT || rowSide == Side.RIGHT;
        int w = swap ? upright.height() : upright.width(), h = swap ? upright.width() : upright.height();
        int dw = upright.width(), dh = upright.height();
        byte[] px = new byte[w * h * 3];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int x = 0, y = 0;
                switch (rowSide) { // stored row r lies along this side, r steps away from it
                    case TOP -> y = r;
                    case BOTTOM -> y = dh - 1 - r;
                    case LEFT -> x = r;
                    case RIGHT -> x = dw - 1 - r;
                }
                switch (colSide) { // stored column c lies along this side, c steps away from it
                    case LEFT -> x = c;
                    case RIGHT -> x = dw - 1 - c;
                    case TOP -> y = c;
                    case BOTTOM -> y = dh - 1 - c;
                }
                System.arraycopy(upright.rgb(), (y * dw + x) * 3, px, (r * w + c) * 3, 3);
            }
        }
        return new RgbImage(w, h, px);
    }

    /** 48×32 grey, a distinct level per 8×8 block: JPEG-exact at quality 100. */
    static RgbImage blockGrey() {
        int w = 48, h = 32;
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = 20 + 9 * ((y / 8) * (w / 8) + x / 8);
                px[(y * w + x) * 3] = px[(y * w + x) * 3 + 1] = px[(y * w + x) * 3 + 2] = (byte) v;
            }
        }
        return new RgbImage(w, h, px);
    }

    /** 7×5 RGB, every pixel different. */
    static RgbImage distinctRgb() {
        int w = 7, h = 5;
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            px[i * 3] = (byte) (i * 7);
            px[i * 3 + 1] = (byte) (255 - i * 5);
            px[i * 3 + 2] = (byte) (i * 13 % 256);
        }
        return new RgbImage(w, h, px);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void jpegReachesTheModelUpright(int orientation) throws Exception {
        RgbImage original = blockGrey();
        RgbImage stored = stored(original, orientation);
        byte[] plain = greyJpeg(stored);
        assertEquals(stored, AS_STORED.decode(plain), "fixture: block-constant grey JPEG at quality 100 decodes exactly");
        byte[] tagged = withJpegExif(plain, tiffWithOrientation(orientation, orientation % 2 == 0));

        assertEquals(orientation, ExifOrientation.read(tagged));
        assertEquals(original, UPRIGHT.decode(tagged), "orientation " + orientation + " upright");
        assertEquals(stored, AS_STORED.decode(tagged), "orientation " + orientation + " kept as stored on request");
        assertModelInputsEqual(original, UPRIGHT.decode(tagged));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void pngWithExifChunkReachesTheModelUpright(int orientation) {
        RgbImage original = distinctRgb();
        RgbImage stored = stored(original, orientation);
        byte[] tagged = withPngExif(rgbPng(stored), tiffWithOrientation(orientation, orientation % 2 == 1));

        assertEquals(orientation, ExifOrientation.read(tagged));
        assertEquals(original, UPRIGHT.decode(tagged), "orientation " + orientation + " upright");
        assertEquals(stored, AS_STORED.decode(tagged), "orientation " + orientation + " kept as stored on request");
    }

    @Test
    void noOrAbsurdOrientationLeavesTheImageAsStored() throws Exception {
        RgbImage img = blockGrey();
        byte[] plain = greyJpeg(img);
        assertEquals(ExifOrientation.NORMAL, ExifOrientation.read(plain));
        assertEquals(img, UPRIGHT.decode(plain));
        byte[] nine = withJpegExif(plain, tiffWithOrientation(9, true));
        assertEquals(ExifOrientation.NORMAL, ExifOrientation.read(nine));
        byte[] broken = withJpegExif(plain, new byte[] {'I', 'I', 42, 0, (byte) 0xFF, 0x7F, 0, 0});
        assertEquals(ExifOrientation.NORMAL, ExifOrientation.read(broken));
        assertEquals(img, UPRIGHT.decode(broken), "unreadable metadata never fails a decode");
    }

    /** What the model gets from an image is a function of its pixels only (pre-processing at 384). */
    private static void assertModelInputsEqual(RgbImage want, RgbImage got) {
        ImagePreprocessor p = new ImagePreprocessor(dev.janusstream.runtime.config.ImageProcessorConfig.read(
                java.nio.file.Path.of(System.getProperty("janus.golden.dir", "../../shared/golden/janus-tiny")), 384));
        assertArrayEquals(p.pixelValues(want), p.pixelValues(got));
    }

    // ------------------------------------------------------------------ fixtures

    /** A minimal TIFF structure: IFD0 with one entry, Orientation (SHORT). */
    static byte[] tiffWithOrientation(int orientation, boolean bigEndian) {
        ByteBuffer b = ByteBuffer.allocate(26).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        b.put(bigEndian ? (byte) 'M' : (byte) 'I').put(bigEndian ? (byte) 'M' : (byte) 'I').putShort((short) 42).putInt(8);
        b.putShort((short) 1); // one entry
        b.putShort((short) 274).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        b.putInt(0); // no next IFD
        return b.array();
    }

    static byte[] greyJpeg(RgbImage img) throws Exception {
        BufferedImage g = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                g.getRaster().setSample(x, y, 0, img.get(x, y, 0));
            }
        }
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(1.0f);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            w.setOutput(ios);
            w.write(null, new IIOImage(g, null, null), p);
        } finally {
            w.dispose();
        }
        return out.toByteArray();
    }

    /** Inserts APP1 "Exif\0\0" + tiff after SOI and any APP0 (JFIF) segment. */
    static byte[] withJpegExif(byte[] jpeg, byte[] tiff) {
        int at = 2;
        if ((jpeg[2] & 0xFF) == 0xFF && (jpeg[3] & 0xFF) == 0xE0) {
            at = 4 + ((jpeg[4] & 0xFF) << 8 | (jpeg[5] & 0xFF));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, at);
        int len = 2 + 6 + tiff.length;
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len, 'E', 'x', 'i', 'f', 0, 0});
        out.writeBytes(tiff);
        out.write(jpeg, at, jpeg.length - at);
        return out.toByteArray();
    }

    static byte[] rgbPng(RgbImage img) {
        BufferedImage b = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                b.setRGB(x, y, img.get(x, y, 0) << 16 | img.get(x, y, 1) << 8 | img.get(x, y, 2));
            }
        }
        return ImageFixtures.write(b, "png");
    }

    /** Inserts an eXIf chunk right after IHDR (signature 8 bytes + IHDR 25 bytes). */
    static byte[] withPngExif(byte[] png, byte[] tiff) {
        int at = 8 + 25;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, at);
        byte[] type = "eXIf".getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(tiff.length).array());
        out.writeBytes(type);
        out.writeBytes(tiff);
        CRC32 crc = new CRC32();
        crc.update(type);
        crc.update(tiff);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        out.write(png, at, png.length - at);
        return out.toByteArray();
    }
}
