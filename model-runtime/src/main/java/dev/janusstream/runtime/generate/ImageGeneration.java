package dev.janusstream.runtime.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.janusstream.runtime.model.JanusNetwork;
import java.util.List;

/**
 * Text-to-image with classifier-free guidance (generation_inference.py). Every image is a pair
 * of decoder rows, conditional and unconditional, side by side; prompts of different lengths are
 * left-padded into one batch. Each step: gen head on both rows, {@code uncond + w (cond - uncond)},
 * sample with the image's own generator, feed {@code gen_aligner(gen_embed(token))} to both rows.
 * The step loop is {@link MixedBatch}'s, shared with understanding.
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

    private dev.janusstream.runtime.InferenceListener listener = dev.janusstream.runtime.InferenceListener.NONE;

    /** Reports prefills and steps to {@code l}. */
    public ImageGeneration listen(dev.janusstream.runtime.InferenceListener l) {
        this.listener = l;
        return this;
    }

    /**
     * Runs {@code steps} tokens per image. {@code forced}, when not null, replaces the sampled
     * token of image i at step s with forced[i][s] (teacher forcing, for tests); {@code observer},
     * when not null, sees the CFG logits [I, K] of every step.
     */
    public Output run(List<Input> images, int steps, NDManager parent, int[][] forced, StepObserver observer) {
        Output[] out = new Output[1];
        MixedBatch.Probe probe = new MixedBatch.Probe() {
            @Override
            public void imageStep(int step, NDArray guidedLogits) {
                if (observer != null) {
                    observer.onStep(step, guidedLogits);
                }
            }

            @Override
            public int[] forcedImageTokens(int step) {
                return forced == null ? null : column(forced, step);
            }
        };
        new MixedBatch(net, padId, -1).listen(listener).run(List.of(), images, steps, parent, new MixedBatch.Listener() {
            @Override
            public void textDone(int input, Understanding.Output output) {}

            @Override
            public void imagesDone(int[][] tokens, double loopMs) {
                out[0] = new Output(tokens, loopMs);
            }
        }, probe);
        return out[0];
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
