package dev.janusstream.runtime.golden;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.janusstream.runtime.JanusModel;
import dev.janusstream.runtime.RuntimeOptions;
import dev.janusstream.runtime.generate.ImageGeneration;
import dev.janusstream.runtime.generate.RowRng;
import dev.janusstream.runtime.generate.Sampler;
import dev.janusstream.runtime.generate.SamplingParams;
import dev.janusstream.runtime.generate.Understanding;
import dev.janusstream.runtime.image.RgbImage;
import dev.janusstream.runtime.model.KvCache;
import dev.janusstream.runtime.model.LlamaDecoder;
import dev.janusstream.runtime.model.VqDecoder;
import dev.janusstream.runtime.text.Prompt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Runs every case of a golden directory laid out like {@code shared/golden/janus-tiny}: the fp32
 * cases of {@code cases.safetensors} on the directory's own weights, and the {@code bf16w_f32.*}
 * cases of {@code bf16/cases.safetensors} on {@code bf16/} (sharded BF16 safetensors) and on
 * {@code bin/} (the same weights as a PyTorch .bin). Inputs, dimensions, special ids and prompt
 * lengths all come from the directory.
 */
public final class GoldenVerifier {
    /**
     * Activations and logits: abs 1e-4 (README of the goldens). Probabilities end to end: 1e-5,
     * since logits that agree to ~2e-5 move a probability p by up to ~p * 4e-5; the README's 1e-6
     * holds for the softmax of the golden logits themselves (checked in SamplerStatisticsTest).
     */
    public static final double TOL = 1e-4, PROB_TOL = 1e-5;

    public record CaseResult(String name, String weights, double maxAbsDiff, double tol) {
        public boolean pass() {
            return maxAbsDiff <= tol;
        }

        @Override
        public String toString() {
            return String.format("case %s [%s] max_abs_diff=%.3g tol=%.3g %s", name, weights, maxAbsDiff, tol,
                    pass() ? "PASS" : "FAIL");
        }
    }

    private GoldenVerifier() {}

    public static List<CaseResult> verify(Path dir) {
        List<CaseResult> results = new ArrayList<>();
        RuntimeOptions opts = RuntimeOptions.defaults();
        try (GoldenCases inputs = GoldenCases.open(dir.resolve("cases.safetensors"))) {
            try (JanusModel model = JanusModel.load(dir, opts)) {
                results.addAll(new Run(model, inputs, inputs, "", "fp32").all());
            }
            Path bf16Cases = dir.resolve("bf16/cases.safetensors");
            if (Files.exists(bf16Cases)) {
                try (GoldenCases want = GoldenCases.open(bf16Cases)) {
                    for (String weights : List.of("bf16", "bin")) {
                        if (Files.isDirectory(dir.resolve(weights))) {
                            try (JanusModel model = JanusModel.load(dir.resolve(weights), opts)) {
                                results.addAll(new Run(model, inputs, want, "bf16w_f32.", weights).all());
                            }
                        }
                    }
                }
            }
        }
        return results;
    }

    /** The cases of one weight set: inputs from {@code in}, expected outputs {@code prefix + name} from {@code want}. */
    private static final class Run {
        final JanusModel model;
        final GoldenCases in, want;
        final String prefix, weights;
        final List<CaseResult> out = new ArrayList<>();

        Run(JanusModel model, GoldenCases in, GoldenCases want, String prefix, String weights) {
            this.model = model;
            this.in = in;
            this.want = want;
            this.prefix = prefix;
            this.weights = weights;
        }

        List<CaseResult> all() {
            try (NDManager m = model.manager().newSubManager()) {
                if (prefix.isEmpty()) {
                    preprocessing();
                    text(m);
                }
                vision(m);
                understanding(m, "und", 1);
                if (prefix.isEmpty()) {
                    understanding(m, "batch", 2);
                }
                generation(m, "gen", null);
                if (wants("gen_forced.step_logits_cfg")) {
                    int[] forced = in.ints("gen_forced.tokens");
                    int p = (int) in.shape("gen_forced.tokens")[0];
                    generation(m, "gen_forced", split(forced, p));
                }
                vq(m);
            }
            return out;
        }

        boolean wants(String name) {
            return want.has(prefix + name);
        }

        void compare(String name, float[] got, double tol) {
            if (wants(name)) {
                out.add(new CaseResult(name, weights, GoldenCases.maxAbsDiff(got, want.floats(prefix + name)), tol));
            }
        }

        void compareIds(String name, int[] got) {
            if (wants(name)) {
                int[] w = want.ints(prefix + name);
                double d = Arrays.equals(got, w) ? 0 : Double.POSITIVE_INFINITY;
                out.add(new CaseResult(name, weights, d, 0));
            }
        }

