package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.janusstream.runtime.config.LlamaConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The LLaMA language model (HuggingFace LlamaForCausalLM numerics) over a batch of rows that each
 * live in their own KV-cache slot. One forward appends T new tokens to every row of a
 * {@link Step}: a padded prefill (T = prompt length) or a decode step (T = 1).
 */
public final class LlamaDecoder {
    private final LlamaConfig c;
    private final NDArray embedTokens, finalNorm, lmHead;
    private final List<Layer> layers;
    private final Rope rope;

    private record Layer(NDArray attnNorm, NDArray wq, NDArray wk, NDArray wv, NDArray wo, NDArray mlpNorm,
            NDArray gate, NDArray up, NDArray down) {}

    /**
     * Which rows a forward extends. Row b occupies cache slot {@code slots[b]}; its new tokens
     * go to cache cells {@code start[b] .. start[b]+T-1}; cells before {@code validFrom[b]} hold
     * left padding and are never attended to. RoPE positions count from validFrom, which is
     * what HuggingFace's {@code cumsum(attention_mask) - 1} gives a left-padded row.
     */
    public record Step(int[] slots, int[] start, int[] validFrom, int tokens) {
        public int rows() {
            return slots.length;
        }

        /** Cache cells the longest row will have after this step. */
        public int length() {
            int l = 0;
            for (int s : start) {
                l = Math.max(l, s + tokens);
            }
            return l;
        }
    }

    private LlamaDecoder(LlamaConfig c, NDArray embedTokens, List<Layer> layers, NDArray finalNorm, NDArray lmHead,
            Rope rope) {
        this.c = c;
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.rope = rope;
    }

