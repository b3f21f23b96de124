package dev.janusstream.runtime.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every golden case of shared/golden/janus-tiny through the real loading path: fp32 weights,
 * sharded BF16 safetensors and the PyTorch .bin copy (BF16 widened to float32 at load).
 */
class GoldenVerifierTest {
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));

    @Test
    void everyGoldenCasePasses() {
        List<GoldenVerifier.CaseResult> results = GoldenVerifier.verify(GOLDEN);
        results.forEach(System.out::println);
        String failed = results.stream().filter(r -> !r.pass()).map(Object::toString).collect(Collectors.joining("\n"));
        assertTrue(failed.isEmpty(), "failed cases:\n" + failed);
        Set<String> covered = results.stream().map(r -> r.name() + " [" + r.weights() + "]").collect(Collectors.toSet());
        for (String must : List.of("img.imgA.pixel_values [fp32]", "vision.aligned [fp32]", "und.inputs_embeds [fp32]",
                "und.logits_last [fp32]", "und.step_logits [fp32]", "und.greedy_ids [fp32]",
                "batch.inputs_embeds [fp32]", "batch.logits_last [fp32]", "batch.step_logits [fp32]", "batch.greedy_ids [fp32]",
                "llm.logits [fp32]", "gen.step0_logits_cfg [fp32]", "gen.step0_probs [fp32]", "gen.step_logits_cfg [fp32]",
                "gen.greedy_tokens [fp32]", "gen.decoded [fp32]", "gen.image_u8 [fp32]", "gen_forced.step_logits_cfg [fp32]",
                "gen_forced.decoded [fp32]", "vq.decoded [fp32]",
                "und.logits_last [bf16]", "und.greedy_ids [bf16]", "vision.aligned [bf16]", "vq.decoded [bf16]",
                "gen.step0_logits_cfg [bf16]", "gen.greedy_tokens [bf16]",
                "und.logits_last [bin]", "und.greedy_ids [bin]", "gen.greedy_tokens [bin]")) {
            assertTrue(covered.contains(must), "case not run: " + must);
        }
        assertEquals(0, results.stream().filter(r -> !r.pass()).count());
    }
}
