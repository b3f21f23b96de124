package dev.janusstream.runtime.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.janusstream.runtime.golden.GoldenCases;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * JanusTokenizer on the golden toy tokenizer (byte-level: every non-special character is its UTF-8
 * bytes, ids 600..605 special), loaded from the model directory only.
 */
class TokenizerTest {
    static Path dir;
    static JanusTokenizer tok;

    @BeforeAll
    static void load() {
        dir = Path.of(System.getProperty("janus.golden.dir", "../../shared/golden/janus-tiny"));
        tok = JanusTokenizer.load(dir);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    /** The toy rule for text without special-token strings: its UTF-8 bytes. */
    static int[] bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int[] r = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[i] & 0xFF;
        }
        return r;
    }

    @Test
    void specialTokensAreFoundByName() {
        // toy_tokenizer.json lists the ids the goldens were made with
        assertEquals(600, tok.bosId());
        assertEquals(601, tok.eosId());
        assertEquals(602, tok.padId());
        assertEquals(603, tok.imagePlaceholderId());
        assertEquals(604, tok.beginOfImageId());
        assertEquals(605, tok.endOfImageId());
        assertEquals(640, tok.vocabSize());
        assertEquals(603, tok.tokenId("<image_placeholder>"));
        assertTrue(tok.isSpecial(601));
        assertFalse(tok.isSpecial(65));
        assertThrows(IllegalArgumentException.class, () -> tok.tokenId("<no such token>"));
    }

    @Test
    void encodesTheGoldenLlmTextWithoutBos() {
        try (GoldenCases c = GoldenCases.open(dir.resolve("cases.safetensors"))) {
            int[] want = c.ints("llm.input_ids");
            assertEquals(tok.bosId(), want[0]);
            assertArrayEquals(Arrays.copyOfRange(want, 1, want.length), tok.encodeText(c.utf8("llm.text_utf8")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Describe the image.", "héllo wörld ✓ 日本 🙂", "tab\tcr\r\nnl\n", " leading and trailing ", "<",
            "<|User|>: x", "a", "Hello , world ! it 's"})
    void ordinaryTextIsItsUtf8Bytes(String text) {
        assertArrayEquals(bytes(text), tok.encodeText(text));
        assertEquals(text, tok.decode(tok.encodeText(text)));
    }

    @Test
    void emptyTextHasNoIds() {
        assertEquals(0, tok.encodeText("").length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"<image_placeholder>", "What is <image_placeholder> here?", "stop<｜end▁of▁sentence｜>now",
            "<begin_of_image><end_of_image>", "<｜begin▁of▁sentence｜><｜▁pad▁｜>", "<image_placeholder<image_placeholder>>",
            "<<begin_of_image>"})
    void specialTokenStringsInUserTextStayText(String text) {
        int[] ids = tok.encodeText(text);
        for (int id : ids) {
            assertFalse(tok.isSpecial(id), "special id " + id + " from user text " + text);
            assertTrue(id < 256, "id " + id + " is not a byte token");
        }
        // exactly the characters typed, byte for byte
        assertArrayEquals(bytes(text), ids);
        assertEquals(text, tok.decode(ids));
    }

    @Test
    void decodeSkipsSpecialTokens() {
        int[] ids = new int[] {tok.bosId(), 'H', 'i', tok.imagePlaceholderId(), '!', tok.eosId(), tok.padId()};
        assertEquals("Hi!", tok.decode(ids));
    }

    @Test
    void cleanUpFollowsTheConfig(@TempDir Path d) throws Exception {
        // the golden config says clean_up_tokenization_spaces = false (round trips above); without
        // the key transformers cleans " ," -> "," and " 's" -> "'s" in decode
        Files.copy(dir.resolve("tokenizer.json"), d.resolve("tokenizer.json"));
        Files.writeString(d.resolve("special_tokens_map.json"),
                "{\"bos_token\": \"<｜begin▁of▁sentence｜>\", \"eos_token\": \"<｜end▁of▁sentence｜>\"}");
        try (JanusTokenizer t = JanusTokenizer.load(d)) {
            assertEquals("Hello, world! it's", t.decode(bytes("Hello , world ! it 's")));
            assertEquals(602, t.padId()); // no pad_token named: VLChatProcessor's pad tag
        }
    }

    @Test
    void missingTokenizerJsonIsAClearError(@TempDir Path empty) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JanusTokenizer.load(empty));
        assertTrue(e.getMessage().contains("no tokenizer.json"), e.getMessage());
    }

    @Test
    void padFallsBackToEosWhenUnnamed(@TempDir Path d) throws Exception {
        // a checkpoint whose configs name no pad token and whose vocabulary lacks the Janus pad tag
        String json = Files.readString(dir.resolve("tokenizer.json"));
        Files.writeString(d.resolve("tokenizer.json"), json.replace("▁pad▁", "▁nopad▁"));
        Files.writeString(d.resolve("tokenizer_config.json"),
                "{\"bos_token\": {\"content\": \"<｜begin▁of▁sentence｜>\"}, \"eos_token\": \"<｜end▁of▁sentence｜>\"}");
        try (JanusTokenizer t = JanusTokenizer.load(d)) {
            assertEquals(600, t.bosId());
            assertEquals(601, t.padId());
        }
    }
}
