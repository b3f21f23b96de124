package dev.janusstream.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.janusstream.runtime.config.JanusConfig;
import dev.janusstream.runtime.golden.GoldenCases;
import dev.janusstream.runtime.weights.Checkpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GenHeadTest {
    @Test
    void step0LogitsMatch() {
        Path dir = Path.of(System.getProperty("janus.golden.dir", "/work/shared/golden/janus-tiny"));
        try (NDManager manager = NDManager.newBaseManager(Device.cpu()); Checkpoint ck = Checkpoint.open(dir);
                GoldenCases cases = GoldenCases.open(dir.resolve("cases.safetensors"))) {
            GenHead head = GenHead.load(new Params(ck, manager, DataType.FLOAT32), JanusConfig.read(dir).genHead());
            try (NDManager m = manager.newSubManager()) {
                NDArray hidden = cases.array("gen.step0_last_hidden", m);
                NDArray logits = head.forward(hidden);
                assertEquals(m, logits.getManager());
                assertEquals(cases.ndShape("gen.step0_logits_raw"), logits.getShape());
                double d = GoldenCases.maxAbsDiff(cases.floats("gen.step0_logits_raw"), logits.toFloatArray());
                System.out.printf("gen.step0_logits_raw: max |diff| = %.3g%n", d);
                assertTrue(d <= 1e-4, "gen.step0_logits_raw: max |diff| = " + d);
                assertThrows(IllegalArgumentException.class, () -> head.forward(m.zeros(new ai.djl.ndarray.types.Shape(2, 5))));
            }
        }
    }

    /** The guided head mixes cond and uncond before vision_head; the result is the official logits-space CFG. */
    @Test
    void guidedLogitsMatchTheOfficialCfgAtStep0() {
        Path dir = Path.of(System.getProperty("janus.golden.dir", "/work/shared/golden/janus-tiny"));
        try (NDManager manager = NDManager.newBaseManager(Device.cpu()); Checkpoint ck = Checkpoint.open(dir);
                GoldenCases cases = GoldenCases.open(dir.resolve("cases.safetensors"))) {
            GenHead head = GenHead.load(new Params(ck, manager, DataType.FLOAT32), JanusConfig.read(dir).genHead());
            float w = Float.parseFloat(cases.metadata().getOrDefault("gen_cfg_weight", "5"));
            try (NDManager m = manager.newSubManager()) {
                NDArray hidden = cases.array("gen.step0_last_hidden", m); // [2P, D], cond/uncond pairs
                long images = hidden.getShape().get(0) / 2;
                NDArray logits = head.guided(hidden, m.full(new ai.djl.ndarray.types.Shape(images, 1), w));
                assertEquals(m, logits.getManager());
                assertEquals(cases.ndShape("gen.step0_logits_cfg"), logits.getShape());
                double d = GoldenCases.maxAbsDiff(cases.floats("gen.step0_logits_cfg"), logits.toFloatArray());
                System.out.printf("gen.step0_logits_cfg (guided head): max |diff| = %.3g%n", d);
                assertTrue(d <= 1e-4, "gen.step0_logits_cfg: max |diff| = " + d);
                // and it is the mix of the per-row logits, which differ between cond and uncond
                float[] raw = head.forward(hidden).toFloatArray();
                int k = (int) logits.getShape().get(1);
                float[] guided = logits.toFloatArray();
                double mixDiff = 0, condVsUncond = 0;
                for (int i = 0; i < images; i++) {
                    for (int j = 0; j < k; j++) {
                        float c = raw[(2 * i) * k + j], u = raw[(2 * i + 1) * k + j];
                        mixDiff = Math.max(mixDiff, Math.abs(u + w * (c - u) - guided[i * k + j]));
                        condVsUncond = Math.max(condVsUncond, Math.abs(c - u));
                    }
                }
                assertTrue(mixDiff <= 1e-4, "guided vs mixed per-row logits: " + mixDiff);
                assertTrue(condVsUncond > 1e-2, "cond and uncond rows must differ for this test to mean anything");
            }
        }
    }
}
