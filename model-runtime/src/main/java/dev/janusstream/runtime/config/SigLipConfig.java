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
        String s = "vision_config.params";
        int imageSize = Json.integer(p, s, "image_size", 384, 1, Limits.MAX_IMAGE_SIZE);
        int patch = Json.integer(p, s, "patch_size", 16, 1, imageSize);
        if (imageSize % patch != 0) {
            throw new IllegalArgumentException(s + ".image_size " + imageSize + " is not a multiple of patch_size " + patch);
        }
        int width = Json.integer(p, s, "width", 1024, 1, Limits.MAX_WIDTH);
        int layers = Json.integer(p, s, "layers", 24, 1, Limits.MAX_LAYERS);
        int heads = Json.integer(p, s, "heads", 16, 1, Limits.MAX_HEADS);
        if (width % heads != 0) {
            throw new IllegalArgumentException(s + ".width " + width + " is not divisible by heads " + heads);
        }
        double mlpRatio = Json.number(p, s, "mlp_ratio", 4.0, 0, (double) Limits.MAX_FFN / width);
        int selectLayer = Json.integer(p, s, "select_layer", -1, -layers, layers);
        SigLipConfig v = new SigLipConfig(imageSize, patch, width, layers, heads, mlpRatio, selectLayer);
        Json.inRange(v.blocksUsed(), 1, layers, s + ".select_layer " + selectLayer + " leaves blocks used");
        Json.inRange(v.mlpHidden(), 1, Limits.MAX_FFN, s + ".width * mlp_ratio");
        Json.inRange((long) v.numPatches(), 1, Limits.MAX_POSITIONS, s + " (image_size / patch_size)^2 patches");
        return v;
    }
}
