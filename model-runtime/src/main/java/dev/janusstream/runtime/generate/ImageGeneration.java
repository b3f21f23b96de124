package dev.janusstream.runtime.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.model.JanusNetwork;
import dev.janusstream.runtime.model.KvCache;
import dev.janusstream.runtime.model.LlamaDecoder;
import java.util.ArrayList;
import java.util.List;

/**
 * Text-to-image with classifier-free guidance (generation_inference.py). Every image is a pair
 * of decoder rows, conditional and unconditional, side by side; prompts of different lengths are
 * left-padded into one batch. Each step: gen head on both rows, {@code uncond + w (cond - uncond)},
 * sample with the image's own generator, feed {@code gen_aligner(gen_embed(token))} to both rows.
 */
public final class ImageGeneration {

    /** One image to generate: its prompt ids (conditional and unconditional) and sampling. */
    public record Input(int[] condIds, int[] uncondIds, float cfgWeight, SamplingParams sampling, RowRng rng) {}

    /** Token grids [images][g*g] and the batch's loop time. */
    public record Output(int[][] tokens, double loopMs) {}

    private final JanusNetwork net;
    private final int padId;

    public ImageGeneration(JanusNetwork net, int padId) {
        this.net = net;
        this.padId = padId;
    }

    /**
     * Runs {@code steps} tokens per image. {@code forced}, when not null, replaces the sampled
     * token of image i at step s with forced[i][s] (teacher forcing, for tests); {@code observer},
     * when not null, sees the CFG logits [I, K] of every step.
     */
    public Output run(List<Input> images, int steps, NDManager parent, int[][] forced, StepObserver observer) {
        LlamaDecoder llm = net.llm();
        int n = images.size();
        List<int[]> prompts = new ArrayList<>();
        for (Input in : images) {
            prompts.add(in.condIds());
            prompts.add(in.uncondIds());
        }
        long t0 = System.nanoTime();
        int[][] tokens = new int[n][steps];
        try (NDManager m = parent.newSubManager()) {
            Rows rows = Rows.leftPadded(prompts, padId); // rows 2i = cond, 2i+1 = uncond
            float[] w = new float[n];
            for (int i = 0; i < n; i++) {
                w[i] = images.get(i).cfgWeight();
            }
            NDArray cfg = m.create(w, new Shape(n, 1)).toType(llm.dtype(), false);
            List<SamplingParams> sampling = images.stream().map(Input::sampling).toList();
            List<RowRng> rngs = images.stream().map(Input::rng).toList();
            int[] start = new int[2 * n];
            try (KvCache cache = llm.newCache(m, 2 * n, rows.length() + steps - 1)) {
                NDArray hidden = Rows.last(llm.forward(llm.embed(rows.idArray(m)), rows.prefill(), cache));
                for (int s = 0; s < steps; s++) {
                    try (NDManager step = m.newSubManager()) {
                        NDArray logits = net.imageLogits(hidden).reshape(n, 2, -1); // [I, 2, K]
                        NDArray cond = logits.get(new NDIndex(":, 0"));
                        NDArray uncond = logits.get(new NDIndex(":, 1"));
                        NDArray guided = uncond.add(cond.sub(uncond).mul(cfg)); // [I, K]
                        if (observer != null) {
                            observer.onStep(s, guided);
                        }
                        int[] next = forced != null ? column(forced, s) : Sampler.sample(guided, sampling, rngs);
                        for (int i = 0; i < n; i++) {
                            tokens[i][s] = next[i];
                        }
                        if (s == steps - 1) {
                            break;
                        }
                        NDArray x = net.embedImageTokens(Rows.longs(step, next)) // [I, D]
                                .repeat(0, 2).expandDims(1); // [2I, 1, D]: cond and uncond rows get the same token
                        for (int r = 0; r < 2 * n; r++) {
                            start[r] = rows.length() + s;
                        }
                        NDArray h = Rows.last(llm.forward(x, new LlamaDecoder.Step(rows.slots(), start.clone(),
                                rows.validFrom(), 1), cache));
                        h.attach(m);
                        hidden.close();
                        hidden = h;
                    }
                }
            }
        }
        return new Output(tokens, (System.nanoTime() - t0) / 1e6);
    }

    private static int[] column(int[][] a, int s) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i][s];
        }
        return r;
    }

    /** Sees the guided logits of each step (tests and diagnostics). */
    @FunctionalInterface
    public interface StepObserver {
        void onStep(int step, NDArray guidedLogits);
    }
}
