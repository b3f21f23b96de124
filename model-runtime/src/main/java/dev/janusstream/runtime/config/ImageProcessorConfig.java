package dev.janusstream.runtime.config;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code preprocessor_config.json} of VLMImageProcessor. */
public record ImageProcessorConfig(int imageSize, int minSize, double[] mean, double[] std, int[] background,
        double rescaleFactor, boolean normalize) {

    public static ImageProcessorConfig read(Path dir, int dfltImageSize) {
        Path f = dir.resolve("preprocessor_config.json");
        return fromJson(Files.exists(f) ? Json.read(f) : new JsonObject(), dfltImageSize);
    }

    static ImageProcessorConfig fromJson(JsonObject c, int dfltImageSize) {
        double[] mean = Json.doubles(c, "", "image_mean", new double[] {0.5, 0.5, 0.5}, 3);
        int[] bg = new int[3];
        for (int i = 0; i < 3; i++) {
            bg[i] = (int) Math.max(0, Math.min(255, mean[i] * 255));
        }
        double[] std = Json.doubles(c, "", "image_std", new double[] {0.5, 0.5, 0.5}, 3);
        for (int i = 0; i < 3; i++) {
            if (!(std[i] > 0)) {
                throw new IllegalArgumentException("image_std[" + i + "] is " + std[i] + "; expected a positive number");
            }
        }
        int imageSize = Json.integer(c, "", "image_size", dfltImageSize, 1, Limits.MAX_IMAGE_SIZE);
        return new ImageProcessorConfig(
                imageSize,
                Json.integer(c, "", "min_size", Math.min(14, imageSize), 1, imageSize),
                mean,
                std,
                Json.ints(c, "", "background_color", bg, 3, 3, 0, 255),
                Json.number(c, "", "rescale_factor", 1.0 / 255.0, 0, 1),
                Json.bool(c, "do_normalize", true));
    }
}
