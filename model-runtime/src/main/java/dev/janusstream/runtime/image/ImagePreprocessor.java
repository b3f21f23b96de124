package dev.janusstream.runtime.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.config.ImageProcessorConfig;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Janus' VLMImageProcessor: long side to {@code image_size} with Pillow bicubic, pad to a square
 * with the background colour, then {@code (u8 * rescale - mean) / std} as float32 CHW. Every step
 * reproduces the Python arithmetic (float64 size ratio with int() truncation, float64 rescale
 * rounded to float32, float32 normalisation) so the output matches the reference bit for bit.
 */
public final class ImagePreprocessor {
    private final ImageProcessorConfig config;
    private final float[] mean = new float[3];
    private final float[] std = new float[3];

    public ImagePreprocessor(ImageProcessorConfig config) {
        if (config.imageSize() < 1 || config.minSize() < 1 || config.mean().length != 3 || config.std().length != 3
                || config.background().length != 3) {
            throw new IllegalArgumentException("image processor config needs a positive image_size/min_size and "
                    + "3 values of image_mean, image_std and background_color");
        }
        this.config = config;
        for (int c = 0; c < 3; c++) {
            mean[c] = (float) config.mean()[c];
            std[c] = (float) config.std()[c];
        }
    }

    public ImageProcessorConfig config() {
        return config;
    }

    /** Side of the square output. */
    public int size() {
        return config.imageSize();
    }

    /** Target (width, height) of the resize: {@code max(int(side / long * S), min_size)}. */
    public int[] resizedSize(int width, int height) {
        int s = config.imageSize();
        double longSide = Math.max(width, height);
        int h = Math.max((int) (height / longSide * s), config.minSize());
        int w = Math.max((int) (width / longSide * s), config.minSize());
        return new int[] {w, h};
    }

    /** The bicubic resize of the long side to image_size (before padding). */
    public RgbImage resize(RgbImage img) {
        int[] wh = resizedSize(img.width(), img.height());
        return BicubicResampler.resize(img, wh[0], wh[1]);
    }

    /** PIL expand2square: centred on a square of side max(w, h) filled with the background colour. */
    public RgbImage expandToSquare(RgbImage img) {
        int w = img.width();
        int h = img.height();
        if (w == h) {
            return img;
        }
        int side = Math.max(w, h);
        int[] bg = config.background();
        RgbImage canvas = RgbImage.filled(side, side, bg[0], bg[1], bg[2]);
        int x0 = w > h ? 0 : (h - w) / 2;
        int y0 = w > h ? (w - h) / 2 : 0;
        for (int y = 0; y < h; y++) {
            System.arraycopy(img.rgb(), y * w * 3, canvas.rgb(), ((y0 + y) * side + x0) * 3, w * 3);
        }
        return canvas;
    }

    /** Resize + pad: the uint8 image the model sees. */
    public RgbImage toSquare(RgbImage img) {
        return expandToSquare(resize(img));
    }

    /** The processor output for one image: float32 CHW, length 3 * S * S. */
    public float[] pixelValues(RgbImage img) {
        RgbImage sq = toSquare(img);
        if (sq.width() != size() || sq.height() != size()) {
            // Only if min_size > image_size, which no Janus config has.
            throw new IllegalStateException("processed image is " + sq.width() + "x" + sq.height() + ", not " + size());
        }
        int plane = sq.width() * sq.height();
        float[] out = new float[3 * plane];
        byte[] px = sq.rgb();
        double rescale = config.rescaleFactor();
        for (int c = 0; c < 3; c++) {
            float m = mean[c];
            float sd = std[c];
            for (int i = 0; i < plane; i++) {
                // HF rescale: float64 product cast to float32; normalize: float32 (x - mean) / std
                float x = (float) ((px[i * 3 + c] & 0xFF) * rescale);
                out[c * plane + i] = config.normalize() ? (x - m) / sd : x;
            }
        }
        return out;
    }

    /** Processes and stacks images into a float32 NDArray [B, 3, S, S] owned by manager. */
    public NDArray batch(List<RgbImage> images, NDManager manager) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to batch");
        }
        int per = 3 * size() * size();
        FloatBuffer buf = FloatBuffer.allocate(Math.multiplyExact(per, images.size()));
        for (RgbImage img : images) {
            buf.put(pixelValues(img));
        }
        buf.flip();
        return manager.create(buf, new Shape(images.size(), 3, size(), size()));
    }
}
