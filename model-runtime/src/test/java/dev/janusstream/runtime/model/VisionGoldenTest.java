package dev.janusstream.runtime.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.janusstream.runtime.config.JanusConfig;
import dev.janusstream.runtime.golden.GoldenCases;
import dev.janusstream.runtime.weights.Checkpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** SigLIP tower + aligner against the official implementation (fp32, tolerance 1e-4). */
class VisionGoldenTest {
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));

    @Test
    void visionTowerAndAlignerMatchGolden() {
        JanusConfig cfg = JanusConfig.read(GOLDEN);
        try (NDManager m = NDManager.newBaseManager();
                Checkpoint ckpt = Checkpoint.open(GOLDEN);
                GoldenCases g = GoldenCases.open(GOLDEN.resolve("cases.safetensors"))) {
            Params p = new Params(ckpt, m, DataType.FLOAT32);
            SigLipEncoder vision = SigLipEncoder.load(p.at("vision_model.vision_tower"), cfg.vision());
            MlpAligner aligner = MlpAligner.load(p.at("aligner"), cfg.aligner());
            NDArray pixels = g.array("vision.pixel_values", m);
            NDArray features = vision.forward(pixels);
            double dFeat = GoldenCases.maxAbsDiff(features.toFloatArray(), g.floats("vision.features"));
            assertTrue(dFeat <= 1e-4, "vision.features max abs diff " + dFeat);
            double dAligned = GoldenCases.maxAbsDiff(aligner.forward(features).toFloatArray(), g.floats("vision.aligned"));
            assertTrue(dAligned <= 1e-4, "vision.aligned max abs diff " + dAligned);
        }
    }
}
