package dev.janusstream.runtime.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Properties of the Pillow bicubic port. Bit-exactness against Pillow itself is checked on the golden
 * images (ImagePreprocessorGoldenTest: one downscale, one up/down mix, one thin portrait).
 */
class BicubicResamplerTest {

    @Test
    void fixedPointWeightsOfEachOutputSumToOne() {
        int one = 1 << 22;
        for (int[] io : new int[][] {{50, 64}, {80, 64}, {90, 64}, {12, 14}, {7, 300}, {1000, 3}, {5, 5}}) {
            BicubicResampler.Coefficients c = BicubicResampler.coefficients(io[0], io[1]);
            for (int o = 0; o < io[1]; o++) {
                int sum = 0;
                for (int k : c.weights()[o]) {
                    sum += k;
                }
                // each weight is rounded separately, so the sum may miss 2^22 by a few units
                assertEquals(one, sum, c.weights()[o].length, "in " + io[0] + " out " + io[1] + " index " + o);
                assertEquals(true, c.start()[o] >= 0 && c.start()[o] + c.weights()[o].length <= io[0]);
            }
        }
    }

    @Test
    void kernelIsPillowsCubicWithAMinusHalf() {
        assertEquals(1.0, BicubicResampler.cubic(0.0));
        assertEquals(0.0, BicubicResampler.cubic(1.0), 0.0);
        assertEquals(0.0, BicubicResampler.cubic(2.0), 0.0);
        assertEquals(0.5625, BicubicResampler.cubic(0.5)); // (1.5*0.5 - 2.5)*0.25 + 1
        assertEquals(-0.0625, BicubicResampler.cubic(-1.5)); // ((1.5-5)*1.5+8)*1.5-4 = 0.125, * -0.5
    }

    @Test
    void downscaleWeightsUseScaledSupport() {
        // 4 -> 1: scale 4, support 8: every input pixel contributes, symmetric around the centre
        BicubicResampler.Coefficients c = BicubicResampler.coefficients(4, 1);
        assertEquals(0, c.start()[0]);
        int[] k = c.weights()[0];
        assertEquals(4, k.length);
        assertEquals(k[0], k[3]);
        assertEquals(k[1], k[2]);
    }

    @Test
    void constantImageStaysConstant() {
        RgbImage img = RgbImage.filled(37, 23, 200, 0, 255);
        for (int[] wh : new int[][] {{64, 40}, {5, 3}, {37, 100}, {1, 1}, {300, 2}}) {
            RgbImage r = BicubicResampler.resize(img, wh[0], wh[1]);
            assertEquals(RgbImage.filled(wh[0], wh[1], 200, 0, 255), r, wh[0] + "x" + wh[1]);
        }
    }

    @Test
    void sameSizeIsACopy() {
        RgbImage img = random(9, 4, 1);
        RgbImage r = BicubicResampler.resize(img, 9, 4);
        assertEquals(img, r);
        assertNotSame(img.rgb(), r.rgb());
    }

    @Test
    void unchangedAxisIsNotFiltered() {
        // Width change only: each row is resampled on its own, so a row of a taller image equals the
        // same row resized alone.
        RgbImage img = random(30, 5, 7);
        RgbImage all = BicubicResampler.resize(img, 17, 5);
        for (int y = 0; y < 5; y++) {
            byte[] row = new byte[30 * 3];
            System.arraycopy(img.rgb(), y * 90, row, 0, 90);
            RgbImage one = BicubicResampler.resize(new RgbImage(30, 1, row), 17, 1);
            byte[] got = new byte[17 * 3];
            System.arraycopy(all.rgb(), y * 51, got, 0, 51);
            assertArrayEquals(one.rgb(), got, "row " + y);
        }
    }

    @Test
    void overshootIsClampedToUint8() {
        // a hard black/white edge rings with a = -0.5; the result must clamp, not wrap
        byte[] px = new byte[8 * 3];
        for (int i = 12; i < 24; i++) {
            px[i] = (byte) 255;
        }
        RgbImage r = BicubicResampler.resize(new RgbImage(8, 1, px), 20, 1);
        // undershoot (negative sums) next to the edge would wrap to 255 without the clamp
        int prev = 0;
        for (int x = 0; x < 20; x++) {
            int v = r.get(x, 0, 0);
            assertEquals(true, v >= prev, "profile must rise monotonically, x=" + x + ": " + prev + " -> " + v);
            prev = v;
        }
        assertEquals(0, r.get(0, 0, 0));
        assertEquals(255, r.get(19, 0, 0));
    }

    @Test
    void rejectsEmptyTarget() {
        assertThrows(IllegalArgumentException.class, () -> BicubicResampler.resize(random(3, 3, 0), 0, 3));
    }

    static RgbImage random(int w, int h, long seed) {
        byte[] px = new byte[w * h * 3];
        new Random(seed).nextBytes(px);
        return new RgbImage(w, h, px);
    }
}
