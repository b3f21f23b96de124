package dev.janusstream.runtime.image;

import dev.janusstream.runtime.ImageFormat;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Encodes RGB images (generated pictures) as PNG or JPEG with ImageIO. Thread-safe. */
public final class ImageEncoder {
    /** JPEG quality used when none is given (PIL's default is 75; 90 keeps generated detail). */
    public static final int DEFAULT_JPEG_QUALITY = 90;

    private ImageEncoder() {}

    public static byte[] png(RgbImage img) {
        return encode(img, ImageFormat.PNG, DEFAULT_JPEG_QUALITY);
    }

    public static byte[] jpeg(RgbImage img, int quality) {
        return encode(img, ImageFormat.JPEG, quality);
    }

    /**
     * @param quality JPEG quality 1..100 (as in PIL); ignored for PNG, which is lossless
     */
    public static byte[] encode(RgbImage img, ImageFormat format, int quality) {
        if (format == ImageFormat.JPEG && (quality < 1 || quality > 100)) {
            throw new IllegalArgumentException("JPEG quality must be in 1..100, got " + quality);
        }
        String name = format == ImageFormat.JPEG ? "jpeg" : "png";
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(name);
        if (!writers.hasNext()) {
            throw new IllegalStateException("no ImageIO writer for " + name);
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (format == ImageFormat.JPEG) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(quality / 100f);
            }
            writer.write(null, new IIOImage(toBufferedImage(img), null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + img + " as " + name, e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** A TYPE_3BYTE_BGR copy (the layout both JDK writers handle without conversion). */
    public static BufferedImage toBufferedImage(RgbImage img) {
        BufferedImage bi = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_3BYTE_BGR);
        int w = img.width();
        int[] row = new int[w * 3];
        byte[] px = img.rgb();
        for (int y = 0; y < img.height(); y++) {
            for (int i = 0; i < row.length; i++) {
                row[i] = px[y * w * 3 + i] & 0xFF;
            }
            // setPixels takes samples in band order (R, G, B) whatever the memory layout.
            bi.getRaster().setPixels(0, y, w, 1, row);
        }
        return bi;
    }
}
