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
}
