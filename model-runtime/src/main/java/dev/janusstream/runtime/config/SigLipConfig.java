package dev.janusstream.runtime.config;

import com.google.gson.JsonObject;

/**
 * The SigLIP ViT understanding encoder. Real configs only name the tower
 * ({@code siglip_large_patch16_384}); the explicit keys are used by small test checkpoints.
 */
public record SigLipConfig(int imageSize, int patchSize, int width, int layers, int heads, double mlpRatio, int selectLayer) {

    public int gridSide() {
        return imageSize / patchSize;
    }

    public int numPatches() {
        return gridSide() * gridSide();
    }

    public int headDim() {
        return width / heads;
    }

    public int mlpHidden() {
        return (int) (width * mlpRatio);
    }

    /** Blocks actually run: select_layer -1 keeps all of them, -2 drops the last, and so on. */
    public int blocksUsed() {
        return selectLayer < 0 ? layers + selectLayer + 1 : selectLayer;
    }

    static SigLipConfig fromJson(JsonObject visionConfig) {
        JsonObject p = Json.obj(visionConfig, "params");
        String name = Json.string(p, "model_name", "siglip_large_patch16_384");
        if (!name.equals("siglip_large_patch16_384")) {
            throw new IllegalArgumentException("vision_config.params.model_name '" + name
                    + "' is not supported (Janus-Pro uses siglip_large_patch16_384)");
        }
        return new SigLipConfig(
                Json.integer(p, "image_size", 384),
                Json.integer(p, "patch_size", 16),
                Json.integer(p, "width", 1024),
                Json.integer(p, "layers", 24),
                Json.integer(p, "heads", 16),
                Json.number(p, "mlp_ratio", 4.0),
                Json.integer(p, "select_layer", -1));
    }
}
