package dev.janusstream.runtime.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.model.JanusNetwork;
import dev.janusstream.runtime.model.KvCache;
import dev.janusstream.runtime.model.LlamaDecoder;
import dev.janusstream.runtime.text.Prompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batched image understanding (inference.py): one left-padded prefill over every prompt with the
 * aligned image features spliced in, then decode steps over the rows still running. A row that
 * finishes (end of sentence or its token budget) leaves the batch; the others go on in their own
 * cache slots.
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

    public List<Output> run(List<Input> inputs, NDManager parent) {
        return run(inputs, parent, null);
    }

    /** As {@link #run(List, NDManager)}; {@code observer}, when not null, sees every step's logits. */
    public List<Output> run(List<Input> inputs, NDManager parent, StepObserver observer) {
        LlamaDecoder llm = net.llm();
        try (NDManager m = parent.newSubManager()) {
            long t0 = System.nanoTime();
            Rows rows = Rows.leftPadded(inputs.stream().map(i -> i.prompt().ids()).toList(), padId);
            NDArray embeds = promptEmbeddings(rows, inputs, m);
            int maxNew = inputs.stream().mapToInt(Input::maxNewTokens).max().orElse(1);
            try (KvCache cache = llm.newCache(m, rows.rows(), rows.length() + maxNew)) {
                NDArray logits = net.textLogits(Rows.last(llm.forward(embeds, rows.prefill(), cache)));
                double prefillMs = (System.nanoTime() - t0) / 1e6;
                long t1 = System.nanoTime();

                List<List<Integer>> out = new ArrayList<>();
                inputs.forEach(i -> out.add(new ArrayList<>()));
                // rowInSlot[s]: the input whose row occupies KV slot s. Running rows always fill
                // slots 0..A-1: a finished row's slot is taken over by the last running row.
                int[] rowInSlot = range(rows.rows());
                int[] length = new int[rows.rows()];
                Arrays.fill(length, rows.length());
                int running = rows.rows();
                while (true) {
                    int[] active = Arrays.copyOf(rowInSlot, running);
                    if (observer != null) {
                        observer.onStep(active, logits);
                    }
                    int[] next = Sampler.sample(logits, pick(inputs, active, Input::sampling), pick(inputs, active, Input::rng));
                    boolean[] done = new boolean[running];
                    int keep = 0;
                    for (int s = 0; s < running; s++) {
                        int r = active[s];
                        boolean eos = next[s] == eosId;
                        if (!eos) {
                            out.get(r).add(next[s]);
                        }
                        done[s] = eos || out.get(r).size() >= inputs.get(r).maxNewTokens();
                        keep += done[s] ? 0 : 1;
                    }
                    if (keep == 0) {
                        break;
                    }
                    // Compact: running rows in slots >= keep move into the finished slots below keep.
                    int free = 0;
                    for (int s = keep; s < running; s++) {
                        if (done[s]) {
                            continue;
                        }
                        while (!done[free]) {
                            free++;
                        }
                        cache.moveSlot(s, free, length[active[s]]);
                        rowInSlot[free] = active[s];
                        next[free] = next[s];
                        done[free] = false;
                        free++;
                    }
                    running = keep;
                    int[] tokens = Arrays.copyOf(next, running);
                    int[] slots = range(running);
                    int[] start = new int[running];
                    int[] validFrom = new int[running];
                    for (int s = 0; s < running; s++) {
                        int r = rowInSlot[s];
                        start[s] = length[r]++;
                        validFrom[s] = rows.validFrom()[r];
                    }
                    try (NDManager step = m.newSubManager()) {
                        NDArray x = llm.embed(Rows.column(step, tokens)); // [A, 1, D]
                        LlamaDecoder.Step st = new LlamaDecoder.Step(slots, start, validFrom, 1);
                        NDArray newLogits = net.textLogits(Rows.last(llm.forward(x, st, cache)));
                        newLogits.attach(m);
                        logits.close();
                        logits = newLogits;
                    }
                }
                double decodeMs = (System.nanoTime() - t1) / 1e6;
                return out.stream().map(l -> new Output(l.stream().mapToInt(Integer::intValue).toArray(), prefillMs, decodeMs)).toList();
            }
        }
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

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    private static <T> List<T> pick(List<Input> inputs, int[] rows, java.util.function.Function<Input, T> f) {
        List<T> r = new ArrayList<>(rows.length);
        for (int i : rows) {
            r.add(f.apply(inputs.get(i)));
        }
        return r;
    }
}
