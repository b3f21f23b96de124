package dev.janusstream.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Model directories whose config files claim absurd, negative, overflowing or inconsistent
 * dimensions: {@link JanusConfig#read} fails naming the file and the key, before anything is sized
 * from them.
 */
class HostileConfigTest {
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));

    /** A copy of the golden tiny model's configs with one value replaced (path like "language_config.hidden_size"). */
    private static Path withValue(Path dir, String file, String path, String json) throws Exception {
        for (String f : new String[] {"config.json", "preprocessor_config.json", "processor_config.json"}) {
            if (Files.exists(GOLDEN.resolve(f))) {
                Files.copy(GOLDEN.resolve(f), dir.resolve(f));
            }
        }
        Path target = dir.resolve(file);
        JsonObject root = Files.exists(target) ? JsonParser.parseString(Files.readString(target)).getAsJsonObject()
                : new JsonObject();
        String[] keys = path.split("\\.");
        JsonObject o = root;
        for (int i = 0; i < keys.length - 1; i++) {
            if (!o.has(keys[i])) {
                o.add(keys[i], new JsonObject());
            }
            o = o.getAsJsonObject(keys[i]);
        }
        JsonElement v = JsonParser.parseString(json);
        o.add(keys[keys.length - 1], v);
        Files.writeString(target, root.toString());
        return dir;
    }

    @Test
    void goldenConfigsAreAccepted() {
        JanusConfig c = JanusConfig.read(GOLDEN);
        assertEquals(c.vision().numPatches(), c.chatProcessor().numImageTokens());
    }

    @ParameterizedTest(name = "{0}.{1} = {2}")
    @CsvSource(delimiter = '|', value = {
        "config.json | language_config.hidden_size | 0 | language_config.hidden_size is 0; expected 1..65536",
        "config.json | language_config.hidden_size | -96 | language_config.hidden_size is -96",
        "config.json | language_config.hidden_size | 1e12 | language_config.hidden_size is 1e12, not an integer",
        "config.json | language_config.hidden_size | 96.5 | language_config.hidden_size is 96.5, not an integer",
        "config.json | language_config.hidden_size | \"big\" | language_config.hidden_size is \"big\", not an integer",
        "config.json | language_config.vocab_size | 2147483647 | language_config.vocab_size is 2147483647; expected 1..4194304",
        "config.json | language_config.num_hidden_layers | 100000 | language_config.num_hidden_layers is 100000",
        "config.json | language_config.num_attention_heads | 0 | language_config.num_attention_heads is 0",
        "config.json | language_config.hidden_size | 100 | hidden_size 100 is not num_attention_heads 4 times an even head size",
        "config.json | language_config.max_position_embeddings | 4294967296 | max_position_embeddings is 4294967296",
        "config.json | language_config.max_position_embeddings | 16 | do not fit language_config.max_position_embeddings 16",
        "config.json | language_config.rms_norm_eps | -1 | language_config.rms_norm_eps is -1.0",
        "config.json | language_config.rope_theta | 0 | language_config.rope_theta is 0.0",
        "config.json | vision_config.params.image_size | 1000000 | vision_config.params.image_size is 1000000; expected 1..4096",
        "config.json | vision_config.params.patch_size | 0 | vision_config.params.patch_size is 0",
        "config.json | vision_config.params.patch_size | 7 | is not a multiple of patch_size 7",
        "config.json | vision_config.params.width | 65537 | vision_config.params.width is 65537",
        "config.json | vision_config.params.mlp_ratio | 1e9 | vision_config.params.mlp_ratio is 1.0E9",
        "config.json | vision_config.params.select_layer | -1000 | vision_config.params.select_layer is -1000",
        "config.json | gen_vision_config.params.decoder_ch_mult | [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1] | decoder_ch_mult has 34 values; expected 1..8",
        "config.json | gen_vision_config.params.decoder_ch_mult | [1,-2] | decoder_ch_mult[1] is -2",
        "config.json | gen_vision_config.params.ch | 100000 | gen_vision_config.params.ch is 100000",
        "config.json | gen_vision_config.params.codebook_size | 2000000000 | gen_vision_config.params.codebook_size is 2000000000",
        "config.json | gen_head_config.params.image_token_size | 513 | gen_head image_token_size 513 != codebook size 512",
        "config.json | gen_aligner_config.params.input_dim | 9 | gen_aligner input_dim 9 != gen_vision n_embed 8",
        "preprocessor_config.json | image_size | 48 | image_size 48 != ",
        "preprocessor_config.json | image_size | -1 | image_size is -1",
        "preprocessor_config.json | image_mean | [0.5] | image_mean has 1 values; expected 3",
        "preprocessor_config.json | image_std | [0.5,0,0.5] | image_std[1] is 0.0",
        "preprocessor_config.json | background_color | [1,2,300] | background_color[2] is 300",
        "preprocessor_config.json | rescale_factor | 1e400 | rescale_factor is Infinity",
        "processor_config.json | num_image_tokens | 2147483647 | num_image_tokens is 2147483647",
        "processor_config.json | num_image_tokens | 17 | num_image_tokens 17 != vision patches",
    })
    void outOfRangeOrInconsistentValueNamesFileAndKey(String file, String path, String value, String expected,
            @TempDir Path dir) throws Exception {
        withValue(dir, file, path, value);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JanusConfig.read(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve(file) + ": "), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "says what is wrong (" + expected + "): " + e.getMessage());
    }

    @Test
    void oversizedConfigIsRefusedBeforeReading(@TempDir Path dir) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("config.json").toFile(), "rw")) {
            f.setLength(3L << 30); // sparse 3 GiB: reading it would need 6 GiB of String
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JanusConfig.read(dir));
        assertTrue(e.getMessage().contains(dir.resolve("config.json") + ": 3221225472 bytes, over the limit of "
                + ModelFiles.MAX_CONFIG_BYTES), e.getMessage());
    }
}
