package dev.janusstream.runtime.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.janusstream.runtime.config.ModelFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What JanusTokenizer needs from a HF model directory's {@code tokenizer_config.json} (first) and
 * {@code special_tokens_map.json}: bos/eos/pad token names (a string or an AddedToken object with
 * {@code content}; pad may be null) and {@code clean_up_tokenization_spaces} (transformers'
 * default, true, when absent).
 */
record HfTokenizerConfig(String bos, String eos, String pad, boolean cleanUpSpaces) {

    static HfTokenizerConfig read(Path dir) {
        JsonObject cfg = readObject(dir.resolve("tokenizer_config.json"));
        JsonObject map = readObject(dir.resolve("special_tokens_map.json"));
        String bos = name(cfg, map, "bos_token");
        String eos = name(cfg, map, "eos_token");
        if (bos == null || eos == null) {
            throw new IllegalArgumentException(dir + ": tokenizer_config.json / special_tokens_map.json name no "
                    + (bos == null ? "bos_token" : "eos_token"));
        }
        JsonElement cleanUp = cfg.get("clean_up_tokenization_spaces");
        return new HfTokenizerConfig(bos, eos, name(cfg, map, "pad_token"),
                cleanUp == null || cleanUp.isJsonNull() || cleanUp.getAsBoolean());
    }

    private static String name(JsonObject cfg, JsonObject map, String key) {
        String v = value(cfg.get(key));
        return v != null ? v : value(map.get(key));
    }

    private static String value(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            JsonElement c = e.getAsJsonObject().get("content");
            return c == null || c.isJsonNull() ? null : c.getAsString();
        }
        return e.getAsString();
    }

    private static JsonObject readObject(Path f) {
        if (!Files.isRegularFile(f)) {
            return new JsonObject();
        }
        try {
            return JsonParser.parseString(ModelFiles.readString(f, ModelFiles.MAX_TOKENIZER_CONFIG_BYTES)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": cannot read: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw e; // over the size limit: the message names the file
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(f + ": not a JSON object: " + e.getMessage(), e);
        }
    }
}
