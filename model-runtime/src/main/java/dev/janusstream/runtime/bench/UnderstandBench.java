package dev.janusstream.runtime.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.JanusModel;
import dev.janusstream.runtime.ModelPreset;
import dev.janusstream.runtime.RuntimeOptions;
import dev.janusstream.runtime.generate.Rows;
import dev.janusstream.runtime.generate.Sampler;
import dev.janusstream.runtime.generate.SamplingParams;
import dev.janusstream.runtime.model.JanusNetwork;
import dev.janusstream.runtime.model.KvCache;
import dev.janusstream.runtime.model.LlamaDecoder;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;

/**
 * {@code bench understand}: load time, vision encode ms/image, prefill tokens/s, decode tokens/s at
 * several batch sizes, RSS, and the overhead ratio of a decode step (step time / the same
 * step's weight matmuls run alone in this process).
 */
public final class UnderstandBench {
    private UnderstandBench() {}

    /** @param promptTokens prefill length; 0 = the real caption prompt (576 image tokens + the template around the question) */
    public static void run(Path dir, ModelPreset preset, RuntimeOptions options, int[] visionBatches, int[] batches,
            int promptTokens, int decodeSteps) {
        System.out.println(MemoryProbe.describe());
        try (JanusModel model = BenchModel.load(dir, preset, options)) {
            JanusNetwork net = model.network();
            LlamaDecoder llm = net.llm();
            if (promptTokens <= 0) {
                promptTokens = new dev.janusstream.runtime.text.ChatTemplate(model.tokenizer(),
                        model.config().chatProcessor().numImageTokens(), 4096).understanding(CaptionBench.QUESTION, 1).length();
            }
            try (NDManager m = model.manager().newSubManager()) {
                double[] v1 = null;
                for (int vb : visionBatches) {
                    double[] v = visionEncode(net, m, vb);
                    v1 = v1 == null || vb == 1 ? v : v1;
                }
                System.out.println("                    RSS " + ProcessMemory.gib(ProcessMemory.rss()) + ", peak " + ProcessMemory.gib(ProcessMemory.peakRss()));
                double[] p = prefill(net, m, promptTokens);
                System.out.printf(Locale.ROOT, "vision (per image) + prefill %.0f ms, matmuls alone %.0f ms: ratio %.2f%n",
                        v1[0] + p[0], v1[1] + p[1], (v1[0] + p[0]) / (v1[1] + p[1]));
                System.out.println("                    RSS " + ProcessMemory.gib(ProcessMemory.rss()) + ", peak " + ProcessMemory.gib(ProcessMemory.peakRss()));
                System.out.println("decode (greedy, KV cache holding " + promptTokens + " cells as after the prompt, " + decodeSteps + " timed steps after 2 warm-up):");
                double base = 0;
                for (int b : batches) {
                    double[] r = decode(net, m, b, promptTokens, decodeSteps);
                    double tps = b / (r[0] / 1e3);
                    if (b == batches[0]) {
                        base = tps;
                    }
                    System.out.printf(Locale.ROOT,
                            "  batch %3d: step %8.2f ms, %8.2f tokens/s (%.2f x batch %d), matmuls alone %8.2f ms, overhead ratio %.3f%n",
                            b, r[0], tps, tps / base, batches[0], r[1], r[0] / r[1]);
                    System.out.println("                    RSS " + ProcessMemory.gib(ProcessMemory.rss()) + ", peak " + ProcessMemory.gib(ProcessMemory.peakRss()));
                }
            }
            System.out.println("peak RSS            " + ProcessMemory.gib(ProcessMemory.peakRss()));
            System.out.println("kv cache            allocated per batch: rows x (prompt + new tokens) x layers x 2 x hidden x "
                    + llm.dtype().getNumOfBytes() + " bytes");
            System.out.println("load average now    " + MemoryProbe.loadAverage());
        }
    }

    /** ms per image of the vision tower + aligner over a batch of {@code images}, and of its matmuls alone (best of 2). */
    static double[] visionEncode(JanusNetwork net, NDManager parent, int images) {
        int s = net.config().vision().imageSize();
        double best = Double.MAX_VALUE, bestMm = Double.MAX_VALUE;
        try (NDManager m = parent.newSubManager()) {
            NDArray pixels = m.randomUniform(-1, 1, new Shape(images, 3, s, s)).toType(net.llm().dtype(), false);
            net.encodeImages(pixels.get("0:1")).close(); // warm-up
            for (int r = 0; r < 2; r++) {
                long t0 = System.nanoTime();
                try (NDArray out = net.encodeImages(pixels)) {
                    out.toFloatArray();
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e6 / images);
                try (NDManager mm = m.newSubManager()) {
                    t0 = System.nanoTime();
                    net.visionMatmulsOnly(mm, images).toFloatArray();
                    bestMm = Math.min(bestMm, (System.nanoTime() - t0) / 1e6 / images);
                }
            }
        }
        System.out.printf(Locale.ROOT, "vision encode       %.1f ms/image (batch of %d, %dx%d, SigLIP + aligner); matmuls alone %.1f ms/image: ratio %.2f%n",
                best, images, s, s, bestMm, best / bestMm);
        return new double[] {best, bestMm};
    }

