package dev.janusstream.runtime.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Picks the next token of every row of a batch of logits {@code [B, V]}, on the logits' device.
 *
 * <p>Greedy rows take the argmax (first maximum on ties, like {@code torch.argmax}). Sampled rows
 * take {@code softmax(logits / T)} in float32 (also when the logits are float16), optionally keep
 * only the top-k tokens and/or the top-p nucleus, and invert the (unnormalised) CDF with one host
 * uniform {@code u} per row: the token is the number of cumulative weights {@code < u * total}.
 * Randomness therefore comes from each row's own {@link RowRng}, so a row's tokens depend only on its
 * logits, parameters and seed, never on what else shares the batch.
 *
 * <p>Top-k keeps exactly k tokens (ties at the k-th probability are broken by the device's sort,
 * whereas HF keeps every tied token); top-p is applied after top-k, relative to the top-k mass, as in
 * HF's warper order. Uniforms travel as float32, so a token's probability is resolved to about 2^-24.
 *
 * <p>Transfers per call: the B uniforms go to the device (one array, only if some row samples), the
 * B token ids come back (one array). Rows with equal {@link SamplingParams} are processed together.
 */
public final class Sampler {
    private Sampler() {}

    /** Draws one uniform from each sampled row's generator (greedy rows may pass null) and samples. */
    public static int[] sample(NDArray logits, List<SamplingParams> params, List<RowRng> rngs) {
        if (rngs.size() != params.size() || logits.getShape().get(0) != params.size()) {
            throw new IllegalArgumentException(logits.getShape() + " logits, " + params.size() + " params, "
                    + rngs.size() + " generators"); // checked before any generator advances
        }
        double[] u = new double[params.size()];
        for (int i = 0; i < u.length; i++) {
            if (!params.get(i).greedy()) {
                RowRng rng = rngs.get(i);
                if (rng == null) {
                    throw new IllegalArgumentException("row " + i + " samples but has no generator");
                }
                u[i] = rng.nextUniform();
            }
        }
        return sample(logits, params, u);
    }

    /**
     * @param logits   [B, V] on the compute device, float32 or float16
     * @param params   one entry per row
     * @param uniforms one value in [0, 1) per row (ignored for greedy rows)
     * @return the chosen token id of every row
     */
    public static int[] sample(NDArray logits, List<SamplingParams> params, double[] uniforms) {
        Shape shape = logits.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("logits must be [B, V], got " + shape);
        }
        int b = Math.toIntExact(shape.get(0));
        int v = Math.toIntExact(shape.get(1));
        if (params.size() != b || uniforms.length != b) {
            throw new IllegalArgumentException(b + " rows, " + params.size() + " params, " + uniforms.length + " uniforms");
        }
        Map<SamplingParams, List<Integer>> groups = new LinkedHashMap<>();
        float[] u = new float[b];
        boolean anySampled = false;
        for (int i = 0; i < b; i++) {
            SamplingParams p = params.get(i);
            groups.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
            if (!p.greedy()) {
                if (!(uniforms[i] >= 0 && uniforms[i] < 1)) {
                    throw new IllegalArgumentException("uniform of row " + i + " not in [0, 1): " + uniforms[i]);
                }
                u[i] = (float) uniforms[i];
                anySampled = true;
            }
        }

