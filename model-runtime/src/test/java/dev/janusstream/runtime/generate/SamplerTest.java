package dev.janusstream.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.golden.GoldenCases;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Greedy, probabilities, filters, inverse CDF and log-probs against the janus-tiny goldens and host math. */
class SamplerTest {
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir", "../shared/golden/janus-tiny"));
    static GoldenCases golden;
    static NDManager manager;

    @BeforeAll
    static void open() {
        golden = GoldenCases.open(GOLDEN.resolve("cases.safetensors"));
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
        golden.close();
    }

    static List<SamplingParams> same(SamplingParams p, int rows) {
        return Collections.nCopies(rows, p);
    }

    /** First index of the maximum, like torch.argmax. */
    static int argmax(float[] a, int row, int v) {
        int best = 0;
        for (int j = 1; j < v; j++) {
            if (a[row * v + j] > a[row * v + best]) {
                best = j;
            }
        }
        return best;
    }

    static int[] hostArgmax(float[] a, int rows, int v) {
        int[] r = new int[rows];
        for (int i = 0; i < rows; i++) {
            r[i] = argmax(a, i, v);
        }
        return r;
    }

    /** softmax(row / t) in double. */
    static double[] hostProbs(float[] a, int row, int v, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) {
            max = Math.max(max, a[row * v + j] / t);
        }
        double[] p = new double[v];
        double sum = 0;
        for (int j = 0; j < v; j++) {
            p[j] = Math.exp(a[row * v + j] / t - max);
            sum += p[j];
        }
        for (int j = 0; j < v; j++) {
            p[j] /= sum;
        }
        return p;
    }

    /** Token ids by decreasing probability. */
    static Integer[] byProbability(double[] p) {
        Integer[] idx = new Integer[p.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (x, y) -> Double.compare(p[y], p[x]));
        return idx;
    }

    static int[] toInts(long[] l) {
        return Arrays.stream(l).mapToInt(Math::toIntExact).toArray();
    }

    @Test
    void greedyIsArgmaxOfGoldenLogits() {
        // gen: step-0 CFG logits [2, 512] and all 16 steps [2*16, 512] -> the golden greedy grid.
        float[] step0 = golden.floats("gen.step0_logits_cfg");
        int k = 512;
        int[] gridTokens = toInts(golden.longs("gen.greedy_tokens"));
        int[] ids = Sampler.sample(manager.create(step0, new Shape(2, k)), same(SamplingParams.GREEDY, 2), new double[2]);
        assertArrayEquals(hostArgmax(step0, 2, k), ids);
        assertArrayEquals(new int[] {gridTokens[0], gridTokens[16]}, ids);

        float[] steps = golden.floats("gen.step_logits_cfg");
        int[] all = Sampler.sample(manager.create(steps, new Shape(32, k)), same(SamplingParams.GREEDY, 32), new double[32]);
        assertArrayEquals(gridTokens, all);

        // und: last prompt position [1, 640] and every greedy step [12, 640].
        float[] last = golden.floats("und.logits_last");
        int[] undIds = toInts(golden.longs("und.greedy_ids"));
        int[] first = Sampler.sample(manager.create(last, new Shape(1, 640)), List.of(SamplingParams.GREEDY), new double[1]);
        assertEquals(argmax(last, 0, 640), first[0]);
        assertEquals(undIds[0], first[0]);
        float[] undSteps = golden.floats("und.step_logits");
        assertArrayEquals(undIds, Sampler.sample(manager.create(undSteps, new Shape(12, 640)),
                same(SamplingParams.GREEDY, 12), new double[12]));
    }

    @Test
    void greedyTakesFirstMaximumOnTies() {
        float[] x = {1f, 3f, 3f, 0f, 5f, 5f, 5f, 2f};
        int[] ids = Sampler.sample(manager.create(x, new Shape(2, 4)), same(SamplingParams.GREEDY, 2), new double[2]);
        assertArrayEquals(new int[] {1, 0}, ids);
    }

    @Test
    void deviceSoftmaxMatchesGoldenProbabilities() {
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = m.create(golden.floats("gen.step0_logits_cfg"), new Shape(2, 512));
            float[] probs = Sampler.probabilities(logits, 1f).toFloatArray();
            double d = GoldenCases.maxAbsDiff(probs, golden.floats("gen.step0_probs"));
            System.out.printf("device softmax vs gen.step0_probs: max abs diff %.3g%n", d);
            assertTrue(d <= 1e-6, "softmax(logits / 1) vs gen.step0_probs: max abs diff " + d);
        }
    }

    @Test
    void inverseCdfPicksTheTokenWhoseIntervalHoldsU() {
        float[] logits = golden.floats("gen.step0_logits_cfg");
        int v = 512;
        double[] p = hostProbs(logits, 0, v, 1.5);
        double[] cum = new double[v];
        double c = 0;
        for (int j = 0; j < v; j++) {
            c += p[j];
            cum[j] = c;
        }
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        int n = 256;
        double[] u = new double[n];
        for (int i = 0; i < n; i++) {
            u[i] = r.nextDouble();
        }
        u[0] = 0.0;
        u[1] = Math.nextDown(1.0);
        float[] rows = new float[n * v];
        for (int i = 0; i < n; i++) {
            System.arraycopy(logits, 0, rows, i * v, v);
        }
        int[] ids = Sampler.sample(manager.create(rows, new Shape(n, v)), same(SamplingParams.temperature(1.5f), n), u);
        int checked = 0;
        for (int i = 0; i < n; i++) {
            int expected = 0;
            while (expected < v - 1 && cum[expected] < u[i]) {
                expected++;
            }
            double margin = Math.min(Math.abs(cum[expected] - u[i]), expected == 0 ? 1 : Math.abs(cum[expected - 1] - u[i]));
            if (margin > 1e-5 || i == 0) { // far from an interval edge: float32 cumsum must agree
                assertEquals(expected, ids[i], "u = " + u[i]);
                checked++;
            }
        }
        assertTrue(checked > n * 0.9, "checked " + checked);
        // u just below 1 (1.0f on the device) still lands on a token with mass, not past the end
        assertTrue(ids[1] >= 0 && ids[1] < v && p[ids[1]] > 0, "u -> 1 gave " + ids[1]);
    }

    @Test
    void topKAndTopPNeverLeaveTheirSet() {
        float[] logits = golden.floats("gen.step0_logits_cfg");
        int v = 512;
        int n = 2000;
        for (SamplingParams sp : List.of(new SamplingParams(1f, 5, 1f), new SamplingParams(1f, 0, 0.5f),
                new SamplingParams(0.7f, 20, 0.8f), new SamplingParams(2f, 0, 0.9f))) {
            double[] p = hostProbs(logits, 0, v, sp.temperature());
            Integer[] order = byProbability(p);
            int k = sp.topK() == 0 ? v : sp.topK();
            double kMass = 0;
            for (int j = 0; j < k; j++) {
                kMass += p[order[j]];
            }
            boolean[] allowed = new boolean[v];
            double before = 0;
            for (int j = 0; j < k && before < sp.topP() * kMass; j++) {
                allowed[order[j]] = true;
                before += p[order[j]];
            }
            float[] rows = new float[n * v];
            for (int i = 0; i < n; i++) {
                System.arraycopy(logits, 0, rows, i * v, v);
            }
            double[] u = new java.util.SplittableRandom(11).doubles(n).toArray();
            u[0] = 0;
            u[1] = Math.nextDown(1.0);
            int[] ids = Sampler.sample(manager.create(rows, new Shape(n, v)), same(sp, n), u);
            long distinct = Arrays.stream(ids).distinct().count();
            for (int id : ids) {
                assertTrue(allowed[id], sp + " drew token " + id + " outside its set");
            }
            assertTrue(distinct > 1, sp + " should still sample: " + distinct + " distinct");
            assertEquals(order[0].intValue(), ids[0], "u = 0 takes the most probable token");
        }
    }

    @Test
    void tinyTopPAndTopKOneAreGreedy() {
        float[] logits = golden.floats("und.step_logits"); // 12 rows x 640
        int[] greedy = toInts(golden.longs("und.greedy_ids"));
        NDArray x = manager.create(logits, new Shape(12, 640));
        for (SamplingParams sp : List.of(new SamplingParams(1f, 0, 1e-6f), new SamplingParams(1f, 1, 1f),
                new SamplingParams(5f, 0, Float.MIN_VALUE))) {
            for (double u : new double[] {0.0, 0.3, 0.999, Math.nextDown(1.0)}) {
                double[] us = new double[12];
                Arrays.fill(us, u);
                assertArrayEquals(greedy, Sampler.sample(x, same(sp, 12), us), sp + " u=" + u);
            }
        }
    }

    @Test
    void mixedParamsAreGroupedAndReturnedInRowOrder() {
        float[] logits = golden.floats("und.step_logits"); // 12 rows x 640
        int[] greedy = toInts(golden.longs("und.greedy_ids"));
        NDArray x = manager.create(logits, new Shape(12, 640));
        List<SamplingParams> params = new ArrayList<>();
        double[] u = new double[12];
        for (int i = 0; i < 12; i++) {
            params.add(i % 3 == 0 ? SamplingParams.GREEDY : i % 3 == 1 ? new SamplingParams(1f, 1, 1f) : new SamplingParams(0.5f, 0, 1e-7f));
            u[i] = (i * 0.37) % 1;
        }
        assertArrayEquals(greedy, Sampler.sample(x, params, u));
    }

    @Test
    void float16LogitsAreSampledInFloat32() {
        try (NDManager m = manager.newSubManager()) {
            float[] logits = golden.floats("gen.step_logits_cfg"); // 32 rows x 512
            NDArray half = m.create(logits, new Shape(32, 512)).toType(DataType.FLOAT16, false);
            NDArray widened = half.toType(DataType.FLOAT32, false);
            double[] u = new java.util.SplittableRandom(3).doubles(32).toArray();
            for (SamplingParams sp : List.of(SamplingParams.GREEDY, SamplingParams.temperature(1f), new SamplingParams(1f, 8, 0.9f))) {
                assertArrayEquals(Sampler.sample(widened, same(sp, 32), u), Sampler.sample(half, same(sp, 32), u), sp.toString());
            }
            assertEquals(DataType.FLOAT32, Sampler.probabilities(half, 1f).getDataType());
            double d = GoldenCases.maxAbsDiff(Sampler.probabilities(half.get(m.create(new long[] {0, 16})), 1f).toFloatArray(), golden.floats("gen.step0_probs"));
            System.out.printf("float16 logits: probabilities vs gen.step0_probs max abs diff %.3g%n", d);
            assertTrue(d < 2e-3, "float16 probabilities diff " + d);
        }
    }

    @Test
    void logProbsAreLogSoftmaxOfTheTargets() {
        float[] logits = golden.floats("und.step_logits"); // 12 rows x 640
        int v = 640;
        NDArray x = manager.create(logits, new Shape(12, v));
        int[] rows = {0, 5, 5, 11, 3};
        int[] targets = {7, 0, 639, 601, 123};
        float[] lp = Sampler.logProbs(x, rows, targets);
        for (int i = 0; i < rows.length; i++) {
            double expected = Math.log(hostProbs(logits, rows[i], v, 1.0)[targets[i]]);
            assertEquals(expected, lp[i], 1e-5 * Math.max(1, Math.abs(expected)), "row " + rows[i] + " token " + targets[i]);
        }
        int[] greedy = toInts(golden.longs("und.greedy_ids"));
        float[] onGreedy = Sampler.logProbs(x, greedy);
        for (int i = 0; i < 12; i++) {
            assertEquals(Math.log(hostProbs(logits, i, v, 1.0)[greedy[i]]), onGreedy[i], 1e-5);
        }
        assertThrows(IllegalArgumentException.class, () -> Sampler.logProbs(x, new int[] {12}, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> Sampler.logProbs(x, new int[] {0}, new int[] {640}));
    }

    @Test
    void inputsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(-1f, 0, 1f));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(Float.NaN, 0, 1f));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, -1, 1f));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, 0, 0f));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, 0, 1.5f));
        assertTrue(SamplingParams.GREEDY.greedy());
        assertTrue(new SamplingParams(1f, 10, 1f).filtered(512));
        assertTrue(!new SamplingParams(1f, 512, 1f).filtered(512));
        NDArray x = manager.zeros(new Shape(2, 4));
        List<SamplingParams> two = same(SamplingParams.temperature(1f), 2);
        assertThrows(IllegalArgumentException.class, () -> Sampler.sample(x, two, new double[] {0.5, 1.0}));
        assertThrows(IllegalArgumentException.class, () -> Sampler.sample(x, two, new double[] {0.5}));
        assertThrows(IllegalArgumentException.class, () -> Sampler.sample(x, two, Arrays.asList(new RowRng(1), null)));
    }

    @Test
    void rowRngIsReproduciblePerSeed() {
        RowRng a = new RowRng(42);
        RowRng b = new RowRng(42);
        for (int i = 0; i < 100; i++) {
            double x = a.nextUniform();
            assertTrue(x >= 0 && x < 1);
            assertEquals(x, b.nextUniform());
        }
        assertEquals(100, a.draws());
        assertEquals(43, RowRng.forImage(42, 1).seed());
        assertNotEquals(RowRng.forImage(42, 0).nextUniform(), RowRng.forImage(42, 1).nextUniform());
    }
}
