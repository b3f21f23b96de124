package dev.janusstream.runtime.bench;

import ai.djl.ndarray.NDManager;
import dev.janusstream.runtime.JanusModel;
import dev.janusstream.runtime.ModelPreset;
import dev.janusstream.runtime.RuntimeOptions;
import dev.janusstream.runtime.generate.ImageGeneration;
import dev.janusstream.runtime.generate.RowRng;
import dev.janusstream.runtime.generate.SamplingParams;
import dev.janusstream.runtime.model.JanusNetwork;
import dev.janusstream.runtime.text.ChatTemplate;
import dev.janusstream.runtime.text.Prompt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench generate}: image tokens/s with CFG (two decoder rows per image) at several
 * parallel sizes, the overhead ratio of a generation step, VQ decode ms per image, and the time
 * of a full image (prefill + every grid step + VQ decode) with images/hour, peak RSS.
 *
 * <p>A full 24x24 grid is 576 steps, too long to time on a CPU at every parallel size (and at
 * parallel 16 its KV cache alone is 7.5 GB in float32), so {@code steps} steps are timed right
 * after the prompt, and what the growing cache adds is measured apart: a 2-row decode step with
 * the cache holding prompt + grid cells minus one with it holding the prompt (cache filled by
 * allocation; a step's cost does not depend on the cached values), times P for 2P rows (attention
 * is per row). A step is linear in the cache length, so the mean step over the grid is the early
 * step + half of that growth, and a full image is prefill + grid x mean step + VQ decode.
 */
public final class GenerateBench {
    private GenerateBench() {}

    public static void run(Path dir, ModelPreset preset, RuntimeOptions options, int[] parallel, int gridSide, int timedSteps) {
        System.out.println(MemoryProbe.describe());
        try (JanusModel model = BenchModel.load(dir, preset, options)) {
            JanusNetwork net = model.network();
            int fullGrid = model.config().genGridSide();
            int g = gridSide > 0 ? Math.min(gridSide, fullGrid) : fullGrid;
            int gridSteps = g * g;
            int steps = timedSteps > 0 ? Math.min(timedSteps, gridSteps) : gridSteps;
            ChatTemplate template = new ChatTemplate(model.tokenizer(), model.config().chatProcessor().numImageTokens(), "", 4096);
            Prompt prompt = template.generation("a red apple on a wooden table");
            System.out.printf(Locale.ROOT, "generation (CFG 5, temperature 1, prompt %d tokens, grid %dx%d = %d steps per image)%n",
                    prompt.length(), g, g, gridSteps);
            double growthMs = 0;
            if (steps < gridSteps) {
                try (NDManager m = model.manager().newSubManager()) {
                    growthMs = UnderstandBench.decode(net, m, 2, prompt.length() + gridSteps, 4)[0]
                            - UnderstandBench.decode(net, m, 2, prompt.length(), 4)[0];
                }
                System.out.printf(Locale.ROOT, "method: %d steps timed after the prompt; the cache's growth over the grid adds %.1f ms to a"
                        + " 2-row step (measured apart), P x that for 2P rows; full image = prefill + %d x (early step + half the growth) + VQ decode%n",
                        steps, growthMs, gridSteps);
            }
            double base = 0, baseMatmulTps = 0;
            double[] fullImageS = new double[parallel.length];
            double vqMs = vqDecode(model, fullGrid);
            for (int pi = 0; pi < parallel.length; pi++) {
                int p = parallel[pi];
                ImageGeneration gen = new ImageGeneration(net, model.tokenizer().padId());
                gen.run(inputs(model, template, prompt, 1), Math.min(steps, 3), model.manager(), null, null); // warm-up
                double[] early = loop(model, gen, inputs(model, template, prompt, p), steps);
                double lateMs = early[0] + p * growthMs;
                double stepMs = early[0] + p * growthMs / 2;
                double tps = p / (stepMs / 1e3);
                if (p == parallel[0]) {
                    base = tps;
                }
                double matmulMs;
                try (NDManager m = model.manager().newSubManager()) {
                    matmulMs = UnderstandBench.matmulsMs(net, m, 2 * p, 8, false);
                }
                double matmulTps = p / (matmulMs / 1e3);
                if (p == parallel[0]) {
                    baseMatmulTps = matmulTps;
                }
                fullImageS[pi] = (early[1] + gridSteps * stepMs + p * vqMs) / 1e3 / p;
                System.out.printf(Locale.ROOT,
                        "  parallel %3d (%3d rows): mean step %8.2f ms (first positions %.2f, last %.2f), %8.2f image tokens/s (%.2f x parallel %d),"
                                + " matmuls alone %8.2f ms, overhead ratio %.3f; matmuls alone would allow %.2f x%n",
                        p, 2 * p, stepMs, early[0], lateMs, tps, tps / base, parallel[0], matmulMs, early[0] / matmulMs,
                        matmulTps / baseMatmulTps);
                System.out.printf(Locale.ROOT,
                        "                          full %dx%d image: prefill %.1f s + %d steps + VQ decode -> %.1f s per image, %.1f images/hour%s%n",
                        fullGrid * model.config().genVision().downsample(), fullGrid * model.config().genVision().downsample(),
                        early[1] / 1e3, gridSteps, fullImageS[pi], 3600 / fullImageS[pi], steps < gridSteps ? " (extrapolated, see method)" : "");
            }
            System.out.printf(Locale.ROOT, "VQ decode           %.1f ms/image (%dx%d grid -> %dx%d RGB)%n", vqMs, fullGrid, fullGrid,
                    fullGrid * model.config().genVision().downsample(), fullGrid * model.config().genVision().downsample());
            System.out.println("peak RSS            " + ProcessMemory.gib(ProcessMemory.peakRss()));
            System.out.println("load average now    " + MemoryProbe.loadAverage());
        }
    }

    private static List<ImageGeneration.Input> inputs(JanusModel model, ChatTemplate template, Prompt prompt, int p) {
        int[] uncond = template.unconditional(prompt.ids());
        List<ImageGeneration.Input> images = new ArrayList<>();
        for (int i = 0; i < p; i++) {
            images.add(new ImageGeneration.Input(prompt.ids(), uncond, 5f, SamplingParams.temperature(1f), RowRng.forImage(1, i)));
        }
        return images;
    }

    /** Steady-state ms per step (steps 2..n, one image token per image per step) and the ms before the first step (prefill). */
    private static double[] loop(JanusModel model, ImageGeneration gen, List<ImageGeneration.Input> images, int steps) {
        long[] stamps = new long[steps];
        long t0 = System.nanoTime();
        gen.run(images, steps, model.manager(), null, (s, logits) -> stamps[s] = System.nanoTime());
        double stepMs = steps > 2 ? (stamps[steps - 1] - stamps[1]) / 1e6 / (steps - 2) : Double.NaN;
        double prefillMs = (stamps[0] - t0) / 1e6;
        return new double[] {stepMs, prefillMs};
    }

    /** ms of one VQ decode of a full grid (after a warm-up). */
    private static double vqDecode(JanusModel model, int fullGrid) {
        int[] codes = new int[fullGrid * fullGrid];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (i * 7919) % model.config().genVision().codebookSize();
        }
        model.decodeImage(codes); // warm-up
        long t0 = System.nanoTime();
        model.decodeImage(codes);
        return (System.nanoTime() - t0) / 1e6;
    }
}
