package dev.janusstream.runtime.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.janusstream.runtime.ImageFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** PNG is lossless; JPEG is close and its quality parameter is honoured. */
class ImageEncoderTest {
    static final ImageDecoder DECODER = new ImageDecoder(1_000_000L);

    static RgbImage smooth(int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                px[i] = (byte) (x * 4);
                px[i + 1] = (byte) (y * 4);
                px[i + 2] = (byte) (128 + 60 * Math.sin(x / 5.0));
            }
        }
        return new RgbImage(w, h, px);
    }

    @Test
    void pngRoundTripsExactly() {
        byte[] px = new byte[17 * 9 * 3];
        new Random(3).nextBytes(px);
        RgbImage img = new RgbImage(17, 9, px);
        byte[] png = ImageEncoder.png(img);
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        assertEquals(img, DECODER.decode(png));
    }

    @Test
    void jpegRoundTripsCloselyAndQualityMatters() {
        RgbImage img = smooth(64, 64);
        byte[] high = ImageEncoder.encode(img, ImageFormat.JPEG, 95);
        byte[] low = ImageEncoder.jpeg(img, 20);
        assertEquals((byte) 0xFF, high[0]);
        assertEquals((byte) 0xD8, high[1]);
        assertTrue(low.length < high.length, "quality 20 (" + low.length + " B) should be smaller than 95 ("
                + high.length + " B)");
        RgbImage back = DECODER.decode(high);
        double err = 0;
        for (int i = 0; i < img.rgb().length; i++) {
            err += Math.abs((img.rgb()[i] & 0xFF) - (back.rgb()[i] & 0xFF));
        }
        assertTrue(err / img.rgb().length < 2.0, "mean abs error at quality 95: " + err / img.rgb().length);
    }

    @Test
    void rejectsQualityOutOfRange() {
        RgbImage img = smooth(8, 8);
        assertThrows(IllegalArgumentException.class, () -> ImageEncoder.jpeg(img, 0));
        assertThrows(IllegalArgumentException.class, () -> ImageEncoder.jpeg(img, 101));
    }
}
