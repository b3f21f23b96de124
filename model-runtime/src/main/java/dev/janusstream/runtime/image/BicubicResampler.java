package dev.janusstream.runtime.image;

/**
 * Bit-exact port of Pillow's {@code Image.resize(size, Image.BICUBIC)} for 8-bit RGB images
 * ({@code libImaging/Resample.c}), which is what VLMImageProcessor (through torchvision's resize
 * on a PIL image) used when Janus was trained and when the goldens were made.
 *
 * <p>Separable: the horizontal pass runs first and is rounded to uint8, then the vertical pass; a
 * pass whose size does not change is skipped. Filter weights are computed in double, normalised to
 * sum 1 and converted to 22-bit fixed point; accumulation is in int. The expressions keep Pillow's
 * operation order (e.g. multiplying by {@code 1/filterscale}) so the doubles round the same way.
 */
public final class BicubicResampler {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;
    private static final double A = -0.5;

    private BicubicResampler() {}

    public static RgbImage resize(RgbImage in, int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        RgbImage img = in;
        if (width != img.width()) {
            img = horizontal(img, width);
        }
        if (height != img.height()) {
            img = vertical(img, height);
        }
        return img == in ? new RgbImage(in.width(), in.height(), in.rgb().clone()) : img;
    }

    /** Pillow's bicubic_filter with a = -0.5. */
    static double cubic(double x) {
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((A + 2.0) * x - (A + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * A;
        }
        return 0.0;
    }

    /** Fixed-point weights of one axis: for output o, taps k[o][0..n) start at input index start[o]. */
    record Coefficients(int[] start, int[][] weights) {}

    /** Pillow's precompute_coeffs followed by normalize_coeffs_8bpc. */
    static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = SUPPORT * filterscale;
        double ss = 1.0 / filterscale;
        int[] start = new int[outSize];
        int[][] weights = new int[outSize][];
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            // (int) truncates toward zero like Pillow's C cast ("round" by adding 0.5), then clamps.
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double[] k = new double[xmax];
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = cubic((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            int[] fixed = new int[xmax];
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                // round half away from zero, then truncate toward zero, as (int)(v * 2^22 +- 0.5)
                fixed[x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            start[o] = xmin;
            weights[o] = fixed;
        }
        return new Coefficients(start, weights);
    }

    private static int clip8(int acc) {
        if (acc >= (1 << PRECISION_BITS << 8)) {
            return 255;
        }
        if (acc <= 0) {
            return 0;
        }
        return acc >> PRECISION_BITS;
    }

    private static RgbImage horizontal(RgbImage in, int outW) {
        int inW = in.width();
        int h = in.height();
        Coefficients c = coefficients(inW, outW);
        byte[] src = in.rgb();
        byte[] dst = new byte[outW * h * 3];
        for (int y = 0; y < h; y++) {
            int row = y * inW * 3;
            for (int o = 0; o < outW; o++) {
                int[] k = c.weights()[o];
                int xmin = c.start()[o];
                for (int ch = 0; ch < 3; ch++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int x = 0; x < k.length; x++) {
                        acc += (src[row + (xmin + x) * 3 + ch] & 0xFF) * k[x];
                    }
                    dst[(y * outW + o) * 3 + ch] = (byte) clip8(acc);
                }
            }
        }
        return new RgbImage(outW, h, dst);
    }

    private static RgbImage vertical(RgbImage in, int outH) {
        int w = in.width();
        Coefficients c = coefficients(in.height(), outH);
        byte[] src = in.rgb();
        byte[] dst = new byte[w * outH * 3];
        int stride = w * 3;
        for (int o = 0; o < outH; o++) {
            int[] k = c.weights()[o];
            int ymin = c.start()[o];
            for (int i = 0; i < stride; i++) {
                int acc = 1 << (PRECISION_BITS - 1);
                for (int y = 0; y < k.length; y++) {
                    acc += (src[(ymin + y) * stride + i] & 0xFF) * k[y];
                }
                dst[o * stride + i] = (byte) clip8(acc);
            }
        }
        return new RgbImage(w, outH, dst);
    }
}
