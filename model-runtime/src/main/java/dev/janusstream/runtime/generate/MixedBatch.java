package dev.janusstream.runtime.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.model.JanusNetwork;
import dev.janusstream.runtime.model.KvCache;
import dev.janusstream.runtime.model.LlamaDecoder;
import dev.janusstream.runtime.text.Prompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Understanding rows and image-generation rows in the same decoder forwards. To the decoder they
 * are the same kind of row; only the input embedding (text embedding vs gen_aligner(gen_embed))
 * and the output head (lm_head vs gen_head + CFG) differ. Image rows take slots 0..2I-1 (cond,
 * uncond per image), text rows the slots after them. A text row that finishes is reported at once
 * and leaves; the running text rows are compacted so every step reads the cache in place.
 */
public final class MixedBatch {

    /** Receives results as rows finish: answers usually long before the images. */
    public interface Listener {
        void textDone(int input, Understanding.Output output);

        void imagesDone(int[][] tokens, double loopMs);
    }

    /** Looks into the loop (golden checks, benchmarks); the defaults do nothing. */
    public interface Probe {
        Probe NONE = new Probe() {};

        /** Text logits [A, V] of a step and the text inputs their rows belong to. */
        default void textStep(int[] inputs, NDArray logits) {}

        /** Guided image logits [I, K] of a step. */
        default void imageStep(int step, NDArray guidedLogits) {}

        /** Tokens to feed instead of sampling at {@code step} (teacher forcing), or null to sample. */
        default int[] forcedImageTokens(int step) {
            return null;
        }
    }

    private final JanusNetwork net;
    private final int padId, eosId;

    public MixedBatch(JanusNetwork net, int padId, int eosId) {
        this.net = net;
        this.padId = padId;
        this.eosId = eosId;
    }

    public void run(List<Understanding.Input> text, List<ImageGeneration.Input> images, int imageSteps, NDManager parent,
            Listener listener) {
        run(text, images, imageSteps, parent, listener, Probe.NONE);
    }

