package dev.janusstream.runtime.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.janusstream.runtime.InvalidRequestException;
import dev.janusstream.runtime.InvalidRequestException.Code;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Decoding of every accepted format, PIL-style RGB conversion, and rejection of bad inputs. */
class ImageDecoderTest {
    static final ImageDecoder DECODER = new ImageDecoder(1_000_000L);

    static void assertSamePixels(BufferedImage want, RgbImage got) {
        assertEquals(want.getWidth(), got.width());
        assertEquals(want.getHeight(), got.height());
        for (int y = 0; y < got.height(); y++) {
            for (int x = 0; x < got.width(); x++) {
                int p = want.getRGB(x, y);
                assertEquals(p >> 16 & 0xFF, got.get(x, y, 0), "R at " + x + "," + y);
                assertEquals(p >> 8 & 0xFF, got.get(x, y, 1), "G at " + x + "," + y);
                assertEquals(p & 0xFF, got.get(x, y, 2), "B at " + x + "," + y);
            }
        }
    }

    static Code code(byte[] bytes) {
        return assertThrows(InvalidRequestException.class, () -> DECODER.decode(bytes)).code();
    }

    @Test
    void pngRgbIsLossless() {
        BufferedImage img = ImageFixtures.gradient(13, 7, BufferedImage.TYPE_3BYTE_BGR);
        assertSamePixels(img, DECODER.decode(ImageFixtures.write(img, "png")));
    }

    @Test
    void bmpIsLossless() {
        BufferedImage img = ImageFixtures.gradient(13, 7, BufferedImage.TYPE_3BYTE_BGR);
        assertSamePixels(img, DECODER.decode(ImageFixtures.write(img, "bmp")));
    }

