package dev.janusstream.runtime.config;

import com.google.gson.JsonObject;

/** The {@code vision_head}: Linear(n_embed, image_token_embed) -> GELU -> Linear(-, image_token_size). */
public record GenHeadConfig(int nEmbed, int tokenEmbed, int imageTokenSize) {
    static GenHeadConfig fromJson(JsonObject c, int dfltEmbed) {
        JsonObject p = Json.obj(c, "params");
        String s = "gen_head_config.params";
        int n = Json.integer(p, s, "n_embed", dfltEmbed, 1, Limits.MAX_WIDTH);
        return new GenHeadConfig(n, Json.integer(p, s, "image_token_embed", n, 1, Limits.MAX_WIDTH),
                Json.integer(p, s, "image_token_size", 16384, 1, Limits.MAX_CODEBOOK));
    }
}