        void preprocessing() {
            TreeSet<String> images = new TreeSet<>();
            for (String n : in.names()) {
                if (n.startsWith("img.") && n.endsWith(".raw_u8")) {
                    images.add(n.substring(4, n.length() - ".raw_u8".length()));
                }
            }
            double std = Arrays.stream(model.config().imageProcessor().std()).min().orElse(1);
            for (String img : images) {
                long[] s = in.shape("img." + img + ".raw_u8"); // [H, W, 3]
                RgbImage raw = new RgbImage((int) s[1], (int) s[0], in.bytes("img." + img + ".raw_u8"));
                // The bound: 2 uint8 levels, in normalised units.
                compare("img." + img + ".pixel_values", model.preprocessor().pixelValues(raw), 2 / 255.0 / std);
            }
        }

        void text(NDManager parent) {
            if (!wants("llm.logits")) {
                return;
            }
            try (NDManager m = parent.newSubManager()) {
                LlamaDecoder llm = model.network().llm();
                NDArray ids = in.array("llm.input_ids", m);
                int t = (int) ids.getShape().get(1);
                try (KvCache cache = llm.newCache(m, 1, t)) {
                    NDArray hidden = llm.forward(llm.embed(ids), new LlamaDecoder.Step(new int[] {0}, new int[] {0}, new int[] {0}, t), cache);
                    compare("llm.logits", f32(llm.lmHead(hidden)), TOL);
                }
            }
        }

        void vision(NDManager parent) {
            try (NDManager m = parent.newSubManager()) {
                NDArray pixels = in.array("vision.pixel_values", m).toType(model.options().dtype(), false);
                compare("vision.aligned", f32(model.network().encodeImages(pixels)), TOL);
            }
        }

        /** Case c (one row) or d (left-padded rows): prompt embeddings, logits of every greedy step, greedy ids. */
        void understanding(NDManager parent, String c, int expectedRows) {
            if (!in.has(c + ".input_ids")) {
                return;
            }
            long[] shape = in.shape(c + ".input_ids");
            int b = (int) shape[0], t = (int) shape[1];
            int[] ids = in.ints(c + ".input_ids");
            long[] mask = in.longs(c + ".attention_mask");
            byte[] seqMask = in.bytes(c + ".images_seq_mask");
            byte[] embMask = in.bytes(c + ".images_emb_mask");
            long[] pv = in.shape(c + ".pixel_values"); // [B, maxImages, 3, S, S]
            int maxImages = (int) pv[1], imageSize = (int) (3 * pv[3] * pv[4]);
            float[] pixels = in.floats(c + ".pixel_values");
            int tokensPerImage = (int) in.shape(c + ".images_emb_mask")[2];
            int steps = (int) in.shape(c + ".greedy_ids")[1];
            List<Understanding.Input> inputs = new ArrayList<>();
            for (int r = 0; r < b; r++) {
                int pad = 0;
                while (mask[r * t + pad] == 0) {
                    pad++;
                }
                int[] rowIds = Arrays.copyOfRange(ids, r * t + pad, (r + 1) * t);
                boolean[] rowMask = new boolean[rowIds.length];
                for (int i = 0; i < rowIds.length; i++) {
                    rowMask[i] = seqMask[r * t + pad + i] != 0;
                }
                List<float[]> images = new ArrayList<>();
                for (int k = 0; k < maxImages; k++) {
                    if (embMask[(r * maxImages + k) * tokensPerImage] != 0) {
                        int off = (r * maxImages + k) * imageSize;
                        images.add(Arrays.copyOfRange(pixels, off, off + imageSize));
                    }
                }
                inputs.add(new Understanding.Input(new Prompt(rowIds, rowMask, images.size()), images,
                        SamplingParams.GREEDY, new RowRng(0), steps));
            }
            int eos = model.tokenizer().eosId();
            Understanding u = new Understanding(model.network(), model.tokenizer().padId(), eos);
            try (NDManager m = parent.newSubManager()) {
                if (prefix.isEmpty()) {
                    compare(c + ".inputs_embeds", f32(u.promptEmbeddings(inputs, m)), TOL);
                }
                int v = model.config().language().vocabSize();
                float[][] stepLogits = new float[b][steps * v];
                int[] stepOf = new int[b];
                float[] first = new float[b * v];
                List<Understanding.Output> outs = u.run(inputs, m, (rows, logits) -> {
                    float[] l = f32(logits);
                    for (int a = 0; a < rows.length; a++) {
                        int r = rows[a];
                        if (stepOf[r] == 0) {
                            System.arraycopy(l, a * v, first, r * v, v);
                        }
                        System.arraycopy(l, a * v, stepLogits[r], stepOf[r]++ * v, v);
                    }
                });
                compare(c + ".logits_last", first, TOL);
                if (wants(c + ".step_logits") && allRan(stepOf, steps)) {
                    compare(c + ".step_logits", concat(stepLogits), TOL);
                }
                // HF keeps emitting eos after it (pad = eos); our rows stop there.
                int[] got = new int[b * steps];
                Arrays.fill(got, eos);
                for (int r = 0; r < b; r++) {
                    int[] tok = outs.get(r).tokens();
                    System.arraycopy(tok, 0, got, r * steps, tok.length);
                }
                compareIds(c + ".greedy_ids", got);
            }
        }

