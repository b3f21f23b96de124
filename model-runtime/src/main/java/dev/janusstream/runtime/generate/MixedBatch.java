package dev.janusstream.runtime.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.InferenceListener;
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
 * <p>Rows come in groups: the text prompts or the images of one arrival. Each group is prefilled
 * on its own, padded only to its own longest prompt, into a KV cache of its own sized to what its
 * rows need; every step then runs the weight matmuls once over the rows of all groups, and
 * attention per group. A text row that finishes is reported at once and leaves; the group's
 * running rows are compacted into the freed slots, so every step reads the caches in place.
 * Between steps, new work can join the loop ({@link Admission}): a caption asked for during a
 * long image generation does not wait for the generation to end.
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

    /** Work joining the loop: text inputs and images (each of {@code imageSteps} tokens), reported to their own listener. */
    public record Arrival(List<Understanding.Input> text, List<ImageGeneration.Input> images, Listener listener) {
        public int rows() {
            return text.size() + 2 * images.size();
        }
    }

    /** Asked between steps for work to add to the running loop. */
    @FunctionalInterface
    public interface Admission {
        Admission NONE = (freeRows, stepsLeft) -> null;

        /**
         * Work of at most {@code freeRows} decoder rows (one per text input, two per image), or
         * null. {@code stepsLeft}: the most steps a running group may still take, 0 when none runs.
         */
        Arrival poll(int freeRows, int stepsLeft);
    }

    /**
     * New work is asked for only while fewer groups than this run (an arrival of both kinds adds
     * two). Each group costs a prefill forward when it joins and an attention call per layer per
     * step; past this, new work waits for a group to finish and then joins as one group rather
     * than a group per freed row.
     */
    static final int MAX_GROUPS = 3;

    /**
     * A prefill forward takes at most this many prompt tokens (whole rows, at least one): a long
     * prompt (576 image tokens + the template) is prefilled a row at a time, short ones (image
     * generation prompts) together. At 632 rows per matmul the weights are used as efficiently as
     * in a bigger batch, while the attention scores [rows, H, T, T] and the MLP activations stay
     * the size of one row's (25 MB and 14 MB at Janus-Pro-1B's caption prompt instead of 4 x that
     * for 4 rows): less memory mapped per layer, and less peak RSS.
     */
    static final int PREFILL_TOKENS = 1024;

    /** Rows {@code from .. from+n-1} of a prefill step. */
    private static LlamaDecoder.Step slice(LlamaDecoder.Step s, int from, int n) {
        return new LlamaDecoder.Step(Arrays.copyOfRange(s.slots(), from, from + n), Arrays.copyOfRange(s.start(), from, from + n),
                Arrays.copyOfRange(s.validFrom(), from, from + n), s.tokens());
    }

    private final JanusNetwork net;
    private final int padId, eosId;
    private InferenceListener listener = InferenceListener.NONE;
    private int maxRows = Integer.MAX_VALUE;
    private int steps; // of the current run

    public MixedBatch(JanusNetwork net, int padId, int eosId) {
        this.net = net;
        this.padId = padId;
        this.eosId = eosId;
    }

    /** Reports prefills, steps and finished rows to {@code l} (metrics, progress). */
    public MixedBatch listen(InferenceListener l) {
        this.listener = l == null ? InferenceListener.NONE : l;
        return this;
    }

    public void run(List<Understanding.Input> text, List<ImageGeneration.Input> images, int imageSteps, NDManager parent,
            Listener listener) {
        run(text, images, imageSteps, parent, listener, Probe.NONE);
    }

    public void run(List<Understanding.Input> text, List<ImageGeneration.Input> images, int imageSteps, NDManager parent,
            Listener listener, Probe probe) {
        run(new Arrival(text, images, listener), imageSteps, parent, probe, Admission.NONE, Integer.MAX_VALUE);
    }

    /**
     * Runs {@code first} and whatever {@code admission} adds while rows are running, keeping at
     * most {@code maxRows} rows in a forward. Returns when every row has finished and nothing
     * more is admitted, with the number of steps whose forward held both text and image rows.
     */
    public long run(Arrival first, int imageSteps, NDManager parent, Probe probe, Admission admission, int maxRows) {
        this.maxRows = maxRows;
        this.steps = 0;
        long mixedSteps = 0;
        try (NDManager m = parent.newSubManager()) {
            List<Group> groups = new ArrayList<>();
            try {
                admit(first, imageSteps, m, probe, groups);
                while (true) {
                    if (groups.size() < MAX_GROUPS) {
                        Arrival more = admission.poll(maxRows - rows(groups), stepsLeft(groups));
                        if (more != null) {
                            admit(more, imageSteps, m, Probe.NONE, groups);
                        }
                    }
                    if (groups.isEmpty()) {
                        return mixedSteps;
                    }
                    if (step(groups, m)) {
                        mixedSteps++;
                    }
                }
            } finally {
                groups.forEach(Group::close);
            }
        }
    }

    private void admit(Arrival a, int imageSteps, NDManager m, Probe probe, List<Group> groups) {
        if (!a.images().isEmpty() && imageSteps > 0) {
            groups.add(new ImageGroup(a.images(), imageSteps, a.listener(), probe, m));
        }
        if (!a.text().isEmpty()) {
            groups.add(new TextGroup(a.text(), a.listener(), probe, m));
        }
    }

    /** The most steps any running group may still take. */
    private static int stepsLeft(List<Group> groups) {
        return groups.stream().mapToInt(Group::stepsLeft).max().orElse(0);
    }

    private static int rows(List<Group> groups) {
        return groups.stream().mapToInt(Group::rows).sum();
    }

    /**
     * Every group samples from its last hidden states; the rows still running take one forward
     * together. Returns whether that forward held both text and image rows.
     */
    private boolean step(List<Group> groups, NDManager m) {
        long t0 = System.nanoTime();
        int textTokens = 0, imageTokens = 0, rows = 0;
        try (NDManager sm = m.newSubManager()) {
            NDList inputs = new NDList();
            List<LlamaDecoder.Part> parts = new ArrayList<>();
            List<Group> stepping = new ArrayList<>();
            for (Group g : new ArrayList<>(groups)) {
                if (g instanceof ImageGroup ig) {
                    imageTokens += ig.images.size(); // sampled by next()
                } else {
                    textTokens += g.rows();
                }
                LlamaDecoder.Part part = g.next(sm, inputs);
                if (part == null) {
                    groups.remove(g);
                    g.close();
                } else {
                    parts.add(part);
                    stepping.add(g);
                }
            }
            if (parts.isEmpty()) {
                listener.stepped(textTokens, imageTokens, 0, maxRows, ++steps, 0, System.nanoTime() - t0);
                return false;
            }
            NDArray x = (inputs.size() == 1 ? inputs.get(0) : NDArrays.concat(inputs, 0)).expandDims(1); // [R, 1, D]
            NDArray hidden = Rows.last(net.llm().forward(x, parts)); // [R, D]
            int row = 0;
            for (Group g : stepping) {
                g.setHidden(hidden.get(row + ":" + (row + g.rows())));
                row += g.rows();
            }
            rows = row;
            listener.stepped(textTokens, imageTokens, rows, maxRows, ++steps, stepsLeft(stepping), System.nanoTime() - t0);
            return stepping.stream().anyMatch(g -> g instanceof TextGroup) && stepping.stream().anyMatch(g -> g instanceof ImageGroup);
        }
    }

    /** Rows of one arrival in one KV cache; holds their last hidden states between steps. */
    private abstract class Group implements AutoCloseable {
        final NDManager m;
        final LlamaDecoder llm = net.llm();
        final long t0 = System.nanoTime();
        KvCache cache;
        int[] length; // by slot: cells filled
        int[] validFrom; // by slot: where the row's real tokens start (after its left padding)
        NDArray hidden; // [rows, D] in m

        Group(NDManager parent) {
            this.m = parent.newSubManager();
        }

        abstract int rows();

        /** Steps the group may still take (text rows: their token budget; they can end sooner). */
        abstract int stepsLeft();

        /**
         * Samples every running row's next token from {@link #hidden}, reports rows that finished,
         * adds the next input embeddings [rows, D] to {@code inputs} and returns where they go;
         * null when the whole group has finished.
         */
        abstract LlamaDecoder.Part next(NDManager sm, NDList inputs);

        /** Prefills {@code prompts} (laid out as {@code rows}) into a new cache of {@code capacity} cells per row. */
        void prefill(Rows rows, List<Understanding.Input> prompts, int capacity) {
            long p0 = System.nanoTime();
            cache = llm.newCache(m, rows.rows(), capacity);
            length = new int[rows.rows()];
            validFrom = rows.validFrom().clone();
            Arrays.fill(length, rows.length());
            try (NDManager pm = m.newSubManager()) { // prompt embeddings and image features go with the prefill
                NDArray embeds = new Understanding(net, padId, eosId).promptEmbeddings(rows, prompts, pm); // [B, T, D]
                LlamaDecoder.Step all = rows.prefill();
                int per = Math.max(1, Math.min(all.rows(), PREFILL_TOKENS / Math.max(1, all.tokens())));
                NDList last = new NDList();
                for (int r = 0; r < all.rows(); r += per) {
                    int n = Math.min(per, all.rows() - r);
                    try (NDManager fm = pm.newSubManager()) {
                        NDArray x = embeds.get(r + ":" + (r + n));
                        x.attach(fm);
                        NDArray h = Rows.last(llm.forward(x, slice(all, r, n), cache)); // [n, D]
                        h.attach(pm);
                        last.add(h);
                    }
                }
                setHidden(last.size() == 1 ? last.get(0) : NDArrays.concat(last, 0));
            }
            int tokens = 0;
            for (int r = 0; r < rows.rows(); r++) {
                tokens += rows.length() - rows.validFrom()[r];
            }
            listener.prefilled(rows.rows(), tokens, System.nanoTime() - p0);
        }

        void setHidden(NDArray h) {
            h.attach(m);
            hidden = h;
        }

        /** The last hidden states, moved into the step's manager: what the heads compute from them is freed with the step. */
        NDArray takeHidden(NDManager sm) {
            NDArray h = hidden;
            hidden = null;
            h.attach(sm);
            return h;
        }

        /** The decode step of the first {@code n} slots: one token each, at each row's own position. */
        LlamaDecoder.Part decodeStep(int n) {
            int[] slots = new int[n];
            int[] start = new int[n];
            int[] from = new int[n];
            for (int s = 0; s < n; s++) {
                slots[s] = s;
                start[s] = length[s]++;
                from[s] = validFrom[s];
            }
            return new LlamaDecoder.Part(new LlamaDecoder.Step(slots, start, from, 1), cache);
        }

        @Override
        public void close() {
            m.close();
        }
    }

    /** The images of one arrival: a conditional and an unconditional row each, stepping together. */
    private final class ImageGroup extends Group {
        final List<ImageGeneration.Input> images;
        final int steps;
        final Listener listener;
        final Probe probe;
        final int[][] tokens;
        final NDArray cfg; // [I, 1]
        int step;

        ImageGroup(List<ImageGeneration.Input> images, int steps, Listener listener, Probe probe, NDManager parent) {
            super(parent);
            this.images = images;
            this.steps = steps;
            this.listener = listener;
            this.probe = probe;
            this.tokens = new int[images.size()][steps];
            float[] w = new float[images.size()];
            List<Understanding.Input> prompts = new ArrayList<>();
            for (int i = 0; i < w.length; i++) {
                w[i] = images.get(i).cfgWeight();
                prompts.add(asText(images.get(i).condIds()));
                prompts.add(asText(images.get(i).uncondIds()));
            }
            cfg = m.create(w, new Shape(w.length, 1)).toType(llm.dtype(), false);
            Rows rows = Rows.leftPadded(ids(prompts), padId);
            prefill(rows, prompts, rows.length() + steps - 1);
        }

        @Override
        int rows() {
            return 2 * images.size();
        }

        @Override
        int stepsLeft() {
            return steps - step;
        }

        /** Gen head on cond and uncond rows, CFG, sample; queue gen_aligner(gen_embed(token)) for both rows. */
        @Override
        LlamaDecoder.Part next(NDManager sm, NDList inputs) {
            NDArray guided = net.guidedImageLogits(takeHidden(sm), cfg); // [I, K]
            probe.imageStep(step, guided);
            int[] forced = probe.forcedImageTokens(step);
            int[] next = forced != null ? forced : Sampler.sample(guided,
                    images.stream().map(ImageGeneration.Input::sampling).toList(),
                    images.stream().map(ImageGeneration.Input::rng).toList());
            for (int i = 0; i < images.size(); i++) {
                tokens[i][step] = next[i];
            }
            if (++step == steps) {
                MixedBatch.this.listener.imagesGenerated(images.size(), System.nanoTime() - t0);
                listener.imagesDone(tokens, (System.nanoTime() - t0) / 1e6);
                return null;
            }
            inputs.add(net.embedImageTokens(Rows.longs(sm, next)).repeat(0, 2)); // [2I, D], cond and uncond alike
            return decodeStep(rows());
        }
    }

    /** The text prompts of one arrival; rows leave as they finish. */
    private final class TextGroup extends Group {
        final List<Understanding.Input> text;
        final Listener listener;
        final Probe probe;
        final List<List<Integer>> answers = new ArrayList<>();
        final int[] inSlot; // text input whose row sits in slot s
        final double prefillMs;
        final long decodeStart;
        int running;

        TextGroup(List<Understanding.Input> text, Listener listener, Probe probe, NDManager parent) {
            super(parent);
            this.text = text;
            this.listener = listener;
            this.probe = probe;
            text.forEach(x -> answers.add(new ArrayList<>()));
            Rows rows = Rows.leftPadded(ids(text), padId);
            int maxNew = text.stream().mapToInt(Understanding.Input::maxNewTokens).max().orElse(0);
            prefill(rows, text, rows.length() + maxNew);
            prefillMs = (System.nanoTime() - t0) / 1e6;
            decodeStart = System.nanoTime();
            inSlot = range(text.size());
            running = text.size();
        }

        @Override
        int rows() {
            return running;
        }

        @Override
        int stepsLeft() {
            int left = 0;
            for (int s = 0; s < running; s++) {
                left = Math.max(left, text.get(inSlot[s]).maxNewTokens() - answers.get(inSlot[s]).size());
            }
            return left;
        }

        /** Text head, sample; report finished rows, compact the rest, queue their token embeddings. */
        @Override
        LlamaDecoder.Part next(NDManager sm, NDList inputs) {
            int[] active = Arrays.copyOf(inSlot, running);
            NDArray logits = net.textLogits(takeHidden(sm)); // [A, V]
            probe.textStep(active, logits);
            int[] next = Sampler.sample(logits, pick(active, Understanding.Input::sampling), pick(active, Understanding.Input::rng));
            boolean[] done = new boolean[running];
            int keep = 0;
            for (int s = 0; s < running; s++) {
                int r = active[s];
                boolean eos = next[s] == eosId;
                if (!eos) {
                    answers.get(r).add(next[s]);
                }
                done[s] = eos || answers.get(r).size() >= text.get(r).maxNewTokens();
                if (done[s]) {
                    MixedBatch.this.listener.answered(answers.get(r).size(), System.nanoTime() - decodeStart);
                    listener.textDone(r, new Understanding.Output(answers.get(r).stream().mapToInt(Integer::intValue).toArray(),
                            prefillMs, (System.nanoTime() - decodeStart) / 1e6));
                } else {
                    keep++;
                }
            }
            compact(done, keep, active, next);
            running = keep;
            if (keep == 0) {
                return null;
            }
            inputs.add(llm.embed(Rows.longs(sm, Arrays.copyOf(next, keep)))); // [keep, D]
            return decodeStep(keep);
        }

        /** Running rows in slots >= keep move into the finished slots below keep (cache, bookkeeping, next token). */
        void compact(boolean[] done, int keep, int[] active, int[] next) {
            int free = 0;
            for (int s = keep; s < active.length; s++) {
                if (done[s]) {
                    continue;
                }
                while (!done[free]) {
                    free++;
                }
                cache.moveSlot(s, free, length[s]);
                length[free] = length[s];
                validFrom[free] = validFrom[s];
                inSlot[free] = active[s];
                next[free] = next[s];
                done[free] = false;
                free++;
            }
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
