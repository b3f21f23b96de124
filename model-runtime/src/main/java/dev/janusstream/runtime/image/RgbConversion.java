package dev.janusstream.runtime.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * BufferedImage -> 8-bit RGB the way PIL's {@code convert("RGB")} does it: alpha is dropped (not
 * composited over a background), grey is replicated to R=G=B, palette indices map to the palette's
 * RGB, 16-bit samples keep their high byte. Samples are read from the raster rather than through
 * {@link BufferedImage#getRGB}, because Java's grey colour space would gamma-convert grey values.
 */
final class RgbConversion {
    private RgbConversion() {}

    static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        ColorSpace cs = cm.getColorSpace();
        if (cm instanceof IndexColorModel icm) {
            palette(icm, r, out);
        } else if (cm instanceof DirectColorModel && cs.isCS_sRGB()) {
            packed(img, out);
        } else if (cs.getType() == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1 && wholeBytes(cm, 1)) {
            bands(r, cm.getComponentSize(0), new int[] {0, 0, 0}, out);
        } else if (cs.isCS_sRGB() && cm.getNumColorComponents() == 3 && wholeBytes(cm, 3)) {
            bands(r, cm.getComponentSize(0), new int[] {0, 1, 2}, out);
        } else {
            // Other colour spaces (e.g. a JPEG's embedded ICC profile that the reader kept): let
            // Java2D convert to sRGB.
            packed(img, out);
        }
        return new RgbImage(w, h, out);
    }

    /** True when the first n components are all 8 or all 16 bits. */
    private static boolean wholeBytes(ColorModel cm, int n) {
        int bits = cm.getComponentSize(0);
        for (int i = 1; i < n; i++) {
            if (cm.getComponentSize(i) != bits) {
                return false;
            }
        }
        return bits == 8 || bits == 16;
    }

    private static void palette(IndexColorModel icm, Raster r, byte[] out) {
        int n = icm.getMapSize();
        byte[] red = new byte[n];
        byte[] green = new byte[n];
        byte[] blue = new byte[n];
        icm.getReds(red);
        icm.getGreens(green);
        icm.getBlues(blue);
        int w = r.getWidth();
        int[] row = new int[w];
        int o = 0;
        for (int y = 0; y < r.getHeight(); y++) {
            r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                // An index past the palette (corrupt file) reads as black, as in PIL.
                int i = row[x];
                if (i < n) {
                    out[o] = red[i];
                    out[o + 1] = green[i];
                    out[o + 2] = blue[i];
                }
                o += 3;
            }
        }
    }

    /** Maps bands[c] of the raster to output channel c; 16-bit samples keep the high byte. */
    private static void bands(Raster r, int bits, int[] bands, byte[] out) {
        int w = r.getWidth();
        int shift = bits - 8;
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            int o = c;
            for (int y = 0; y < r.getHeight(); y++) {
                r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, bands[c], row);
                for (int x = 0; x < w; x++) {
                    out[o] = (byte) (row[x] >>> shift);
                    o += 3;
                }
            }
        }
    }

    private static void packed(BufferedImage img, byte[] out) {
        int w = img.getWidth();
        int[] row = new int[w];
        int o = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                out[o++] = (byte) (p >>> 16);
                out[o++] = (byte) (p >>> 8);
                out[o++] = (byte) p;
            }
        }
    }
}
