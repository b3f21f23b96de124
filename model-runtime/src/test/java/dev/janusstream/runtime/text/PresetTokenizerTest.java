package dev.janusstream.runtime.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.janusstream.runtime.ModelPreset;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The janus-pro-1b preset's word-level stand-in tokenizer gives prompts the lengths the reference
 * harness ({@code ../shared/reference-bench/ref_bench.py}, {@code WordTokenizer}: one token per
 * GPT-2 pre-token) gives the official code, so benchmarks prefill like-for-like prompts.
 */
class PresetTokenizerTest {

    @Test
    void captionPromptHasTheReferenceHarnessLength(@TempDir Path dir) {
        ModelPreset.JANUS_PRO_1B.writeFiles(dir);
        try (JanusTokenizer tok = JanusTokenizer.load(dir)) {
            ChatTemplate template = new ChatTemplate(tok, 576, 4096);
            // ref_bench.py und1: "prompt tokens per row 632..632" for this question and one 384² image
            assertEquals(632, template.understanding("Describe this image in detail.", 1).length());
            // one token per word or punctuation run, words outside the stand-in vocabulary included
            assertEquals(6, tok.encodeText("Describe this image in detail.").length);
            assertEquals(4, tok.encodeText("zebra quokka, ok").length);
            assertEquals(" this image in detail.", tok.decode(tok.encodeText(" this image in detail.")));
        }
    }
}
