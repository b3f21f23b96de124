package dev.janusstream.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.config.JanusConfig;
import dev.janusstream.runtime.golden.GoldenCases;
import dev.janusstream.runtime.weights.Checkpoint;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The LLaMA decoder and its KV cache against the official implementation (fp32, logits within 1e-4). */
class LlamaGoldenTest {
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));
    static final double TOL = 1e-4;
    static NDManager manager;
    static Checkpoint ckpt;
    static GoldenCases g;
    static LlamaDecoder llm;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        ckpt = Checkpoint.open(GOLDEN);
        g = GoldenCases.open(GOLDEN.resolve("cases.safetensors"));
        JanusConfig cfg = JanusConfig.read(GOLDEN);
        llm = LlamaDecoder.load(new Params(ckpt, manager, DataType.FLOAT32).at("language_model"), cfg.language(), 512);
    }

    @AfterAll
    static void close() {
        g.close();
        ckpt.close();
        manager.close();
    }

    @Test
    void textForwardMatchesEveryPosition() {
        try (NDManager m = manager.newSubManager()) {
            NDArray ids = g.array("llm.input_ids", m);
            int t = (int) ids.getShape().get(1);
            assertMax(llm.embed(ids).toFloatArray(), g.floats("llm.embeddings"), 0, "llm.embeddings");
            try (KvCache cache = llm.newCache(m, 1, t)) {
                NDArray hidden = llm.forward(llm.embed(ids), new LlamaDecoder.Step(new int[] {0}, new int[] {0}, new int[] {0}, t), cache);
                assertMax(llm.lmHead(hidden).toFloatArray(), g.floats("llm.logits"), TOL, "llm.logits");
            }
        }
    }

    @Test
    void greedyDecodeWithCacheMatchesSingle() {
        try (NDManager m = manager.newSubManager()) {
            NDArray embeds = g.array("und.inputs_embeds", m);
            int[] greedy = g.ints("und.greedy_ids");
            float[][] steps = decode(m, embeds, new int[] {0}, greedy.length);
            int[] got = argmaxRows(steps);
            assertArrayEquals(greedy, got, "und.greedy_ids");
            assertMax(steps[0], g.floats("und.logits_last"), TOL, "und.logits_last");
            assertMax(dev.janusstream.runtime.golden.GoldenVerifier.concat(steps), g.floats("und.step_logits"), TOL, "und.step_logits");
        }
    }

    @Test
    void leftPaddedBatchMatches() {
        try (NDManager m = manager.newSubManager()) {
            NDArray embeds = g.array("batch.inputs_embeds", m);
            long[] mask = g.longs("batch.attention_mask");
            int b = 2, t = (int) embeds.getShape().get(1);
            int[] validFrom = new int[b];
            for (int r = 0; r < b; r++) {
                while (mask[r * t + validFrom[r]] == 0) {
                    validFrom[r]++;
                }
            }
            int[] greedy = g.ints("batch.greedy_ids");
            int n = greedy.length / b;
            float[][] steps = decode(m, embeds, validFrom, n); // steps[s] = [B*V]
            int v = steps[0].length / b;
            float[] stepLogits = new float[b * n * v];
            int[] got = new int[b * n];
            for (int s = 0; s < n; s++) {
                for (int r = 0; r < b; r++) {
                    System.arraycopy(steps[s], r * v, stepLogits, (r * n + s) * v, v);
                    got[r * n + s] = argmax(Arrays.copyOfRange(steps[s], r * v, (r + 1) * v));
                }
            }
            assertArrayEquals(greedy, got, "batch.greedy_ids");
            assertMax(steps[0], g.floats("batch.logits_last"), TOL, "batch.logits_last");
            assertMax(stepLogits, g.floats("batch.step_logits"), TOL, "batch.step_logits");
        }
    }

    /** Prefill + greedy decode; returns the logits of every step, [B*V] each. */
    private float[][] decode(NDManager m, NDArray embeds, int[] validFrom, int steps) {
        int b = (int) embeds.getShape().get(0), t = (int) embeds.getShape().get(1);
        int[] slots = new int[b];
        int[] start = new int[b];
        for (int i = 0; i < b; i++) {
            slots[i] = i;
        }
        float[][] out = new float[steps][];
        try (KvCache cache = llm.newCache(m, b, t + steps)) {
            NDArray hidden = llm.forward(embeds, new LlamaDecoder.Step(slots, start, validFrom, t), cache);
            NDArray logits = llm.lmHead(hidden.get(new NDIndex(":, -1")));
            for (int s = 0; s < steps; s++) {
                out[s] = logits.toFloatArray();
                int v = out[s].length / b;
                long[] next = new long[b];
                for (int r = 0; r < b; r++) {
                    next[r] = argmax(Arrays.copyOfRange(out[s], r * v, (r + 1) * v));
                }
                Arrays.fill(start, t + s);
                NDArray x = llm.embed(m.create(next, new Shape(b, 1)));
                hidden = llm.forward(x, new LlamaDecoder.Step(slots, start.clone(), validFrom, 1), cache);
                logits = llm.lmHead(hidden.get(new NDIndex(":, -1")));
            }
        }
        return out;
    }

    static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }

    static int[] argmaxRows(float[][] steps) {
        return Arrays.stream(steps).mapToInt(LlamaGoldenTest::argmax).toArray();
    }

    static void assertMax(float[] got, float[] want, double tol, String name) {
        double d = GoldenCases.maxAbsDiff(got, want);
        assertTrue(d <= tol, name + " max abs diff " + d + " > " + tol);
    }
}
