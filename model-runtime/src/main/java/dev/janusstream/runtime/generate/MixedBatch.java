package dev.janusstream.runtime.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.model.JanusNetwork;
import dev.janusstream.runtime.model.KvCache;
import dev.janusstream.runtime.model.LlamaDecoder;
import dev.janusstream.runtime.text.Prompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The decode loop: understanding rows and image-generation rows in the same decoder forwards. To
 * the decoder they are the same kind of row; only the input embedding (text embedding vs
 * gen_aligner(gen_embed)) and the output head (lm_head vs gen_head + CFG) differ.
 *
 * <p>Image rows take slots 0..2I-1 (cond, uncond per image), text rows the slots after them. Each
 * kind is prefilled on its own, padded only to its own longest prompt, and every row then decodes
 * at its own position. A text row that finishes is reported at once and leaves; the running text
 * rows are compacted into the freed slots, so every step reads the KV cache in place.
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
        try (NDManager m = parent.newSubManager()) {
            new Round(text, images, imageSteps, m, listener, probe).run();
        }
    }

    /** One run of the loop: the rows, their KV cache and where each row stands. */
    private final class Round {
        final List<Understanding.Input> text;
        final List<ImageGeneration.Input> images;
        final int imageSteps, imageRows;
        final NDManager m;
        final Listener listener;
        final Probe probe;
        final LlamaDecoder llm = net.llm();
        final long t0 = System.nanoTime();
        final int[][] imageTokens;
        final List<List<Integer>> answers = new ArrayList<>();
        int[] length; // by slot: cells filled
        int[] validFrom; // by slot: where the row's real tokens start (after its left padding)
        int[] textInSlot; // text input whose row sits in slot imageRows + s
        int textRunning;
        boolean imagesRunning;
        double prefillMs;
        long decodeStart;

        Round(List<Understanding.Input> text, List<ImageGeneration.Input> images, int imageSteps, NDManager m,
                Listener listener, Probe probe) {
            this.text = text;
            this.images = images;
            this.imageSteps = imageSteps;
            this.imageRows = 2 * images.size();
            this.m = m;
            this.listener = listener;
            this.probe = probe;
            this.imageTokens = new int[images.size()][imageSteps];
            text.forEach(x -> answers.add(new ArrayList<>()));
        }

        void run() {
            List<Understanding.Input> imagePrompts = new ArrayList<>();
            for (ImageGeneration.Input img : images) {
                imagePrompts.add(asText(img.condIds()));
                imagePrompts.add(asText(img.uncondIds()));
            }
            Rows imageGroup = images.isEmpty() ? null : Rows.leftPadded(ids(imagePrompts), padId, 0);
            Rows textGroup = text.isEmpty() ? null : Rows.leftPadded(ids(text), padId, imageRows);
            int maxNew = text.stream().mapToInt(Understanding.Input::maxNewTokens).max().orElse(0);
            int capacity = Math.max(imageGroup == null ? 0 : imageGroup.length() + Math.max(imageSteps - 1, 0),
                    textGroup == null ? 0 : textGroup.length() + maxNew);
            try (KvCache cache = llm.newCache(m, imageRows + text.size(), capacity)) {
                NDArray hidden = prefill(cache, imageGroup, imagePrompts, textGroup); // [R, D], slot order
                NDArray cfg = cfgWeights();
                textInSlot = range(text.size());
                textRunning = text.size();
                imagesRunning = !images.isEmpty() && imageSteps > 0;
                for (int step = 0; imagesRunning || textRunning > 0; step++) {
                    NDArray previous = hidden;
                    try (NDManager sm = m.newSubManager()) {
                        hidden.tempAttach(sm);
                        List<NDArray> inputs = new ArrayList<>();
                        List<Integer> slots = new ArrayList<>();
                        int imageActive = imagesRunning ? imageRows : 0;
                        if (imagesRunning) {
                            imageStep(step, hidden.get("0:" + imageRows), cfg, sm, inputs, slots);
                        }
                        if (textRunning > 0) {
                            textStep(hidden.get(imageActive + ":" + (imageActive + textRunning)), cache, sm, inputs, slots);
                        }
                        if (slots.isEmpty()) {
                            break;
                        }
                        hidden = forward(inputs, slots, cache);
                        hidden.attach(m);
                    }
                    previous.close();
                }
            }
        }

        /** Each kind's prompts in one left-padded forward of its own; returns the last hidden state of every row. */
        NDArray prefill(KvCache cache, Rows imageGroup, List<Understanding.Input> imagePrompts, Rows textGroup) {
            length = new int[imageRows + text.size()];
            validFrom = new int[imageRows + text.size()];
            Understanding embedder = new Understanding(net, padId, eosId);
            List<NDArray> last = new ArrayList<>();
            for (Rows group : new Rows[] {imageGroup, textGroup}) {
                if (group == null) {
                    continue;
                }
                NDArray embeds = embedder.promptEmbeddings(group, group == imageGroup ? imagePrompts : text, m);
                last.add(Rows.last(llm.forward(embeds, group.prefill(), cache)));
                for (int r = 0; r < group.rows(); r++) {
                    length[group.slots()[r]] = group.length();
                    validFrom[group.slots()[r]] = group.validFrom()[r];
                }
            }
            prefillMs = (System.nanoTime() - t0) / 1e6;
            decodeStart = System.nanoTime();
            return last.size() == 1 ? last.get(0) : NDArrays.concat(new NDList(last), 0);
        }

        NDArray cfgWeights() {
            if (images.isEmpty()) {
                return null;
            }
            float[] w = new float[images.size()];
            for (int i = 0; i < w.length; i++) {
                w[i] = images.get(i).cfgWeight();
            }
            return m.create(w, new Shape(w.length, 1)).toType(llm.dtype(), false);
        }

        /** Gen head on cond and uncond rows, CFG, sample; queue gen_aligner(gen_embed(token)) for both rows. */
        void imageStep(int step, NDArray hidden, NDArray cfg, NDManager sm, List<NDArray> inputs, List<Integer> slots) {
            int n = images.size();
            NDArray guided = net.guidedImageLogits(hidden, cfg); // [I, K]
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
                return;
            }
            inputs.add(net.embedImageTokens(Rows.longs(sm, next)).repeat(0, 2)); // [2I, D], cond and uncond alike
            for (int s = 0; s < imageRows; s++) {
                slots.add(s);
            }
        }

        /** Text head, sample; report finished rows, compact the rest, queue their token embeddings. */
        void textStep(NDArray hidden, KvCache cache, NDManager sm, List<NDArray> inputs, List<Integer> slots) {
            int[] active = Arrays.copyOf(textInSlot, textRunning);
            NDArray logits = net.textLogits(hidden); // [A, V]
            probe.textStep(active, logits);
            int[] next = Sampler.sample(logits, pick(active, Understanding.Input::sampling), pick(active, Understanding.Input::rng));
            boolean[] done = new boolean[textRunning];
            int keep = 0;
            for (int s = 0; s < textRunning; s++) {
                int r = active[s];
                boolean eos = next[s] == eosId;
                if (!eos) {
                    answers.get(r).add(next[s]);
                }
                done[s] = eos || answers.get(r).size() >= text.get(r).maxNewTokens();
                if (done[s]) {
                    listener.textDone(r, new Understanding.Output(answers.get(r).stream().mapToInt(Integer::intValue).toArray(),
                            prefillMs, (System.nanoTime() - decodeStart) / 1e6));
                } else {
                    keep++;
                }
            }
            compact(done, keep, active, next, cache);
            textRunning = keep;
            if (keep > 0) {
                inputs.add(llm.embed(Rows.longs(sm, Arrays.copyOf(next, keep)))); // [A, D]
                for (int s = 0; s < keep; s++) {
                    slots.add(imageRows + s);
                }
            }
        }

        /** Running text rows in slots >= keep move into the finished slots below keep (cache, bookkeeping, next token). */
        void compact(boolean[] done, int keep, int[] active, int[] next, KvCache cache) {
            int free = 0;
            for (int s = keep; s < active.length; s++) {
                if (done[s]) {
                    continue;
                }
                while (!done[free]) {
                    free++;
                }
                int from = imageRows + s, to = imageRows + free;
                cache.moveSlot(from, to, length[from]);
                length[to] = length[from];
                validFrom[to] = validFrom[from];
                textInSlot[free] = active[s];
                next[free] = next[s];
                done[free] = false;
                free++;
            }
        }

        /** One decoder step over the queued rows: x [A, 1, D] at each row's own position; returns [A, D]. */
        NDArray forward(List<NDArray> inputs, List<Integer> slotList, KvCache cache) {
            int[] slots = slotList.stream().mapToInt(Integer::intValue).toArray();
            int[] start = new int[slots.length];
            int[] from = new int[slots.length];
            for (int i = 0; i < slots.length; i++) {
                start[i] = length[slots[i]]++;
                from[i] = validFrom[slots[i]];
            }
            NDArray x = (inputs.size() == 1 ? inputs.get(0) : NDArrays.concat(new NDList(inputs), 0)).expandDims(1);
            return Rows.last(llm.forward(x, new LlamaDecoder.Step(slots, start, from, 1), cache));
        }

        <T> List<T> pick(int[] rows, Function<Understanding.Input, T> f) {
            List<T> r = new ArrayList<>(rows.length);
            for (int i : rows) {
                r.add(f.apply(text.get(i)));
            }
            return r;
        }
    }

    private static List<int[]> ids(List<Understanding.Input> inputs) {
        return inputs.stream().map(p -> p.prompt().ids()).toList();
    }

    private static Understanding.Input asText(int[] ids) {
        return new Understanding.Input(new Prompt(ids, new boolean[ids.length], 0), List.of(), SamplingParams.GREEDY, null, 1);
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }
}
