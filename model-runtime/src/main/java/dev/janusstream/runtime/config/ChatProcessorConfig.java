package dev.janusstream.runtime.config;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code processor_config.json} of VLChatProcessor. */
public record ChatProcessorConfig(String imageTag, int numImageTokens, String sftFormat, boolean addSpecialToken) {

    public static ChatProcessorConfig read(Path dir, int dfltImageTokens) {
        Path f = dir.resolve("processor_config.json");
        try {
            return fromJson(Files.exists(f) ? Json.read(f) : new JsonObject(), dfltImageTokens);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(f + ": " + e.getMessage(), e);
        }
    }

    static ChatProcessorConfig fromJson(JsonObject c, int dfltImageTokens) {
        String fmt = Json.string(c, "sft_format", "deepseek");
        if (!fmt.equals("deepseek")) {
            throw new IllegalArgumentException("sft_format '" + fmt + "' is not supported (deepseek)");
        }
        return new ChatProcessorConfig(Json.string(c, "image_tag", "<image_placeholder>"),
                Json.integer(c, "", "num_image_tokens", dfltImageTokens, 1, Limits.MAX_POSITIONS), fmt, Json.bool(c, "add_special_token", false));
    }
}
