package dev.janusstream.runtime.config;

import com.google.gson.JsonObject;

/** The LLaMA language model; defaults are those of HuggingFace's LlamaConfig that Janus-Pro relies on. */
public record LlamaConfig(int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads, int vocabSize,
        double rmsNormEps, double ropeTheta, int maxPositions) {

    public int headDim() {
        return hiddenSize / heads;
    }

    static LlamaConfig fromJson(JsonObject c) {
        String s = "language_config";
        int heads = Json.integer(c, s, "num_attention_heads", 16, 1, Limits.MAX_HEADS);
        int kvHeads = Json.integer(c, s, "num_key_value_heads", heads, 1, Limits.MAX_HEADS);
        if (kvHeads != heads) {
            throw new IllegalArgumentException("language_config: grouped-query attention (num_key_value_heads "
                    + kvHeads + " != num_attention_heads " + heads + ") is not used by Janus-Pro and not supported");
        }
        String act = Json.string(c, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException("language_config.hidden_act '" + act + "' is not supported (silu)");
        }
        LlamaConfig l = new LlamaConfig(
                Json.integer(c, s, "hidden_size", 2048, 1, Limits.MAX_WIDTH),
                Json.integer(c, s, "intermediate_size", 5632, 1, Limits.MAX_FFN),
                Json.integer(c, s, "num_hidden_layers", 24, 1, Limits.MAX_LAYERS),
                heads,
                kvHeads,
                Json.integer(c, s, "vocab_size", 102400, 1, Limits.MAX_VOCAB),
                Json.number(c, s, "rms_norm_eps", 1e-6, 0, 1),
                Json.number(c, s, "rope_theta", 10000.0, 0, 1e12),
                Json.integer(c, s, "max_position_embeddings", 4096, 8, Limits.MAX_POSITIONS));
        if (l.hiddenSize() % heads != 0 || l.headDim() % 2 != 0) {
            throw new IllegalArgumentException("language_config.hidden_size " + l.hiddenSize()
                    + " is not num_attention_heads " + heads + " times an even head size (rotary embeddings)");
        }
        return l;
    }
}