    /** ms of one row's prefill of {@code tokens} tokens (with the last position's text logits), and of its weight matmuls alone. */
    static double[] prefill(JanusNetwork net, NDManager parent, int tokens) {
        LlamaDecoder llm = net.llm();
        double ms, mm;
        try (NDManager m = parent.newSubManager()) {
            NDArray ids = m.randomInteger(0, 256, new Shape(1, tokens), DataType.INT64);
            try (KvCache cache = cache(m, llm, 1, tokens)) {
                LlamaDecoder.Step step = new LlamaDecoder.Step(new int[] {0}, new int[] {0}, new int[] {0}, tokens);
                try (NDManager w = m.newSubManager()) {
                    ids.tempAttach(w);
                    llm.forward(llm.embed(ids.get(":, :8")), new LlamaDecoder.Step(new int[] {0}, new int[] {0}, new int[] {0}, 8), cache); // warm-up
                }
                try (NDManager f = m.newSubManager()) {
                    ids.tempAttach(f);
                    long t0 = System.nanoTime();
                    net.textLogits(llm.forward(llm.embed(ids), step, cache).get(":, -1")).toFloatArray();
                    ms = (System.nanoTime() - t0) / 1e6;
                }
            }
            try (NDManager f = m.newSubManager()) {
                NDArray x = f.randomNormal(new Shape(1, tokens, llm.config().hiddenSize())).toType(llm.dtype(), false);
                long t0 = System.nanoTime();
                net.textLogits(llm.matmulsOnly(x, false).get(":, -1")).toFloatArray();
                mm = (System.nanoTime() - t0) / 1e6;
            }
        }
        System.out.printf(Locale.ROOT, "prefill             %.1f tokens/s (%d tokens, one row, %.0f ms); matmuls alone %.0f ms: ratio %.2f%n",
                tokens / (ms / 1e3), tokens, ms, mm, ms / mm);
        return new double[] {ms, mm};
    }

    /**
     * Mean ms of one greedy decode step for {@code rows} rows whose KV cache already holds
     * {@code cached} cells, and of the same step's matmuls alone. The cache is filled by
     * allocation (zeros), not by a prefill: a step's cost does not depend on the cached values,
     * and a bench then needs no prefill of rows x cached tokens per figure.
     */
    static double[] decode(JanusNetwork net, NDManager parent, int rows, int cached, int steps) {
        LlamaDecoder llm = net.llm();
        try (NDManager m = parent.newSubManager()) {
            int[] slots = new int[rows];
            int[] validFrom = new int[rows];
            for (int i = 0; i < rows; i++) {
                slots[i] = i;
            }
            try (KvCache cache = cache(m, llm, rows, cached + steps + 2)) {
                var params = Collections.nCopies(rows, SamplingParams.GREEDY);
                double[] u = new double[rows];
                int[] next = new int[rows];
                long t0 = 0;
                for (int s = 0; s < steps + 2; s++) {
                    if (s == 2) {
                        t0 = System.nanoTime();
                    }
                    int[] start = new int[rows];
                    java.util.Arrays.fill(start, cached + s);
                    try (NDManager step = m.newSubManager()) {
                        NDArray x = llm.embed(Rows.column(step, next));
                        NDArray l = net.textLogits(llm.forward(x, new LlamaDecoder.Step(slots, start, validFrom, 1), cache).get(":, -1"));
                        next = Sampler.sample(l, params, u);
                    }
                }
                double stepMs = (System.nanoTime() - t0) / 1e6 / steps;
                return new double[] {stepMs, matmulsMs(net, m, rows, steps, true)};
            }
        }
    }

    /** Mean ms of one step's weight matmuls alone (same shapes, same weights, same process). */
    static double matmulsMs(JanusNetwork net, NDManager parent, int rows, int steps, boolean textHead) {
        LlamaDecoder llm = net.llm();
        try (NDManager m = parent.newSubManager()) {
            NDArray x = m.randomNormal(new Shape(rows, 1, llm.config().hiddenSize())).toType(llm.dtype(), false);
            long t0 = 0;
            for (int s = 0; s < steps + 2; s++) {
                if (s == 2) {
                    t0 = System.nanoTime();
                }
                try (NDManager step = m.newSubManager()) {
                    x.tempAttach(step);
                    NDArray y = llm.matmulsOnly(x, textHead);
                    if (!textHead) {
                        NDArray cfg = step.ones(new Shape(rows / 2, 1), llm.dtype());
                        y = net.guidedImageLogits(y.reshape(rows, -1), cfg);
                    }
                    y.reshape(-1).get(0).toFloatArray(); // wait for the device like a step's sampling does
                }
            }
            return (System.nanoTime() - t0) / 1e6 / steps;
        }
    }

    static KvCache cache(NDManager m, LlamaDecoder llm, int rows, int capacity) {
        return llm.newCache(m, rows, capacity);
    }
}