    @Test
    void gifUsesPaletteColours() {
        // a palette image with exactly the colours written, so GIF stores them without dithering
        byte[] r = {0, (byte) 255, 10, (byte) 128};
        byte[] g = {0, 0, (byte) 200, (byte) 128};
        byte[] b = {0, 0, 30, (byte) 128};
        BufferedImage img = new BufferedImage(6, 5, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(2, 4, r, g, b));
        WritableRaster ras = img.getRaster();
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 6; x++) {
                ras.setSample(x, y, 0, (x + 2 * y) % 4);
            }
        }
        RgbImage got = DECODER.decode(ImageFixtures.write(img, "gif"));
        assertSamePixels(img, got);
        assertEquals(10, got.get(2, 0, 0));
        assertEquals(200, got.get(2, 0, 1));
    }

    @Test
    void jpegDecodesCloseToTheSource() {
        BufferedImage img = ImageFixtures.gradient(32, 24, BufferedImage.TYPE_3BYTE_BGR);
        RgbImage got = DECODER.decode(ImageFixtures.write(img, "jpeg"));
        assertEquals(32, got.width());
        assertEquals(24, got.height());
        double err = 0;
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 32; x++) {
                int p = img.getRGB(x, y);
                err += Math.abs((p >> 16 & 0xFF) - got.get(x, y, 0)) + Math.abs((p >> 8 & 0xFF) - got.get(x, y, 1))
                        + Math.abs((p & 0xFF) - got.get(x, y, 2));
            }
        }
        // lossy (default quality 0.75, 4:2:0): a smooth gradient stays within a few levels on average
        assertTrue(err / (32 * 24 * 3) < 8, "mean abs error " + err / (32 * 24 * 3));
    }

    @Test
    void losslessWebpDecodesExactly() {
        int[] bits = {1, 0, 1, 1, 0};
        RgbImage got = DECODER.decode(ImageFixtures.losslessWebp(bits, 2));
        assertEquals(5, got.width());
        assertEquals(2, got.height());
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 5; x++) {
                assertEquals(200, got.get(x, y, 0));
                assertEquals(bits[x] * 255, got.get(x, y, 1), "G at " + x + "," + y);
                assertEquals(10, got.get(x, y, 2));
            }
        }
    }

    @Test
    void greyIsReplicatedWithoutGammaConversion() {
        BufferedImage img = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 12; i++) {
            img.getRaster().setSample(i % 4, i / 4, 0, i * 20);
        }
        RgbImage got = DECODER.decode(ImageFixtures.write(img, "png"));
        for (int i = 0; i < 12; i++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(i * 20, got.get(i % 4, i / 4, c), "pixel " + i + " channel " + c);
            }
        }
    }

    @Test
    void sixteenBitGreyKeepsTheHighByte() {
        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        int[] v = {0x0000, 0x80FF, 0xFFFF};
        for (int x = 0; x < 3; x++) {
            img.getRaster().setSample(x, 0, 0, v[x]);
        }
        RgbImage got = DECODER.decode(ImageFixtures.write(img, "png"));
        assertEquals(0x00, got.get(0, 0, 0));
        assertEquals(0x80, got.get(1, 0, 1));
        assertEquals(0xFF, got.get(2, 0, 2));
    }

    @Test
    void alphaIsDroppedNotComposited() {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0x00_C8_64_32); // fully transparent, colour (200, 100, 50)
        img.setRGB(1, 0, 0x80_0A_14_1E); // half transparent (10, 20, 30)
        RgbImage got = DECODER.decode(ImageFixtures.write(img, "png"));
        assertEquals(Arrays.toString(new int[] {200, 100, 50, 10, 20, 30}),
                Arrays.toString(new int[] {got.get(0, 0, 0), got.get(0, 0, 1), got.get(0, 0, 2), got.get(1, 0, 0),
                        got.get(1, 0, 1), got.get(1, 0, 2)}));
    }

    @Test
    void adobeCmykJpegBecomesRgb() {
        // no ink -> white, full black ink -> black, cyan ink -> red is the weakest channel. Mid tones
        // go through the reader's colour management (ICC), not PIL's naive 255 - ink formula.
        byte[] jpg = ImageFixtures.cmykJpeg(24, 8, (x, y) -> x < 8 ? new int[] {0, 0, 0, 0}
                : x < 16 ? new int[] {0, 0, 0, 255} : new int[] {255, 0, 0, 0});
        RgbImage got = DECODER.decode(jpg);
        assertEquals(24, got.width());
        assertEquals(8, got.height());
        for (int c = 0; c < 3; c++) {
            assertTrue(got.get(3, 4, c) >= 250, "white, channel " + c + ": " + got.get(3, 4, c));
            assertTrue(got.get(11, 4, c) <= 40, "black, channel " + c + ": " + got.get(11, 4, c));
        }
        assertTrue(got.get(20, 4, 0) < got.get(20, 4, 1) && got.get(20, 4, 0) < got.get(20, 4, 2),
                "cyan: " + got.get(20, 4, 0) + "," + got.get(20, 4, 1) + "," + got.get(20, 4, 2));
    }

    @Test
    void emptyBytesAreImageEmpty() {
        assertEquals(Code.IMAGE_EMPTY, code(new byte[0]));
        assertEquals(Code.IMAGE_EMPTY, code(null));
    }

    @Test
    void textIsUndecodable() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> DECODER.decode("What is in this picture?\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Code.IMAGE_UNDECODABLE, e.code());
        assertTrue(e.getMessage().contains("not a recognised image"), e.getMessage());
    }

    @Test
    void truncatedPngIsUndecodable() {
        byte[] png = ImageFixtures.write(ImageFixtures.gradient(40, 40, BufferedImage.TYPE_3BYTE_BGR), "png");
        assertEquals(Code.IMAGE_UNDECODABLE, code(Arrays.copyOf(png, png.length / 2)));
        assertEquals(Code.IMAGE_UNDECODABLE, code(Arrays.copyOf(png, 20))); // inside IHDR
    }

    @Test
    void truncatedJpegIsUndecodable() {
        byte[] jpg = ImageFixtures.write(ImageFixtures.gradient(64, 64, BufferedImage.TYPE_3BYTE_BGR), "jpeg");
        assertEquals(Code.IMAGE_UNDECODABLE, code(Arrays.copyOf(jpg, jpg.length * 2 / 3)));
        assertEquals(Code.IMAGE_UNDECODABLE, code(Arrays.copyOf(jpg, 10)));
    }

    @Test
    void decompressionBombIsRejectedFromTheHeader() {
        // 100000 x 100000 would be 30 GB of RGB; the file is 45 bytes and has no pixel data at all,
        // so reaching the pixel decoder would fail differently (IMAGE_UNDECODABLE).
        byte[] bomb = ImageFixtures.pngHeaderOnly(100_000, 100_000);
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> DECODER.decode(bomb));
        assertEquals(Code.IMAGE_TOO_LARGE, e.code());
        assertTrue(e.getMessage().contains("100000x100000"), e.getMessage());
        // the same header under the limit reaches the decoder, which finds no image data
        assertEquals(Code.IMAGE_UNDECODABLE, code(ImageFixtures.pngHeaderOnly(10, 10)));
    }

    @Test
    void pixelLimitIsInclusive() {
        byte[] png = ImageFixtures.write(ImageFixtures.gradient(10, 10, BufferedImage.TYPE_3BYTE_BGR), "png");
        assertEquals(10, new ImageDecoder(100).decode(png).width());
        assertEquals(Code.IMAGE_TOO_LARGE,
                assertThrows(InvalidRequestException.class, () -> new ImageDecoder(99).decode(png)).code());
    }
}