        /** Case e (greedy) or e2 (teacher-forced): CFG logits of every step, token grid, decoded images. */
        void generation(NDManager parent, String c, int[][] forced) {
            if (!in.has("gen.input_ids")) {
                return;
            }
            Map<String, String> meta = in.metadata();
            int p = Integer.parseInt(meta.getOrDefault("gen_parallel_size", "1"));
            float cfg = Float.parseFloat(meta.getOrDefault("gen_cfg_weight", "5"));
            float temperature = Float.parseFloat(meta.getOrDefault("gen_temperature", "1"));
            int steps = Integer.parseInt(meta.getOrDefault("gen_image_token_num_per_image",
                    String.valueOf(model.config().genTokensPerImage())));
            int[] cond = in.ints("gen.input_ids");
            long[] tokShape = in.shape("gen.tokens");
            int[] uncond = Arrays.copyOfRange(in.ints("gen.tokens"), (int) tokShape[1], (int) (2 * tokShape[1]));
            List<ImageGeneration.Input> images = new ArrayList<>();
            for (int i = 0; i < p; i++) {
                images.add(new ImageGeneration.Input(cond, uncond, cfg, SamplingParams.GREEDY, new RowRng(i)));
            }
            int k = model.config().genHead().imageTokenSize();
            float[][] stepLogits = new float[p][steps * k];
            float[] probs0 = new float[p * k];
            try (NDManager m = parent.newSubManager()) {
                ImageGeneration.Output o = new ImageGeneration(model.network(), model.tokenizer().padId())
                        .run(images, steps, m, forced, (s, guided) -> {
                            float[] l = f32(guided);
                            for (int i = 0; i < p; i++) {
                                System.arraycopy(l, i * k, stepLogits[i], s * k, k);
                            }
                            if (s == 0) {
                                System.arraycopy(f32(Sampler.probabilities(guided, temperature)), 0, probs0, 0, p * k);
                            }
                        });
                if (forced == null) {
                    float[] first = new float[p * k];
                    for (int i = 0; i < p; i++) {
                        System.arraycopy(stepLogits[i], 0, first, i * k, k);
                    }
                    compare(c + ".step0_logits_cfg", first, TOL);
                    compare(c + ".step0_probs", probs0, PROB_TOL);
                    compareIds(c + ".greedy_tokens", concat(o.tokens()));
                }
                compare(c + ".step_logits_cfg", concat(stepLogits), TOL);
                if (wants(c + ".decoded") || wants(c + ".image_u8")) {
                    int g = model.config().genGridSide();
                    NDArray decoded = model.network().vq().decode(o.tokens(), g, m);
                    compare(c + ".decoded", f32(decoded), TOL);
                    if (wants(c + ".image_u8")) {
                        byte[][] rgb = VqDecoder.toRgb8(decoded);
                        byte[] w = want.bytes(prefix + c + ".image_u8");
                        double d = 0;
                        int n = rgb[0].length;
                        for (int i = 0; i < rgb.length; i++) {
                            for (int j = 0; j < n; j++) {
                                d = Math.max(d, Math.abs((rgb[i][j] & 0xFF) - (w[i * n + j] & 0xFF)));
                            }
                        }
                        out.add(new CaseResult(c + ".image_u8", weights, d, 1));
                    }
                }
            }
        }

        void vq(NDManager parent) {
            if (!in.has("vq.codes")) {
                return;
            }
            try (NDManager m = parent.newSubManager()) {
                long[] s = in.shape("vq.codes");
                int g = (int) Math.round(Math.sqrt(s[1]));
                compare("vq.decoded", f32(model.network().vq().decode(split(in.ints("vq.codes"), (int) s[0]), g, m)), TOL);
            }
        }

        static boolean allRan(int[] stepOf, int steps) {
            return Arrays.stream(stepOf).allMatch(x -> x == steps);
        }
    }

    static float[] f32(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    /** The arrays one after the other. */
    public static float[] concat(float[][] a) {
        int n = Arrays.stream(a).mapToInt(x -> x.length).sum();
        float[] r = new float[n];
        int o = 0;
        for (float[] x : a) {
            System.arraycopy(x, 0, r, o, x.length);
            o += x.length;
        }
        return r;
    }

    static int[] concat(int[][] a) {
        return Arrays.stream(a).flatMapToInt(Arrays::stream).toArray();
    }

    static int[][] split(int[] flat, int rows) {
        int n = flat.length / rows;
        int[][] r = new int[rows][];
        for (int i = 0; i < rows; i++) {
            r[i] = Arrays.copyOfRange(flat, i * n, (i + 1) * n);
        }
        return r;
    }
}
