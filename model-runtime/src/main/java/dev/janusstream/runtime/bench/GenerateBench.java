package dev.janusstream.runtime.bench;

import ai.djl.ndarray.NDManager;
import dev.janusstream.runtime.JanusModel;
import dev.janusstream.runtime.ModelPreset;
import dev.janusstream.runtime.RuntimeOptions;
import dev.janusstream.runtime.generate.ImageGeneration;
import dev.janusstream.runtime.generate.RowRng;
import dev.janusstream.runtime.generate.SamplingParams;
import dev.janusstream.runtime.model.JanusNetwork;
import dev.janusstream.runtime.text.Prompt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench generate}: image tokens/s with CFG (two decoder rows per image) at several
 * parallel sizes, the overhead ratio of a generation step, VQ decode ms per image, peak RSS.
 */
public final class GenerateBench {
    private GenerateBench() {}

    public static void run(Path dir, ModelPreset preset, RuntimeOptions options, int[] parallel, int gridSide) {
        try (JanusModel model = BenchModel.load(dir, preset, options)) {
            JanusNetwork net = model.network();
            int fullGrid = model.config().genGridSide();
            int g = gridSide > 0 ? Math.min(gridSide, fullGrid) : fullGrid;
            int steps = g * g;
            if (g < fullGrid) {
                System.out.printf(Locale.ROOT, "NOTE: grid shortened to %dx%d = %d tokens per image (the model's is %dx%d = %d) so a run fits in minutes on this CPU%n",
                        g, g, steps, fullGrid, fullGrid, fullGrid * fullGrid);
            }
            Prompt prompt = new dev.janusstream.runtime.text.ChatTemplate(model.tokenizer(),
                    model.config().chatProcessor().numImageTokens(), "", 4096).generation("a red apple on a wooden table");
            int[] uncond = new dev.janusstream.runtime.text.ChatTemplate(model.tokenizer(),
                    model.config().chatProcessor().numImageTokens(), "", 4096).unconditional(prompt.ids());
            System.out.println("generation (CFG 5, temperature 1, prompt " + prompt.length() + " tokens):");
            double base = 0, baseMatmulTps = 0;
            for (int p : parallel) {
                List<ImageGeneration.Input> images = new ArrayList<>();
                for (int i = 0; i < p; i++) {
                    images.add(new ImageGeneration.Input(prompt.ids(), uncond, 5f, SamplingParams.temperature(1f), RowRng.forImage(1, i)));
                }
                long[] stamps = new long[steps];
                ImageGeneration gen = new ImageGeneration(net, model.tokenizer().padId());
                gen.run(images.subList(0, 1), Math.min(steps, 3), model.manager(), null, null); // warm-up
                ImageGeneration.Output o = gen.run(images, steps, model.manager(), null, (s, logits) -> stamps[s] = System.nanoTime());
                // Steady-state loop throughput: one image token per image per step (prefill excluded,
                // it is amortised over 576 steps at the real grid but not over a shortened one).
                double stepMs = steps > 2 ? (stamps[steps - 1] - stamps[1]) / 1e6 / (steps - 2) : Double.NaN;
                double tps = p / (stepMs / 1e3);
                double withPrefill = p * steps / (o.loopMs() / 1e3);
                if (p == parallel[0]) {
                    base = tps;
                }
                double matmulMs;
                try (NDManager m = model.manager().newSubManager()) {
                    matmulMs = UnderstandBench.matmulsMs(net, m, 2 * p, 8, false);
                }
                // What the weight matmuls alone would allow: the ratio no step overhead can beat.
                double matmulTps = p / (matmulMs / 1e3);
                if (p == parallel[0]) {
                    baseMatmulTps = matmulTps;
                }
                System.out.printf(Locale.ROOT,
                        "  parallel %3d (%3d rows): %8.2f image tokens/s (%.2f x parallel %d; %.2f/s counting the prefill), step %8.2f ms, matmuls alone %8.2f ms, overhead ratio %.3f; matmuls alone would allow %.2f x%n",
                        p, 2 * p, tps, tps / base, parallel[0], withPrefill, stepMs, matmulMs, stepMs / matmulMs,
                        matmulTps / baseMatmulTps);
            }
            int[] codes = new int[fullGrid * fullGrid];
            for (int i = 0; i < codes.length; i++) {
                codes[i] = (i * 7919) % model.config().genVision().codebookSize();
            }
            model.decodeImage(codes); // warm-up
            long t0 = System.nanoTime();
            var img = model.decodeImage(codes);
            System.out.printf(Locale.ROOT, "VQ decode           %.1f ms/image (%dx%d grid -> %dx%d RGB)%n",
                    (System.nanoTime() - t0) / 1e6, fullGrid, fullGrid, img.width(), img.height());
            System.out.println("peak RSS            " + ProcessMemory.gib(ProcessMemory.peakRss()));
        }
    }
}
