package dev.janusstream.operators;

import dev.janusstream.runtime.image.WebpChunks;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Reads only an image's header (format, width, height) so that an undecodable or huge image is a
 * dead letter before it joins a batch. The model decodes the pixels later.
 */
public final class ImageProbe {
    private ImageProbe() {}

    public record Header(String format, int width, int height) {}

    public static Header check(byte[] bytes, long maxPixels) {
        if (bytes == null || bytes.length == 0) {
            throw new RejectedException(ErrorCode.IMAGE_EMPTY, "image is empty");
        }
        // In memory: ImageIO.createImageInputStream may spill to a temp file.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new RejectedException(ErrorCode.IMAGE_UNDECODABLE, "not an image in a known format (" + bytes.length + " bytes)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if (w < 1 || h < 1) {
                    throw new RejectedException(ErrorCode.IMAGE_UNDECODABLE, "image has no pixels (" + w + "x" + h + ")");
                }
                if ((long) w * h > maxPixels) {
                    throw new RejectedException(ErrorCode.IMAGE_TOO_LARGE, "image is " + w + "x" + h + ", more than " + maxPixels + " pixels");
                }
                long claimed = WebpChunks.largestClaimedPixels(bytes); // 0 unless WebP: its frames can exceed its canvas
                if (claimed > maxPixels) {
                    throw new RejectedException(ErrorCode.IMAGE_TOO_LARGE, "webp image claims a frame or bitstream of "
                            + claimed + " pixels, more than " + maxPixels);
                }
                return new Header(reader.getFormatName(), w, h);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof RejectedException r) {
                throw r;
            }
            throw new RejectedException(ErrorCode.IMAGE_UNDECODABLE, "unreadable image header: " + ImagePolicy.shorten(e.getMessage()));
        }
    }
}
