package dev.janusstream.runtime.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.ModelPreset;
import dev.janusstream.runtime.NativeEnvironment;
import dev.janusstream.runtime.bench.ProcessMemory;
import dev.janusstream.runtime.config.SigLipConfig;
import dev.janusstream.runtime.weights.RandomWeights;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Time per image of the real-size SigLIP-L/16 @ 384 tower alone (random weights, ~1.2 GB), and of
 * its weight matmuls alone. Not a timed test: it only prints. Run with
 * {@code mvn -pl model-runtime -am test -Dtest=SigLipBench -Dsurefire.failIfNoSpecifiedTests=false -Djanus.bench=true [-Djanus.bench.batch=1,4 -Djanus.bench.reps=3]}.
 */
@EnabledIfSystemProperty(named = "janus.bench", matches = "true")
class SigLipBench {

    @Test
    void realSizeTower() {
        NativeEnvironment.apply();
        SigLipConfig c = ModelPreset.JANUS_PRO_1B.config().vision();
        int reps = Integer.getInteger("janus.bench.reps", 3);
        String[] batches = System.getProperty("janus.bench.batch", "1,4").split(",");
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            RandomWeights w = new RandomWeights(0, false);
            SigLipEncoder enc = SigLipEncoder.load(new Params(w, manager, DataType.FLOAT32).at("vision_model.vision_tower"), c);
            for (String bs : batches) {
                int b = Integer.parseInt(bs.trim());
                try (NDManager m = manager.newSubManager()) {
                    NDArray px = m.randomUniform(-1, 1, new Shape(b, 3, c.imageSize(), c.imageSize()));
                    enc.forward(px.get("0:1")).close(); // warm-up
                    double best = Double.MAX_VALUE, bestMm = Double.MAX_VALUE, cpu = Double.MAX_VALUE, cpuMm = Double.MAX_VALUE;
                    for (int r = 0; r < reps; r++) {
                        long t0 = System.nanoTime(), c0 = ProcessMemory.cpuNanos();
                        enc.forward(px).close();
                        best = Math.min(best, (System.nanoTime() - t0) / 1e6 / b);
                        cpu = Math.min(cpu, (ProcessMemory.cpuNanos() - c0) / 1e6 / b);
                        t0 = System.nanoTime();
                        c0 = ProcessMemory.cpuNanos();
                        try (NDManager s = m.newSubManager()) {
                            enc.matmulsOnly(s, b).close();
                        }
                        bestMm = Math.min(bestMm, (System.nanoTime() - t0) / 1e6 / b);
                        cpuMm = Math.min(cpuMm, (ProcessMemory.cpuNanos() - c0) / 1e6 / b);
                    }
                    System.out.printf(Locale.ROOT, "SigLIP b%d: wall %.0f ms/image, cpu %.0f ms/image; matmuls alone wall %.0f, cpu %.0f ms/image;"
                            + " ratio wall %.2f, cpu %.2f (best of %d, threads %s, THP_MEM_ALLOC_ENABLE=%s, load %s)%n",
                            b, best, cpu, bestMm, cpuMm, best / bestMm, cpu / cpuMm, reps, System.getProperty("ai.djl.pytorch.num_threads", "default"),
                            NativeEnvironment.get("THP_MEM_ALLOC_ENABLE"), dev.janusstream.runtime.bench.MemoryProbe.loadAverage());
                }
            }
        }
    }
}
