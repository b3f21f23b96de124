package dev.janusstream.runtime.config;

import com.google.gson.JsonObject;

/**
 * The VQ-16 image tokenizer used for generation. Real configs only say {@code cls: "VQ-16"};
 * the dimension keys are overrides used by small test checkpoints.
 *
 * @param embedDim width of {@code gen_embed} and input of {@code gen_aligner} ({@code params.n_embed})
 */
public record VqConfig(int codebookSize, int codebookDim, int embedDim, int ch, int zChannels,
        int[] decoderChMult, int numResBlocks) {

    /** Spatial down/up-sampling factor: x2 per level but the last. */
    public int downsample() {
        return 1 << (decoderChMult.length - 1);
    }

    static VqConfig fromJson(JsonObject genVisionConfig) {
        String cls = Json.string(genVisionConfig, "cls", "VQ-16");
        if (!cls.equals("VQ-16")) {
            throw new IllegalArgumentException("gen_vision_config.cls '" + cls + "' is not supported (VQ-16)");
        }
        JsonObject p = Json.obj(genVisionConfig, "params");
        int codebookSize = Json.integer(p, "codebook_size", Json.integer(p, "image_token_size", 16384));
        int codebookDim = Json.integer(p, "codebook_embed_dim", 8);
        return new VqConfig(codebookSize, codebookDim, Json.integer(p, "n_embed", codebookDim),
                Json.integer(p, "ch", 128), Json.integer(p, "z_channels", 256),
                Json.ints(p, "decoder_ch_mult", new int[] {1, 1, 2, 2, 4}), Json.integer(p, "num_res_blocks", 2));
    }
}