    public void run(List<Understanding.Input> text, List<ImageGeneration.Input> images, int imageSteps, NDManager parent,
            Listener listener, Probe probe) {
        LlamaDecoder llm = net.llm();
        int n = images.size(), t = text.size(), imageRows = 2 * n;
        List<Understanding.Input> imagePrompts = new ArrayList<>();
        for (ImageGeneration.Input img : images) {
            imagePrompts.add(asText(img.condIds()));
            imagePrompts.add(asText(img.uncondIds()));
        }
        long t0 = System.nanoTime();
        try (NDManager m = parent.newSubManager()) {
            // Each kind is prefilled on its own, padded only to its own longest prompt: image rows
            // in slots 0..2I-1, text rows after them. Each row then decodes at its own position.
            Rows imageGroup = n > 0 ? Rows.leftPadded(ids(imagePrompts), padId, 0) : null;
            Rows textGroup = t > 0 ? Rows.leftPadded(ids(text), padId, imageRows) : null;
            int maxNew = text.stream().mapToInt(Understanding.Input::maxNewTokens).max().orElse(0);
            int capacity = Math.max(imageGroup == null ? 0 : imageGroup.length() + Math.max(imageSteps - 1, 0),
                    textGroup == null ? 0 : textGroup.length() + maxNew);
            int[] length = new int[imageRows + t]; // cells filled, by slot
            int[] validFrom = new int[imageRows + t]; // by slot: where a row's real tokens start
            try (KvCache cache = llm.newCache(m, imageRows + t, capacity)) {
                Understanding embedder = new Understanding(net, padId, eosId);
                List<NDArray> prefilled = new ArrayList<>();
                for (Rows group : new Rows[] {imageGroup, textGroup}) {
                    if (group == null) {
                        continue;
                    }
                    List<Understanding.Input> inputs = group == imageGroup ? imagePrompts : text;
                    NDArray embeds = embedder.promptEmbeddings(group, inputs, m);
                    prefilled.add(Rows.last(llm.forward(embeds, group.prefill(), cache)));
                    for (int r = 0; r < group.rows(); r++) {
                        length[group.slots()[r]] = group.length();
                        validFrom[group.slots()[r]] = group.validFrom()[r];
                    }
                }
                NDArray hidden = prefilled.size() == 1 ? prefilled.get(0) : NDArrays.concat(new NDList(prefilled), 0); // [R, D]
                double prefillMs = (System.nanoTime() - t0) / 1e6;
                long t1 = System.nanoTime();

                int[][] imageTokens = new int[n][imageSteps];
                NDArray cfg = null;
                if (n > 0) {
                    float[] w = new float[n];
                    for (int i = 0; i < n; i++) {
                        w[i] = images.get(i).cfgWeight();
                    }
                    cfg = m.create(w, new Shape(n, 1)).toType(llm.dtype(), false);
                }
                List<List<Integer>> out = new ArrayList<>();
                text.forEach(x -> out.add(new ArrayList<>()));
                int[] textInSlot = new int[t]; // text row in slot imageRows + s
                for (int i = 0; i < t; i++) {
                    textInSlot[i] = i;
                }
                int textRunning = t;
                boolean imagesRunning = n > 0 && imageSteps > 0;
                for (int step = 0; imagesRunning || textRunning > 0; step++) {
                    int imgActive = imagesRunning ? imageRows : 0;
                    List<NDArray> nextInputs = new ArrayList<>();
                    List<Integer> nextSlots = new ArrayList<>();
                    NDArray previous = hidden;
                    try (NDManager sm = m.newSubManager()) {
                        hidden.tempAttach(sm);
                        if (imagesRunning) {
                            NDArray logits = net.imageLogits(hidden.get("0:" + imageRows)).reshape(n, 2, -1);
                            NDArray cond = logits.get(":, 0");
                            NDArray uncond = logits.get(":, 1");
                            NDArray guided = uncond.add(cond.sub(uncond).mul(cfg)); // [I, K]
                            probe.imageStep(step, guided);
                            int[] forced = probe.forcedImageTokens(step);
                            int[] next = forced != null ? forced : Sampler.sample(guided,
                                    images.stream().map(ImageGeneration.Input::sampling).toList(),
                                    images.stream().map(ImageGeneration.Input::rng).toList());
                            for (int i = 0; i < n; i++) {
                                imageTokens[i][step] = next[i];
                            }
                            if (step == imageSteps - 1) {
                                imagesRunning = false;
                                listener.imagesDone(imageTokens, (System.nanoTime() - t0) / 1e6);
                            } else {
                                nextInputs.add(net.embedImageTokens(Rows.longs(sm, next)).repeat(0, 2)); // [2I, D]
                                for (int s = 0; s < imageRows; s++) {
                                    nextSlots.add(s);
                                }
                            }
                        }
                        if (textRunning > 0) {
                            NDArray textHidden = hidden.get(imgActive + ":" + (imgActive + textRunning));
                            int[] active = Arrays.copyOf(textInSlot, textRunning);
                            NDArray textLogits = net.textLogits(textHidden);
                            probe.textStep(active, textLogits);
                            int[] next = Sampler.sample(textLogits, pick(text, active, Understanding.Input::sampling),
                                    pick(text, active, Understanding.Input::rng));
                            boolean[] done = new boolean[textRunning];
                            int keep = 0;
                            for (int s = 0; s < textRunning; s++) {
                                int r = active[s];
                                boolean eos = next[s] == eosId;
                                if (!eos) {
                                    out.get(r).add(next[s]);
                                }
                                done[s] = eos || out.get(r).size() >= text.get(r).maxNewTokens();
                                if (done[s]) {
                                    listener.textDone(r, new Understanding.Output(
                                            out.get(r).stream().mapToInt(Integer::intValue).toArray(), prefillMs,
                                            (System.nanoTime() - t1) / 1e6));
                                }
                                keep += done[s] ? 0 : 1;
                            }
                            // Running text rows in slots >= keep move into finished slots below keep.
                            int free = 0;
                            for (int s = keep; s < textRunning; s++) {
                                if (done[s]) {
                                    continue;
                                }
                                while (!done[free]) {
                                    free++;
                                }
                                cache.moveSlot(imageRows + s, imageRows + free, length[imageRows + s]);
                                length[imageRows + free] = length[imageRows + s];
                                validFrom[imageRows + free] = validFrom[imageRows + s];
                                textInSlot[free] = active[s];
                                next[free] = next[s];
                                done[free] = false;
                                free++;
                            }
                            textRunning = keep;
                            if (keep > 0) {
                                nextInputs.add(llm.embed(Rows.longs(sm, Arrays.copyOf(next, keep)))); // [A, D]
                                for (int s = 0; s < keep; s++) {
                                    nextSlots.add(imageRows + s);
                                }
                            }
                        }
                        if (nextSlots.isEmpty()) {
                            break;
                        }
                        int[] slots = nextSlots.stream().mapToInt(Integer::intValue).toArray();
                        int[] start = new int[slots.length];
                        int[] from = new int[slots.length];
                        for (int i = 0; i < slots.length; i++) {
                            start[i] = length[slots[i]]++;
                            from[i] = validFrom[slots[i]];
                        }
                        NDArray x = (nextInputs.size() == 1 ? nextInputs.get(0)
                                : NDArrays.concat(new NDList(nextInputs), 0)).expandDims(1); // [A, 1, D]
                        NDArray h = Rows.last(llm.forward(x, new LlamaDecoder.Step(slots, start, from, 1), cache));
                        h.attach(m);
                        hidden = h;
                    }
                    previous.close();
                }
            }
        }
    }


    private static List<int[]> ids(List<Understanding.Input> inputs) {
        return inputs.stream().map(p -> p.prompt().ids()).toList();
    }

    private static Understanding.Input asText(int[] ids) {
        return new Understanding.Input(new Prompt(ids, new boolean[ids.length], 0), List.of(), SamplingParams.GREEDY, null, 1);
    }

    private static <T> List<T> pick(List<Understanding.Input> inputs, int[] rows, java.util.function.Function<Understanding.Input, T> f) {
        List<T> r = new ArrayList<>(rows.length);
        for (int i : rows) {
            r.add(f.apply(inputs.get(i)));
        }
        return r;
    }
}
