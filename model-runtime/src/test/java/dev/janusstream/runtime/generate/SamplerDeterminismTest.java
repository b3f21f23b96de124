package dev.janusstream.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.golden.GoldenCases;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A row's token sequence depends only on its logits, params and seed, not on what shares the batch. */
class SamplerDeterminismTest {
    static final int V = 512;
    static final int STEPS = 16;

    /** One decoding row: which golden logits it sees at each step, how it samples, its seed. */
    record Row(String name, int logitsRow, SamplingParams params, long seed) {}

    /** Logits of golden row r ∈ {0..3} at step t: gen_forced rows 0/1, gen rows 0/1 (CFG logits [2, 16, 512]). */
    static float[] stepLogits(float[][] sources, int r, int t) {
        return Arrays.copyOfRange(sources[r / 2], ((r % 2) * STEPS + t) * V, ((r % 2) * STEPS + t + 1) * V);
    }

    /** Runs all rows together for STEPS steps (fresh generators), returns each row's tokens. */
    static int[][] decode(float[][] sources, List<Row> rows, NDManager manager) {
        List<RowRng> rngs = new ArrayList<>();
        List<SamplingParams> params = new ArrayList<>();
        for (Row r : rows) {
            rngs.add(r.params().greedy() ? null : new RowRng(r.seed()));
            params.add(r.params());
        }
        int[][] out = new int[rows.size()][STEPS];
        for (int t = 0; t < STEPS; t++) {
            float[] batch = new float[rows.size() * V];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(stepLogits(sources, rows.get(i).logitsRow(), t), 0, batch, i * V, V);
            }
            try (NDManager m = manager.newSubManager()) {
                int[] ids = Sampler.sample(m.create(batch, new Shape(rows.size(), V)), params, rngs);
                for (int i = 0; i < ids.length; i++) {
                    out[i][t] = ids[i];
                }
            }
        }
        return out;
    }

    @Test
    void sameSeedSameTokensWhateverTheBatch() {
        try (GoldenCases g = GoldenCases.open(SamplerTest.GOLDEN.resolve("cases.safetensors"));
                NDManager manager = NDManager.newBaseManager()) {
            float[][] sources = {g.floats("gen_forced.step_logits_cfg"), g.floats("gen.step_logits_cfg")};
            SamplingParams hot = new SamplingParams(1.5f, 0, 0.95f);
            Row a = new Row("A", 0, hot, 1234);
            Row image0 = new Row("img0", 1, SamplingParams.temperature(1f), 77); // image 0 of a request with seed 77
            Row image1 = new Row("img1", 1, SamplingParams.temperature(1f), RowRng.forImage(77, 1).seed());
            Row greedy = new Row("greedy", 2, SamplingParams.GREEDY, 0);
            Row twin = new Row("twin", 0, hot, 999); // same params and logits as A, other seed
            Row topK = new Row("topK", 3, new SamplingParams(1f, 4, 1f), 5);
            List<Row> all = List.of(a, image0, image1, greedy, twin, topK);

            int[][] alone = new int[all.size()][];
            for (int i = 0; i < all.size(); i++) {
                alone[i] = decode(sources, List.of(all.get(i)), manager)[0];
            }
            assertFalse(Arrays.equals(alone[0], alone[4]), "different seeds should give different sequences");
            assertFalse(Arrays.equals(alone[1], alone[2]), "images of one request use different seeds");

            List<List<Row>> batches = List.of(all, reversed(all), List.of(twin, a), List.of(topK, a, a, greedy),
                    List.of(image1, greedy, image0));
            for (List<Row> batch : batches) {
                int[][] together = decode(sources, batch, manager);
                for (int i = 0; i < batch.size(); i++) {
                    assertArrayEquals(alone[all.indexOf(batch.get(i))], together[i],
                            batch.get(i).name() + " in batch " + batch.stream().map(Row::name).toList());
                }
            }
        }
    }

    static <T> List<T> reversed(List<T> l) {
        List<T> r = new ArrayList<>(l);
        java.util.Collections.reverse(r);
        return r;
    }
}
