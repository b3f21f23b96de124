package dev.janusstream.runtime.config;

import com.google.gson.JsonObject;

/** An {@code mlp_gelu} projector of depth 2: Linear(in, out) -> GELU -> Linear(out, out). */
public record AlignerConfig(int inputDim, int outputDim) {

    static AlignerConfig fromJson(JsonObject c, String key, int dfltIn, int dfltOut) {
        JsonObject p = Json.obj(c, "params");
        String type = Json.string(p, "projector_type", "mlp_gelu");
        String scope = key + ".params";
        int depth = Json.integer(p, scope, "depth", 2, 1, 64);
        if (!type.equals("mlp_gelu") || depth != 2) {
            throw new IllegalArgumentException(key + ": projector " + type + " depth " + depth
                    + " is not supported (Janus-Pro uses mlp_gelu, depth 2)");
        }
        return new AlignerConfig(Json.integer(p, scope, "input_dim", dfltIn, 1, Limits.MAX_WIDTH),
                Json.integer(p, scope, "n_embed", dfltOut, 1, Limits.MAX_WIDTH));
    }
}
