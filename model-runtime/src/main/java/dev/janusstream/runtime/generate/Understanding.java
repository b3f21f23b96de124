package dev.janusstream.runtime.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.model.JanusNetwork;
import dev.janusstream.runtime.model.LlamaDecoder;
import dev.janusstream.runtime.text.Prompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batched image understanding (inference.py): one left-padded prefill over every prompt with the
 * aligned image features spliced in, then decode steps over the rows still running. A row that
 * finishes (end of sentence or its token budget) leaves the batch; the others go on in their own
 * cache slots. The step loop is {@link MixedBatch}'s, shared with generation; this class holds the
 * understanding side: inputs, outputs and the prompt embeddings with images spliced in.
 */
public final class Understanding {

    /** One prompt with its images' pixel values (3*S*S floats each, in prompt order). */
    public record Input(Prompt prompt, List<float[]> pixels, SamplingParams sampling, RowRng rng, int maxNewTokens) {}

    /** Generated ids (without the final end-of-sentence) and the time the batch spent. */
    public record Output(int[] tokens, double prefillMs, double decodeMs) {}

    private final JanusNetwork net;
    private final int padId, eosId;

    public Understanding(JanusNetwork net, int padId, int eosId) {
        this.net = net;
        this.padId = padId;
        this.eosId = eosId;
    }

    private dev.janusstream.runtime.InferenceListener listener = dev.janusstream.runtime.InferenceListener.NONE;

    /** Reports prefills and steps to {@code l}. */
    public Understanding listen(dev.janusstream.runtime.InferenceListener l) {
        this.listener = l;
        return this;
    }

    public List<Output> run(List<Input> inputs, NDManager parent) {
        return run(inputs, parent, null);
    }

    /** As {@link #run(List, NDManager)}; {@code observer}, when not null, sees every step's logits. */
    public List<Output> run(List<Input> inputs, NDManager parent, StepObserver observer) {
        Output[] out = new Output[inputs.size()];
        MixedBatch.Probe probe = observer == null ? MixedBatch.Probe.NONE : new MixedBatch.Probe() {
            @Override
            public void textStep(int[] rows, NDArray logits) {
                observer.onStep(rows, logits);
            }
        };
        new MixedBatch(net, padId, eosId).listen(listener).run(inputs, List.of(), 0, parent, new MixedBatch.Listener() {
            @Override
            public void textDone(int input, Output output) {
                out[input] = output;
            }

            @Override
            public void imagesDone(int[][] tokens, double loopMs) {}
        }, probe);
        return Arrays.asList(out);
    }

    /** embed_tokens(ids) with the image-placeholder positions replaced by aligned image features, [B, T, D]. */
    public NDArray promptEmbeddings(List<Input> inputs, NDManager m) {
        return promptEmbeddings(Rows.leftPadded(inputs.stream().map(i -> i.prompt().ids()).toList(), padId), inputs, m);
    }

    NDArray promptEmbeddings(Rows rows, List<Input> inputs, NDManager m) {
        LlamaDecoder llm = net.llm();
        NDArray embeds = llm.embed(rows.idArray(m)); // [B, T, D]
        List<float[]> pixels = inputs.stream().flatMap(i -> i.pixels().stream()).toList();
        if (pixels.isEmpty()) {
            return embeds;
        }
        int side = net.config().vision().imageSize();
        float[] all = new float[pixels.size() * 3 * side * side];
        for (int i = 0; i < pixels.size(); i++) {
            System.arraycopy(pixels.get(i), 0, all, i * 3 * side * side, 3 * side * side);
        }
        NDArray images = m.create(all, new Shape(pixels.size(), 3, side, side)).toType(llm.dtype(), false);
        long d = llm.config().hiddenSize();
        NDArray features = net.encodeImages(images).reshape(-1, d); // [I*N, D], images in prompt order
        // Flat positions of every image token, row by row, in prompt order: they line up with features.
        List<Long> positions = new ArrayList<>();
        for (int r = 0; r < rows.rows(); r++) {
            boolean[] mask = inputs.get(r).prompt().imageMask();
            int pad = rows.validFrom()[r];
            for (int i = 0; i < mask.length; i++) {
                if (mask[i]) {
                    positions.add((long) r * rows.length() + pad + i);
                }
            }
        }
        if (positions.size() != features.getShape().get(0)) {
            throw new IllegalStateException(positions.size() + " image slots for " + features.getShape().get(0) + " image tokens");
        }
        NDArray flat = embeds.reshape(-1, d);
        flat.set(new NDIndex("{}", m.create(positions.stream().mapToLong(Long::longValue).toArray())), features);
        return flat.reshape(rows.rows(), rows.length(), d);
    }

    /** Sees the text logits [A, V] of each step and which rows (indices into the inputs) they belong to. */
    @FunctionalInterface
    public interface StepObserver {
        void onStep(int[] rows, NDArray logits);
    }


}
