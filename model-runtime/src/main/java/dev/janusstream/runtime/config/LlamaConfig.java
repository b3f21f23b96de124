package dev.janusstream.runtime.config;

import com.google.gson.JsonObject;

/** The LLaMA language model; defaults are those of HuggingFace's LlamaConfig that Janus-Pro relies on. */
public record LlamaConfig(int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads, int vocabSize,
        double rmsNormEps, double ropeTheta, int maxPositions) {

    public int headDim() {
        return hiddenSize / heads;
    }

    static LlamaConfig fromJson(JsonObject c) {
        int heads = Json.integer(c, "num_attention_heads", 16);
        int kvHeads = Json.integer(c, "num_key_value_heads", heads);
        if (kvHeads != heads) {
            throw new IllegalArgumentException("language_config: grouped-query attention (num_key_value_heads "
                    + kvHeads + " != num_attention_heads " + heads + ") is not used by Janus-Pro and not supported");
        }
        String act = Json.string(c, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException("language_config.hidden_act '" + act + "' is not supported (silu)");
        }
        return new LlamaConfig(
                Json.integer(c, "hidden_size", 2048),
                Json.integer(c, "intermediate_size", 5632),
                Json.integer(c, "num_hidden_layers", 24),
                heads,
                kvHeads,
                Json.integer(c, "vocab_size", 102400),
                Json.number(c, "rms_norm_eps", 1e-6),
                Json.number(c, "rope_theta", 10000.0),
                Json.integer(c, "max_position_embeddings", 4096));
    }
}
