package dev.janusstream.runtime.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.Answer;
import dev.janusstream.runtime.DecodingParams;
import dev.janusstream.runtime.InferenceListener;
import dev.janusstream.runtime.JanusModel;
import dev.janusstream.runtime.ModelPreset;
import dev.janusstream.runtime.RuntimeOptions;
import dev.janusstream.runtime.UnderstandRequest;
import dev.janusstream.runtime.image.ImageEncoder;
import dev.janusstream.runtime.image.RgbImage;
import dev.janusstream.runtime.model.JanusNetwork;
import dev.janusstream.runtime.model.LlamaDecoder;
import dev.janusstream.runtime.text.ChatTemplate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench caption}: N images captioned end to end, from encoded image bytes to answer text
 * ({@code max_new_tokens} each, greedy), through {@link JanusModel#understand} with batches of
 * {@code batch} requests: images/hour, peak RSS, and the time the run's matmuls alone take
 * (vision tower per image, the prompt's prefill per row, decode steps per batch) as the floor.
 */
public final class CaptionBench {
    public static final String QUESTION = "Describe this image in detail.";

    private CaptionBench() {}

    public static void run(Path dir, ModelPreset preset, RuntimeOptions options, int images, int newTokens, int batch) {
        System.out.println(MemoryProbe.describe());
        try (JanusModel model = BenchModel.load(dir, preset, options.withMaxBatchRows(batch))) {
            List<UnderstandRequest> requests = new ArrayList<>();
            for (int i = 0; i < images; i++) {
                requests.add(new UnderstandRequest("img" + i, List.of(testImage(i)), QUESTION,
                        DecodingParams.GREEDY.withMaxNewTokens(newTokens)));
            }
            // Warm-up without an image: the JIT and the decoder's first call, not a vision + prefill pass.
            model.understand(List.of(new UnderstandRequest("warm-up", List.of(), QUESTION, DecodingParams.GREEDY.withMaxNewTokens(2))));
            long rssBefore = ProcessMemory.rss();
            long[] spent = new long[3]; // ns in prefills (vision tower + aligner included), in decode steps; steps
            model.setListener(new InferenceListener() {
                @Override
                public void prefilled(int rows, int tokens, long nanos) {
                    spent[0] += nanos;
                }

                @Override
                public void stepped(int textTokens, int imageTokens, int rows, int maxRows, int step, int stepsLeft, long nanos) {
                    spent[1] += nanos;
                    spent[2]++;
                }
            });
            long t0 = System.nanoTime();
            List<Answer> answers = model.understand(requests);
            double s = (System.nanoTime() - t0) / 1e9;
            model.setListener(null);
            int tokens = answers.stream().mapToInt(Answer::tokenCount).sum();
            int promptTokens = new ChatTemplate(model.tokenizer(), model.config().chatProcessor().numImageTokens(), 4096)
                    .understanding(QUESTION, 1).length();
            System.out.printf(Locale.ROOT, "caption             %d images (%d prompt tokens each, %d new tokens asked, %d generated in all), batches of %d: %.1f s%n",
                    images, promptTokens, newTokens, tokens, batch, s);
            System.out.printf(Locale.ROOT, "                    %.1f images/hour (%.2f s/image); RSS before %s, peak RSS %s%n",
                    images / s * 3600, s / images, ProcessMemory.gib(rssBefore), ProcessMemory.gib(ProcessMemory.peakRss()));
            double[] floor = matmulFloor(model.network(), model.manager(), images, promptTokens, tokens, batch);
            System.out.printf(Locale.ROOT, "matmuls alone       vision %.0f ms/image, prefill %.0f ms/row, decode step %.0f ms at batch %d"
                    + " -> %.1f s for the run: ratio %.2f%n", floor[0], floor[1], floor[2], batch, floor[3] / 1e3, s / (floor[3] / 1e3));
            System.out.printf(Locale.ROOT, "where the time went vision + prefill %.1f s (%.0f ms/image; matmuls alone %.0f), %d decode steps %.1f s"
                    + " (%.0f ms/step), the rest %.1f s (image decoding, sampling, scheduling)%n",
                    spent[0] / 1e9, spent[0] / 1e6 / images, floor[0] + floor[1], spent[2], spent[1] / 1e9,
                    spent[1] / 1e6 / Math.max(1, spent[2]), s - (spent[0] + spent[1]) / 1e9);
        }
    }

    /**
     * ms of the vision tower's matmuls per image, of the prompt's prefill matmuls per row, of a
     * decode step's matmuls at {@code batch} rows, and the run's total of those.
     */
    static double[] matmulFloor(JanusNetwork net, NDManager parent, int images, int promptTokens, int tokens, int batch) {
        LlamaDecoder llm = net.llm();
        double vision, prefill;
        try (NDManager m = parent.newSubManager()) {
            long t0 = System.nanoTime();
            net.visionMatmulsOnly(m, 1).close();
            vision = (System.nanoTime() - t0) / 1e6;
            NDArray x = m.randomNormal(new Shape(1, promptTokens, llm.config().hiddenSize())).toType(llm.dtype(), false);
            t0 = System.nanoTime();
            llm.matmulsOnly(x, false).close();
            prefill = (System.nanoTime() - t0) / 1e6;
        }
        double step;
        try (NDManager m = parent.newSubManager()) {
            step = UnderstandBench.matmulsMs(net, m, batch, 4, true);
        }
        int stepsPerRow = Math.max(1, tokens / images - 1);
        double total = images * (vision + prefill) + Math.ceil(images / (double) batch) * stepsPerRow * step;
        return new double[] {vision, prefill, step, total};
    }

    /** Image {@code i} of the set: five shapes (square, landscape, portrait, wide strip, tall) with a gradient and a block, JPEG. */
    static byte[] testImage(int i) {
        int[][] sizes = {{512, 512}, {800, 600}, {600, 800}, {1024, 256}, {300, 900}};
        int w = sizes[i % sizes.length][0], h = sizes[i % sizes.length][1];
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * 3;
                boolean block = x > w / 3 && x < w / 2 && y > h / 4 && y < h / 2;
                rgb[p] = (byte) (block ? 200 : 255 * x / w);
                rgb[p + 1] = (byte) (block ? 30 : 255 * y / h);
                rgb[p + 2] = (byte) ((37 * i + x / 8) & 0xff);
            }
        }
        return ImageEncoder.jpeg(new RgbImage(w, h, rgb), ImageEncoder.DEFAULT_JPEG_QUALITY);
    }
}
