package dev.janusstream.runtime.text;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.janusstream.runtime.config.ModelFiles;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tokenizer files that are too big or claim impossible ids fail at load, naming the file. */
class TokenizerFilesBoundsTest {
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));

    private static Path copy(Path dir) throws Exception {
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
            if (Files.exists(GOLDEN.resolve(f))) {
                Files.copy(GOLDEN.resolve(f), dir.resolve(f));
            }
        }
        return dir;
    }

    private static void sparse(Path file, long length) throws Exception {
        Files.deleteIfExists(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length); // nothing written: the limit must hold before reading
        }
    }

    private static void assertFails(Path dir, String... expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JanusTokenizer.load(dir).close());
        for (String x : expected) {
            assertTrue(e.getMessage().contains(x), "contains '" + x + "': " + e.getMessage());
        }
    }

    @Test
    void goldenTokenizerLoads(@TempDir Path dir) throws Exception {
        JanusTokenizer.load(copy(dir)).close();
    }

    @Test
    void oversizedTokenizerJsonIsRefusedBeforeReading(@TempDir Path dir) throws Exception {
        sparse(copy(dir).resolve("tokenizer.json"), ModelFiles.MAX_TOKENIZER_BYTES + 1);
        assertFails(dir, dir.resolve("tokenizer.json").toString(), "over the limit of " + ModelFiles.MAX_TOKENIZER_BYTES);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizer_config.json", "special_tokens_map.json"})
    void oversizedTokenizerConfigIsRefusedBeforeReading(String name, @TempDir Path dir) throws Exception {
        sparse(copy(dir).resolve(name), ModelFiles.MAX_TOKENIZER_CONFIG_BYTES + 1);
        assertFails(dir, dir.resolve(name).toString(), "over the limit of " + ModelFiles.MAX_TOKENIZER_CONFIG_BYTES);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2147483647", "-5", "1e12", "4194304"})
    void addedTokenWithAnImpossibleIdIsRefused(String id, @TempDir Path dir) throws Exception {
        Path f = copy(dir).resolve("tokenizer.json");
        String json = Files.readString(f);
        int at = json.indexOf("\"added_tokens\"");
        int idAt = json.indexOf("\"id\"", at);
        int colon = json.indexOf(':', idAt);
        int end = colon + 1;
        while (Character.isWhitespace(json.charAt(end)) || Character.isDigit(json.charAt(end))) {
            end++;
        }
        Files.writeString(f, json.substring(0, colon + 1) + " " + id + json.substring(end));
        assertFails(dir, f.toString(), id.equals("1e12") ? "is not a 32-bit integer" : "has id " + id);
    }
}
