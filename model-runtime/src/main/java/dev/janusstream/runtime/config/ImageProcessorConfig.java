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
        double[] mean = Json.doubles(c, "image_mean", new double[] {0.5, 0.5, 0.5});
        int[] bg = new int[3];
        for (int i = 0; i < 3; i++) {
            bg[i] = (int) (mean[i] * 255);
        }
        return new ImageProcessorConfig(
                Json.integer(c, "image_size", dfltImageSize),
                Json.integer(c, "min_size", 14),
                mean,
                Json.doubles(c, "image_std", new double[] {0.5, 0.5, 0.5}),
                Json.ints(c, "background_color", bg),
                Json.number(c, "rescale_factor", 1.0 / 255.0),
                Json.bool(c, "do_normalize", true));
    }
}
