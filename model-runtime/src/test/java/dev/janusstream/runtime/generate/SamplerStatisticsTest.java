package dev.janusstream.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.golden.GoldenCases;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Chi-square goodness of fit of sampled tokens against the golden step-0 probabilities of the
 * text-to-image loop (gen.step0_probs = softmax(gen.step0_logits_cfg / 1), 2 rows x 512 codes).
 *
 * <p>Significance level ALPHA = 0.001: a correct sampler is rejected with probability 0.1% per
 * test; the seeds are fixed, so each run is deterministic. Categories whose expected count is below
 * 5 are pooled into one bin (grown with the next smallest categories until it reaches 5).
 */
class SamplerStatisticsTest {
    static final double ALPHA = 1e-3;
    static final int SAMPLES_PER_ROW = 20_000;
    static final int REPLICAS = 500; // each golden row is repeated this many times per batch
    static final int V = 512;

    static GoldenCases golden;
    static NDManager manager;
    static float[] logits;
    static float[] probs;

    @BeforeAll
    static void open() {
        golden = GoldenCases.open(SamplerTest.GOLDEN.resolve("cases.safetensors"));
        manager = NDManager.newBaseManager();
        logits = golden.floats("gen.step0_logits_cfg");
        probs = golden.floats("gen.step0_probs");
    }

    @AfterAll
    static void close() {
        manager.close();
        golden.close();
    }

    /**
     * SAMPLES_PER_ROW draws per golden row, as batches of 2 * REPLICAS rows (each with its own seeded
     * RowRng, rows of both golden rows interleaved); returns counts[goldenRow][token].
     */
    static long[][] draw(SamplingParams sp, long seedBase) {
        int rows = 2 * REPLICAS;
        float[] batch = new float[rows * V];
        List<RowRng> rngs = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            System.arraycopy(logits, (i % 2) * V, batch, i * V, V);
            rngs.add(new RowRng(seedBase + i));
        }
        long[][] counts = new long[2][V];
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(batch, new Shape(rows, V));
            List<SamplingParams> params = Collections.nCopies(rows, sp);
            for (int step = 0; step < SAMPLES_PER_ROW / REPLICAS; step++) {
                int[] ids = Sampler.sample(x, params, rngs);
                for (int i = 0; i < rows; i++) {
                    counts[i % 2][ids[i]]++;
                }
            }
        }
        return counts;
    }

    /** p-value of observed counts against expected probabilities (pooling small categories). */
    static double pValue(double[] expectedProbs, long[] observed) {
        long n = Arrays.stream(observed).sum();
        Integer[] order = new Integer[expectedProbs.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(expectedProbs[a], expectedProbs[b]));
        List<Double> expected = new ArrayList<>();
        List<Long> seen = new ArrayList<>();
        double pooledExpected = 0;
        long pooledSeen = 0;
        for (int idx : order) {
            double e = n * expectedProbs[idx];
            if (e < 5 || pooledExpected > 0 && pooledExpected < 5) {
                pooledExpected += e;
                pooledSeen += observed[idx];
            } else {
                expected.add(e);
                seen.add(observed[idx]);
            }
        }
        if (pooledExpected > 0) {
            expected.add(pooledExpected);
            seen.add(pooledSeen);
        }
        assertTrue(expected.size() >= 10, "too few bins: " + expected.size());
        double[] e = expected.stream().mapToDouble(Double::doubleValue).toArray();
        long[] o = seen.stream().mapToLong(Long::longValue).toArray();
        return new ChiSquareTest().chiSquareTest(e, o);
    }

    static double[] goldenRow(int row) {
        double[] p = new double[V];
        for (int j = 0; j < V; j++) {
            p[j] = probs[row * V + j];
        }
        return p;
    }

    @Test
    void temperatureOneMatchesGoldenProbabilities() {
        long[][] counts = draw(SamplingParams.temperature(1f), 1_000);
        for (int row = 0; row < 2; row++) {
            double p = pValue(goldenRow(row), counts[row]);
            System.out.printf("chi-square T=1 row %d vs gen.step0_probs: p = %.4f%n", row, p);
            assertTrue(p > ALPHA, "row " + row + ": samples reject gen.step0_probs at level " + ALPHA + ", p = " + p);
        }
    }

    @Test
    void negativeControlWrongTemperatureIsRejected() {
        // Temperature 2 flattens the distribution: the same test must reject it against the T=1 probabilities.
        long[][] counts = draw(SamplingParams.temperature(2f), 2_000);
        for (int row = 0; row < 2; row++) {
            double p = pValue(goldenRow(row), counts[row]);
            System.out.printf("chi-square T=2 row %d vs gen.step0_probs (negative control): p = %.3g%n", row, p);
            assertTrue(p < ALPHA, "row " + row + ": test failed to reject T=2 samples, p = " + p);
        }
    }

    @Test
    void topKTopPSampleTheRenormalisedDistribution() {
        // top-k 32 then top-p 0.9: expected = golden probs restricted to the kept set, renormalised.
        SamplingParams sp = new SamplingParams(1f, 32, 0.9f);
        long[][] counts = draw(sp, 3_000);
        for (int row = 0; row < 2; row++) {
            double[] p = goldenRow(row);
            Integer[] order = SamplerTest.byProbability(p);
            double kMass = 0;
            for (int j = 0; j < 32; j++) {
                kMass += p[order[j]];
            }
            double[] kept = new double[V];
            double before = 0;
            double keptMass = 0;
            for (int j = 0; j < 32 && before < 0.9 * kMass; j++) {
                kept[order[j]] = p[order[j]];
                before += p[order[j]];
                keptMass += p[order[j]];
            }
            int nKept = 0;
            for (int j = 0; j < V; j++) {
                if (kept[j] == 0) {
                    assertTrue(counts[row][j] == 0, "token " + j + " outside top-k/top-p drawn " + counts[row][j] + " times");
                } else {
                    nKept++;
                }
            }
            double[] expected = new double[nKept];
            long[] observed = new long[nKept];
            for (int j = 0, c = 0; j < V; j++) {
                if (kept[j] > 0) {
                    expected[c] = kept[j] / keptMass;
                    observed[c++] = counts[row][j];
                }
            }
            double pv = pValue(expected, observed);
            System.out.printf("chi-square top-k 32 / top-p 0.9 row %d (%d tokens kept): p = %.4f%n", row, nKept, pv);
            assertTrue(pv > ALPHA, "row " + row + ": p = " + pv);
        }
    }
}