        try (NDManager scope = logits.getManager().newSubManager()) {
            logits.tempAttach(scope);
            NDArray uDevice = anySampled ? scope.create(u, new Shape(b, 1)) : null;
            NDList pieces = new NDList();
            int[] rowOf = new int[b];
            int n = 0;
            for (Map.Entry<SamplingParams, List<Integer>> group : groups.entrySet()) {
                List<Integer> rows = group.getValue();
                SamplingParams p = group.getKey();
                // A group holding every row holds them in order: no gather needed.
                NDArray index = rows.size() == b ? null : scope.create(rows.stream().mapToLong(Integer::longValue).toArray());
                NDArray x = index == null ? logits : logits.get(index);
                if (p.greedy()) {
                    pieces.add(x.argMax(1));
                } else {
                    pieces.add(sampleRows(x, p, index == null ? uDevice : uDevice.get(index)));
                }
                for (int r : rows) {
                    rowOf[n++] = r;
                }
            }
            NDArray ids = pieces.size() == 1 ? pieces.get(0) : NDArrays.concat(pieces, 0);
            long[] flat = ids.toLongArray();
            int[] out = new int[b];
            for (int i = 0; i < b; i++) {
                out[rowOf[i]] = Math.toIntExact(flat[i]);
            }
            return out;
        }
    }

    /** {@code softmax(logits / temperature)} over the last axis, in float32, on the logits' device. */
    public static NDArray probabilities(NDArray logits, float temperature) {
        if (!(temperature > 0f)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        NDArray x = logits.toType(DataType.FLOAT32, false);
        if (temperature != 1f) {
            x = x.div(temperature);
        }
        return x.softmax(-1);
    }

    /** Log-probability of {@code targets[i]} under row i of {@code logits} [B, V] (log-softmax in float32). */
    public static float[] logProbs(NDArray logits, int[] targets) {
        int[] rows = new int[targets.length];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        return logProbs(logits, rows, targets);
    }

    /**
     * Log-probability of token {@code targets[i]} under row {@code rows[i]} of {@code logits} [B, V]
     * (log-softmax in float32 on the device; only the n values come back). Rows may repeat.
     */
    public static float[] logProbs(NDArray logits, int[] rows, int[] targets) {
        Shape shape = logits.getShape();
        if (shape.dimension() != 2 || rows.length != targets.length) {
            throw new IllegalArgumentException("logits must be [B, V] and rows/targets of equal length");
        }
        long b = shape.get(0);
        long v = shape.get(1);
        long[] r = new long[rows.length];
        long[] t = new long[targets.length];
        for (int i = 0; i < r.length; i++) {
            if (rows[i] < 0 || rows[i] >= b || targets[i] < 0 || targets[i] >= v) {
                throw new IllegalArgumentException("row " + rows[i] + " / token " + targets[i] + " outside " + shape);
            }
            r[i] = rows[i];
            t[i] = targets[i];
        }
        if (r.length == 0) {
            return new float[0];
        }
        try (NDManager scope = logits.getManager().newSubManager()) {
            logits.tempAttach(scope);
            NDArray x = logits.get(scope.create(r)).toType(DataType.FLOAT32, false);
            return x.logSoftmax(1).gather(scope.create(t, new Shape(t.length, 1)), 1).toFloatArray();
        }
    }

    /** Token ids [n] of rows x [n, V] that all share the sampled params p; u is [n, 1]. */
    private static NDArray sampleRows(NDArray x, SamplingParams p, NDArray u) {
        int v = Math.toIntExact(x.getShape().get(1));
        NDArray probs = probabilities(x, p.temperature());
        if (!p.filtered(v)) {
            return inverseCdf(probs, u);
        }
        // Candidates most probable first: sorted[n, m] with their vocabulary ids order[n, m].
        NDArray sorted;
        NDArray order;
        if (p.topK() > 0 && p.topK() < v) {
            NDList top = probs.topK(p.topK(), 1, true, true);
            sorted = top.get(0);
            order = top.get(1);
        } else {
            order = probs.argSort(1, false);
            sorted = probs.gather(order, 1);
        }
        if (p.topP() < 1f) {
            // Keep a token while the mass before it is < topP of the (top-k) total: the smallest prefix
            // reaching topP, never empty. Dropped tokens get weight 0 and can no longer be drawn.
            NDArray cum = sorted.cumSum(1);
            NDArray before = cum.sub(sorted);
            NDArray keep = before.lt(cum.get(":, -1:").mul(p.topP()));
            sorted = sorted.mul(keep.toType(DataType.FLOAT32, false));
        }
        NDArray position = inverseCdf(sorted, u);
        return order.gather(position.reshape(-1, 1), 1).reshape(-1);
    }

    /** Per row of non-negative weights w [n, m]: the number of cumulative sums {@code < u * total}. */
    private static NDArray inverseCdf(NDArray w, NDArray u) {
        long m = w.getShape().get(1);
        NDArray cum = w.cumSum(1);
        NDArray threshold = cum.get(":, -1:").mul(u);
        return cum.lt(threshold).countNonzero(1).minimum(m - 1);
    }
}