    /** {@code p} points at "language_model". */
    public static LlamaDecoder load(Params p, LlamaConfig c, int maxPositions) {
        int d = c.hiddenSize(), ff = c.intermediateSize();
        Params model = p.at("model");
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            Params l = model.at("layers." + i);
            layers.add(new Layer(l.get("input_layernorm.weight", d),
                    l.get("self_attn.q_proj.weight", d, d), l.get("self_attn.k_proj.weight", d, d),
                    l.get("self_attn.v_proj.weight", d, d), l.get("self_attn.o_proj.weight", d, d),
                    l.get("post_attention_layernorm.weight", d),
                    l.get("mlp.gate_proj.weight", ff, d), l.get("mlp.up_proj.weight", ff, d),
                    l.get("mlp.down_proj.weight", d, ff)));
        }
        NDArray embed = model.get("embed_tokens.weight", c.vocabSize(), d);
        NDArray norm = model.get("norm.weight", d);
        NDArray head = p.get("lm_head.weight", c.vocabSize(), d);
        Rope rope = new Rope(p.manager(), c.headDim(), c.ropeTheta(), maxPositions, p.dtype());
        return new LlamaDecoder(c, embed, layers, norm, head, rope);
    }

    public LlamaConfig config() {
        return c;
    }

    public int maxPositions() {
        return rope.maxPositions();
    }

    public DataType dtype() {
        return embedTokens.getDataType();
    }

    /** An empty KV cache for {@code rows} slots of {@code capacity} tokens. */
    public KvCache newCache(NDManager m, int rows, int capacity) {
        return new KvCache(m, c.layers(), rows, capacity, c.heads(), c.headDim(), dtype());
    }

    /** Token embeddings: ids [B, T] (int64) -> [B, T, D]. */
    public NDArray embed(NDArray ids) {
        return Ops.rows(embedTokens, ids);
    }

    /** Text logits of hidden states (already final-normed): [..., D] -> [..., V]. */
    public NDArray lmHead(NDArray hidden) {
        return Ops.linear(hidden, lmHead);
    }

    /** Rows that live in one KV cache: the cache and where in it this forward writes. */
    public record Part(Step step, KvCache cache) {}

    /** One part's per-forward tensors: its first row in x, attention mask, cache cells and slots. */
    private record Placed(Part part, int firstRow, NDArray mask, NDArray cells, NDArray slotIndex) {
        int rows() {
            return part.step().rows();
        }
    }

    /**
     * Appends x [B, T, D] to the rows of {@code step} and returns the final-normed hidden states
     * [B, T, D]. Arrays are created in {@code x}'s manager; the caller closes it.
     */
    public NDArray forward(NDArray x, Step step, KvCache cache) {
        return forward(x, List.of(new Part(step, cache)));
    }

    /**
     * As {@link #forward(NDArray, Step, KvCache)} for rows spread over several caches: x's rows are
     * the parts' rows in order, all with the same T. The weight matmuls run once over every row;
     * only attention runs per part, each against its own cache.
     */
    public NDArray forward(NDArray x, List<Part> parts) {
        NDManager m = x.getManager();
        int t = parts.get(0).step().tokens();
        List<Placed> placed = new ArrayList<>();
        long[] positions = new long[(int) x.getShape().get(0) * t];
        int row = 0;
        for (Part part : parts) {
            Step step = part.step();
            if (step.tokens() != t) {
                throw new IllegalArgumentException("parts of one forward must add the same number of tokens");
            }
            long[] p = positions(step);
            System.arraycopy(p, 0, positions, row * t, p.length);
            // Scores are masked and normalised in float32 whatever the compute dtype (as HF does): float32
            // min is finite, so fully masked (padding) query rows stay finite instead of becoming NaN.
            NDArray mask = m.create(mask(step, -Float.MAX_VALUE), new Shape(step.rows(), 1, t, step.length())); // [B, 1, T, L]
            NDArray cells = part.cache().cellIndex(m, step.slots(), step.start(), t); // [B*T*H]
            placed.add(new Placed(part, row, mask, cells, m.create(toLongs(step.slots()))));
            row += step.rows();
        }
        if (row != x.getShape().get(0)) {
            throw new IllegalArgumentException(x.getShape() + " does not hold the parts' " + row + " rows");
        }
        NDArray[] cosSin = rope.at(m.create(positions, new Shape(row, t))); // [B, T, 1, d]
        NDArray input = x;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            // Each layer's intermediates live in their own manager, freed before the next layer:
            // a prefill keeps one layer's activations alive, not all of them.
            NDArray previous = x;
            try (NDManager lm = m.newSubManager()) {
                x.tempAttach(lm);
                // Fresh results are updated in place (addi, muli): fewer arrays allocated per layer.
                NDArray h = attention(rmsNorm(x, l.attnNorm), l, i, placed, cosSin).addi(x); // [B, T, D]
                NDArray g = rmsNorm(h, l.mlpNorm);
                NDArray gate = Ops.linear(g, l.gate); // [B, T, F]
                NDArray act = Activation.sigmoid(gate).muli(gate).muli(Ops.linear(g, l.up)); // silu(gate) * up
                NDArray out = Ops.linear(act, l.down).addi(h);
                out.attach(m);
                x = out;
            }
            if (previous != input) {
                previous.close(); // the previous layer's output; the caller's input stays theirs
            }
        }
        NDArray y = rmsNorm(x, finalNorm);
        if (x != input) {
            x.close();
        }
        return y;
    }

    private NDArray attention(NDArray x, Layer l, int layer, List<Placed> parts, NDArray[] cosSin) {
        Shape s = x.getShape();
        long b = s.get(0), t = s.get(1);
        int h = c.heads(), d = c.headDim();
        // q is scaled by 1/sqrt(d) before q·kᵀ rather than the scores after: [B, H, T, d] instead of [B, H, T, L].
        NDArray q = Rope.apply(Ops.linear(x, l.wq).reshape(b, t, h, d), cosSin).transpose(0, 2, 1, 3)
                .mul(1.0 / Math.sqrt(d)); // [B, H, T, d]
        NDArray k = Rope.apply(Ops.linear(x, l.wk).reshape(b, t, h, d), cosSin); // [B, T, H, d]
        NDArray v = Ops.linear(x, l.wv); // [B, T, H*d]
        NDList outputs = new NDList();
        for (Placed p : parts) {
            boolean whole = parts.size() == 1;
            String rows = p.firstRow() + ":" + (p.firstRow() + p.rows());
            NDArray qp = whole ? q : q.get(rows), kp = whole ? k : k.get(rows), vp = whole ? v : v.get(rows);
            long n = (long) p.rows() * t * h;
            KvCache cache = p.part().cache();
            cache.write(layer, p.cells(), kp.reshape(n, d), vp.reshape(n, d));
            NDArray[] kv = cache.read(layer, p.part().step().slots(), p.part().step().length(), p.slotIndex()); // [b, H, L, d], views
            NDArray scores = scores(qp, kv[0]).toType(DataType.FLOAT32, false); // [b, H, T, L]
            NDArray probs = scores.addi(p.mask()).softmax(-1).toType(q.getDataType(), false);
            outputs.add(probs.matMul(kv[1])); // [b, H, T, d]
        }
        NDArray o = outputs.size() == 1 ? outputs.get(0) : NDArrays.concat(outputs, 0); // [B, H, T, d]
        return Ops.linear(o.transpose(0, 2, 1, 3).reshape(b, t, (long) h * d), l.wo);
    }

    /** q·Kᵀ: q [B, H, T, d], k [B, H, L, d] -> [B, H, T, L]. */
    private static NDArray scores(NDArray q, NDArray k) {
        if (q.getShape().get(2) == 1) {
            // A decode step: computed as K·qᵀ, a batched matrix-vector product, which CPU BLAS runs
            // about twice as fast as 1-row q·Kᵀ products over the B×H (row, head) pairs.
            return k.matMul(q.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2);
        }
        return q.matMul(k.transpose(0, 1, 3, 2));
    }

    /**
     * The weight matmuls of one forward over x [B, T, D] run alone (no norms, rope, attention or
     * cache): the floor a decode step can reach, for the benchmark's overhead ratio. Returns the
     * last result so that nothing is optimised away.
     */
    public NDArray matmulsOnly(NDArray x, boolean textHead) {
        NDArray y = x;
        for (Layer l : layers) {
            Ops.linear(x, l.wq);
            Ops.linear(x, l.wk);
            Ops.linear(x, l.wv);
            Ops.linear(x, l.wo);
            NDArray gate = Ops.linear(x, l.gate);
            Ops.linear(x, l.up);
            y = Ops.linear(gate, l.down);
        }
        return textHead ? lmHead(y) : y;
    }

    /** HF RMSNorm: {@code w * x / sqrt(mean(x^2) + eps)}. */
    private NDArray rmsNorm(NDArray x, NDArray w) {
        NDArray var = x.square().mean(new int[] {-1}, true);
        return x.div(var.addi(c.rmsNormEps()).sqrt()).muli(w);
    }

    private static long[] positions(Step s) {
        long[] p = new long[s.rows() * s.tokens()];
        for (int b = 0; b < s.rows(); b++) {
            for (int t = 0; t < s.tokens(); t++) {
                int cell = s.start()[b] + t;
                // Padding cells get position 1, as HF's masked_fill does; they are never attended to.
                p[b * s.tokens() + t] = cell >= s.validFrom()[b] ? cell - s.validFrom()[b] : 1;
            }
        }
        return p;
    }

    /** Additive mask: 0 where query (row b, token t) may see cache cell j, {@code hidden} elsewhere. */
    private static float[] mask(Step s, float hidden) {
        int t = s.tokens(), len = s.length();
        float[] mask = new float[s.rows() * t * len];
        for (int b = 0; b < s.rows(); b++) {
            for (int q = 0; q < t; q++) {
                int queryCell = s.start()[b] + q;
                int base = (b * t + q) * len;
                for (int j = 0; j < len; j++) {
                    boolean visible = j >= s.validFrom()[b] && j <= queryCell;
                    mask[base + j] = visible ? 0f : hidden;
                }
            }
        }
        return mask;
    }

    private static long[] toLongs(int[] a) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i];
        }
        return r;
    }
}
