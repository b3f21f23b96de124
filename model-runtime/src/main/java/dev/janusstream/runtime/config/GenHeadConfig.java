package dev.janusstream.runtime.config;

import com.google.gson.JsonObject;

/** The {@code vision_head}: Linear(n_embed, image_token_embed) -> GELU -> Linear(-, image_token_size). */
public record GenHeadConfig(int nEmbed, int tokenEmbed, int imageTokenSize) {
    static GenHeadConfig fromJson(JsonObject c, int dfltEmbed) {
        JsonObject p = Json.obj(c, "params");
        int n = Json.integer(p, "n_embed", dfltEmbed);
        return new GenHeadConfig(n, Json.integer(p, "image_token_embed", n), Json.integer(p, "image_token_size", 16384));
    }
}
