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
        String s = "gen_vision_config.params";
        int codebookSize = Json.integer(p, s, "codebook_size",
                Json.integer(p, s, "image_token_size", 16384, 1, Limits.MAX_CODEBOOK), 1, Limits.MAX_CODEBOOK);
        int codebookDim = Json.integer(p, s, "codebook_embed_dim", 8, 1, Limits.MAX_WIDTH);
        int ch = Json.integer(p, s, "ch", 128, 1, Limits.MAX_WIDTH);
        int[] mult = Json.ints(p, s, "decoder_ch_mult", new int[] {1, 1, 2, 2, 4}, -1, 8, 1, 64);
        for (int m : mult) {
            Json.inRange((long) ch * m, 1, Limits.MAX_WIDTH, s + ".ch * decoder_ch_mult");
        }
        return new VqConfig(codebookSize, codebookDim, Json.integer(p, s, "n_embed", codebookDim, 1, Limits.MAX_WIDTH),
                ch, Json.integer(p, s, "z_channels", 256, 1, Limits.MAX_WIDTH),
                mult, Json.integer(p, s, "num_res_blocks", 2, 1, 64));
    }
}
