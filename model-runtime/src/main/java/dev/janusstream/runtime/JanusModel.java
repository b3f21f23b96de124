package dev.janusstream.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.janusstream.runtime.config.JanusConfig;
import dev.janusstream.runtime.generate.CandidateScorer;
import dev.janusstream.runtime.generate.ImageGeneration;
import dev.janusstream.runtime.generate.MixedBatch;
import dev.janusstream.runtime.generate.RowRng;
import dev.janusstream.runtime.generate.SamplingParams;
import dev.janusstream.runtime.generate.Understanding;
import dev.janusstream.runtime.image.ImageDecoder;
import dev.janusstream.runtime.image.ImageEncoder;
import dev.janusstream.runtime.image.ImagePreprocessor;
import dev.janusstream.runtime.image.RgbImage;
import dev.janusstream.runtime.model.JanusNetwork;
import dev.janusstream.runtime.model.Params;
import dev.janusstream.runtime.model.VqDecoder;
import dev.janusstream.runtime.text.ChatTemplate;
import dev.janusstream.runtime.text.JanusTokenizer;
import dev.janusstream.runtime.text.Prompt;
import dev.janusstream.runtime.weights.Checkpoint;
import dev.janusstream.runtime.weights.RandomWeights;
import dev.janusstream.runtime.weights.WeightSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * One loaded Janus-Pro model: image understanding, labelling and text-to-image generation on the
 * same weights. Thread-safe (calls run one at a time; batch requests to use the hardware well).
 * Load once per process or Flink slot and share; {@link #close()} frees all native memory.
 */
public final class JanusModel implements AutoCloseable {
    private static final int JPEG_QUALITY = 90;

    private final JanusConfig config;
    private final String modelId;
    private final RuntimeOptions options;
    private final NDManager manager;
    private final JanusNetwork net;
    private final JanusTokenizer tokenizer;
    private final ChatTemplate understandTemplate, generateTemplate;
    private final ImageDecoder imageDecoder;
    private final ImagePreprocessor preprocessor;
    private final int maxPositions;
    private final ReentrantLock lock = new ReentrantLock(true);
    private static final java.util.concurrent.atomic.AtomicInteger LIVE = new java.util.concurrent.atomic.AtomicInteger();
    private static final java.util.concurrent.atomic.AtomicInteger PEAK_LIVE = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;
    private volatile InferenceListener listener = InferenceListener.NONE;
    private final java.util.concurrent.atomic.AtomicLong sharedRounds = new java.util.concurrent.atomic.AtomicLong();

    static {
        NativeEnvironment.apply(); // libtorch's allocator settings, before the first tensor
    }

    private JanusModel(Path dir, JanusConfig config, String modelId, RuntimeOptions options, WeightSource weights) {
        this.config = config;
        this.modelId = modelId;
        this.options = options;
        this.maxPositions = Math.min(config.language().maxPositions(), options.maxSequence());
        NativeEnvironment.prepare();
        NDManager m = NDManager.newBaseManager(options.device());
        JanusTokenizer tok = null;
        try {
            tok = JanusTokenizer.load(dir);
            if (tok.vocabSize() > config.language().vocabSize()) {
                throw new IllegalArgumentException(dir.resolve("tokenizer.json") + ": " + tok.vocabSize()
                        + " tokens but the language model has vocab_size " + config.language().vocabSize());
            }
            this.net = JanusNetwork.load(new Params(weights, m, options.dtype()), config, maxPositions);
            weights.checkAllTaken();
        } catch (RuntimeException | Error e) { // an OutOfMemoryError while loading must not leak the native weights
            m.close();
            if (tok != null) {
                tok.close();
            }
            throw e;
        }
        this.manager = m;
        this.tokenizer = tok;
        int imageTokens = config.chatProcessor().numImageTokens();
        this.understandTemplate = new ChatTemplate(tokenizer, imageTokens, maxPositions - 1);
        this.generateTemplate = new ChatTemplate(tokenizer, imageTokens, "", maxPositions - config.genTokensPerImage());
        this.imageDecoder = new ImageDecoder(options.maxImagePixels(), options.exifOrientation());
        this.preprocessor = new ImagePreprocessor(config.imageProcessor());
        PEAK_LIVE.accumulateAndGet(LIVE.incrementAndGet(), Math::max);
    }

    /** Models loaded in this process and not yet closed (each holds its own copy of the weights). */
    public static int liveInstances() {
        return LIVE.get();
    }

    /** The most models alive at once since the last {@link #resetPeakLiveInstances()}. */
    public static int peakLiveInstances() {
        return PEAK_LIVE.get();
    }

    public static void resetPeakLiveInstances() {
        PEAK_LIVE.set(LIVE.get());
    }

    /**
     * Loads a model directory laid out like a Hugging Face Janus-Pro checkpoint. A bad directory
     * fails here, naming the file and the tensor.
     */
    public static JanusModel load(Path dir, RuntimeOptions options) {
        JanusConfig config = JanusConfig.read(dir);
        try (Checkpoint weights = Checkpoint.open(dir)) {
            JanusModel model = new JanusModel(dir, config, dir.toAbsolutePath().normalize().getFileName().toString(),
                    options, weights);
            System.gc(); // unmap the weight files' pages that were converted, not wrapped
            return model;
        }
    }

    /**
     * A random-weight model of a preset's shape. {@code filesDir} receives the preset's config and
     * tokenizer files (no weights are written).
     */
    public static JanusModel random(ModelPreset preset, long seed, Path filesDir, RuntimeOptions options) {
        preset.writeFiles(filesDir);
        return new JanusModel(filesDir, preset.config(), "random-" + preset.id() + "-seed" + seed, options,
                new RandomWeights(seed, false));
    }

    /** Builds the model from any weight source (e.g. {@link RandomWeights} to write a checkpoint). */
    public static JanusModel fromWeights(Path filesDir, JanusConfig config, String modelId, WeightSource weights,
            RuntimeOptions options) {
        return new JanusModel(filesDir, config, modelId, options, weights);
    }

    public JanusConfig config() {
        return config;
    }

    public RuntimeOptions options() {
        return options;
    }

    /** Identifies the weights in results (the directory name for a checkpoint). */
    public String modelId() {
        return modelId;
    }

    public JanusTokenizer tokenizer() {
        return tokenizer;
    }

    public ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    public NDManager manager() {
        return manager;
    }

    /**
     * Receives what every later call measures (prefills, decode steps, finished rows, VQ decodes);
     * one listener at a time, {@link InferenceListener#NONE} to stop.
     */
    public void setListener(InferenceListener l) {
        this.listener = l == null ? InferenceListener.NONE : l;
    }

    /** Bytes of the loaded weights in the compute dtype (what the model keeps resident). */
    public long parameterBytes() {
        return net.parameterBytes();
    }

    /**
     * Bytes in use on the model's GPU as CUDA reports them (the whole device: this model, its
     * caches and anything else on it), or -1 on CPU or when CUDA cannot be asked.
     */
    public long deviceMemoryUsed() {
        if (!options.device().isGpu()) {
            return -1;
        }
        try {
            return ai.djl.util.cuda.CudaUtils.getGpuMemory(options.device()).getUsed();
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    /** The network itself, for benchmarks and golden checks. */
    public JanusNetwork network() {
        return net;
    }

    // ---------------------------------------------------------------- understanding

    /** Answers each request; an invalid request fails the whole call (see {@link #tryUnderstand}). */
    public List<Answer> understand(List<UnderstandRequest> requests) {
        return tryUnderstand(requests).stream().map(Outcome::get).toList();
    }

    /** Answers each request; an invalid request fails alone, the others are served. */
    public List<Outcome<Answer>> tryUnderstand(List<UnderstandRequest> requests) {
        return batched(requests, r -> 1, this::understandValid, this::prepareUnderstanding);
    }

    private record PreparedUnderstanding(UnderstandRequest request, Understanding.Input input, double preprocessMs) {}

    private PreparedUnderstanding prepareUnderstanding(UnderstandRequest r) {
        long t0 = System.nanoTime();
        List<float[]> pixels = pixels(r.images());
        Prompt prompt = understandTemplate.understanding(r.question(), r.images().size());
        int maxNew = Math.min(r.params().maxNewTokens(), maxPositions - prompt.length());
        DecodingParams p = r.params();
        Understanding.Input input = new Understanding.Input(prompt, pixels,
                p.greedy() ? SamplingParams.GREEDY : new SamplingParams(p.temperature(), p.topK(), p.topP()),
                new RowRng(p.seed()), maxNew);
        return new PreparedUnderstanding(r, input, (System.nanoTime() - t0) / 1e6);
    }

    private List<Answer> understandValid(List<PreparedUnderstanding> batch) {
        List<Understanding.Output> out = new Understanding(net, tokenizer.padId(), tokenizer.eosId()).listen(listener)
                .run(batch.stream().map(PreparedUnderstanding::input).toList(), manager);
        List<Answer> answers = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            answers.add(toAnswer(batch.get(i), out.get(i)));
        }
        return answers;
    }

    private Answer toAnswer(PreparedUnderstanding p, Understanding.Output o) {
        long t0 = System.nanoTime();
        String text = tokenizer.decode(o.tokens());
        Timings t = new Timings(0, p.preprocessMs(), o.prefillMs(), o.decodeMs(), (System.nanoTime() - t0) / 1e6);
        return new Answer(p.request().id(), text, o.tokens(), t);
    }

    // ---------------------------------------------------------------- labelling

    /** Picks each request's most likely candidate label; an invalid request fails the whole call. */
    public List<Label> label(List<LabelRequest> requests) {
        return tryLabel(requests).stream().map(Outcome::get).toList();
    }

    public List<Outcome<Label>> tryLabel(List<LabelRequest> requests) {
        return batched(requests, r -> r.candidates().size(), this::labelValid, this::prepareLabel);
    }

    private record PreparedLabel(LabelRequest request, CandidateScorer.Input input, double preprocessMs) {}

    private PreparedLabel prepareLabel(LabelRequest r) {
        long t0 = System.nanoTime();
        Prompt prompt = understandTemplate.understanding(r.question(), r.images().size());
        List<int[]> candidates = new ArrayList<>();
        for (String c : r.candidates()) {
            int[] text = tokenizer.encodeText(" " + c.strip());
            int[] ids = java.util.Arrays.copyOf(text, text.length + 1);
            ids[text.length] = tokenizer.eosId(); // scoring the end too: "cat" must not win by being a prefix of "cat food"
            if (prompt.length() + ids.length > maxPositions) {
                throw new InvalidRequestException(InvalidRequestException.Code.PROMPT_TOO_LONG,
                        "prompt + candidate '" + c + "' exceed " + maxPositions + " tokens");
            }
            candidates.add(ids);
        }
        if (r.candidates().size() > options.maxBatchRows()) {
            throw new InvalidRequestException(InvalidRequestException.Code.BATCH_TOO_LARGE,
                    r.candidates().size() + " candidate labels exceed the batch limit of " + options.maxBatchRows());
        }
        return new PreparedLabel(r, new CandidateScorer.Input(prompt, pixels(r.images()), candidates),
                (System.nanoTime() - t0) / 1e6);
    }

    private List<Label> labelValid(List<PreparedLabel> batch) {
        long t0 = System.nanoTime();
        double[][] scores = new CandidateScorer(net, tokenizer.padId())
                .score(batch.stream().map(PreparedLabel::input).toList(), manager);
        double ms = (System.nanoTime() - t0) / 1e6;
        List<Label> labels = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            double[] s = scores[i];
            int best = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < s.length; c++) {
                if (s[c] > s[best]) {
                    best = c;
                }
                max = Math.max(max, s[c]);
            }
            double z = 0;
            for (double v : s) {
                z += Math.exp(v - max);
            }
            LabelRequest r = batch.get(i).request();
            labels.add(new Label(r.id(), r.candidates().get(best), Math.exp(s[best] - max) / z, s,
                    new Timings(0, batch.get(i).preprocessMs(), ms, 0, 0)));
        }
        return labels;
    }

    // ---------------------------------------------------------------- generation

    /** Generates every image of every request, in request order then image index. */
    public List<GeneratedImage> generate(List<GenerateRequest> requests) {
        return tryGenerate(requests).stream().flatMap(o -> o.get().stream()).toList();
    }

    /** Per request: its images, or the error that request alone ran into. */
    public List<Outcome<List<GeneratedImage>>> tryGenerate(List<GenerateRequest> requests) {
        return batched(requests, r -> 2 * r.parallelSize(), this::generateValid, this::prepareGeneration);
    }

    private record PreparedGeneration(GenerateRequest request, int[] cond, int[] uncond, double preprocessMs) {}

    private PreparedGeneration prepareGeneration(GenerateRequest r) {
        long t0 = System.nanoTime();
        if (r.parallelSize() > options.maxParallelImages()) {
            throw new InvalidRequestException(InvalidRequestException.Code.BATCH_TOO_LARGE, r.parallelSize()
                    + " images requested; the limit is " + options.maxParallelImages());
        }
        if (2 * r.parallelSize() > options.maxBatchRows()) {
            throw new InvalidRequestException(InvalidRequestException.Code.BATCH_TOO_LARGE, r.parallelSize()
                    + " images need " + 2 * r.parallelSize() + " decoder rows; the batch limit is " + options.maxBatchRows());
        }
        Prompt p = generateTemplate.generation(r.prompt());
        return new PreparedGeneration(r, p.ids(), generateTemplate.unconditional(p.ids()), (System.nanoTime() - t0) / 1e6);
    }

    private List<List<GeneratedImage>> generateValid(List<PreparedGeneration> batch) {
        ImageGeneration.Output out = new ImageGeneration(net, tokenizer.padId()).listen(listener)
                .run(imageInputs(batch), config.genTokensPerImage(), manager, null, null);
        return toImages(batch, out.tokens(), out.loopMs());
    }

    /** Every image of every request, in order: image i of a request samples with seed + i. */
    private static List<ImageGeneration.Input> imageInputs(List<PreparedGeneration> batch) {
        List<ImageGeneration.Input> images = new ArrayList<>();
        for (PreparedGeneration g : batch) {
            GenerateRequest r = g.request();
            SamplingParams sp = r.temperature() == 0f ? SamplingParams.GREEDY
                    : new SamplingParams(r.temperature(), r.topK(), r.topP());
            for (int i = 0; i < r.parallelSize(); i++) {
                images.add(new ImageGeneration.Input(g.cond(), g.uncond(), r.cfgWeight(), sp, RowRng.forImage(r.seed(), i)));
            }
        }
        return images;
    }

    /** VQ-decodes and encodes the token grids of a batch, grouped by request. */
    private List<List<GeneratedImage>> toImages(List<PreparedGeneration> batch, int[][] tokens, double loopMs) {
        List<List<GeneratedImage>> results = new ArrayList<>();
        InferenceListener l = listener;
        int k = 0;
        for (PreparedGeneration g : batch) {
            GenerateRequest r = g.request();
            List<GeneratedImage> list = new ArrayList<>();
            for (int i = 0; i < r.parallelSize(); i++, k++) {
                long t0 = System.nanoTime();
                RgbImage img = decodeImage(tokens[k]);
                byte[] encoded = ImageEncoder.encode(img, r.format(), JPEG_QUALITY);
                long nanos = System.nanoTime() - t0;
                l.imageDecoded(k, tokens.length, nanos);
                Timings t = new Timings(0, g.preprocessMs(), 0, loopMs, nanos / 1e6);
                list.add(new GeneratedImage(r.id(), i, encoded, r.format(), img.width(), img.height(), r.seed() + i,
                        tokens[k], t));
            }
            results.add(list);
        }
        return results;
    }

    // ---------------------------------------------------------------- both at once

    /** Receives each request's outcome as soon as it is known (answers before the images they ran with). */
    public interface ServeListener {
        void answer(int index, Outcome<Answer> outcome);

        void images(int index, Outcome<List<GeneratedImage>> outcome);
    }

    /** Requests that join a running {@link #serve} call; indexes in its listener refer to these lists. */
    public record Arrival(List<UnderstandRequest> understand, List<GenerateRequest> generate, ServeListener listener) {}

    /** Asked between decode steps of {@link #serve} for requests to add to the running rows. */
    @FunctionalInterface
    public interface Arrivals {
        Arrivals NONE = freeRows -> null;

        /**
         * Called on the serving thread; returns requests needing at most {@code freeRows} decoder
         * rows (one per question, two per image), or null when there are none.
         */
        Arrival poll(int freeRows);
    }

    /** As {@link #serve(List, List, ServeListener, Arrivals)} with nothing joining. */
    public void serve(List<UnderstandRequest> understand, List<GenerateRequest> generate, ServeListener listener) {
        serve(understand, generate, listener, Arrivals.NONE);
    }

    /**
     * Understanding and generation requests in shared decoder forwards: each kind is prefilled on
     * its own, then every step runs the rows of both; answers are delivered as their rows finish,
     * while the image rows go on. Between steps, requests beyond {@code maxBatchRows} and then
     * those {@code arrivals} brings join as rows free up, so a question asked during a long image
     * generation is answered within it. Returns when every request has its outcome.
     *
     * <p>When the shared loop fails (out of memory: a Java {@link OutOfMemoryError} or libtorch's
     * allocation failure; or any exception), the requests it was running are run again one by one,
     * so only a request that fails on its own gets the error (a {@link ModelFailureException} for
     * an {@code Error}); requests still waiting start a new loop. The model stays usable.
     */
    public void serve(List<UnderstandRequest> understand, List<GenerateRequest> generate, ServeListener listener,
            Arrivals arrivals) {
        Backlog backlog = new Backlog(arrivals);
        backlog.add(new Arrival(understand, generate, listener)); // decodes and checks images outside the lock
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("model " + modelId + " is closed");
            }
            MixedBatch.Arrival first;
            while ((first = backlog.poll(options.maxBatchRows(), 0)) != null) {
                try {
                    long mixed = new MixedBatch(net, tokenizer.padId(), tokenizer.eosId()).listen(this.listener).run(first,
                            config.genTokensPerImage(), manager, MixedBatch.Probe.NONE, backlog::poll, options.maxBatchRows());
                    if (mixed > 0) {
                        sharedRounds.incrementAndGet();
                    }
                } catch (RuntimeException | OutOfMemoryError e) {
                    // The loop's memory is already freed (MixedBatch closes its managers on every path).
                    backlog.runAloneOrFail(e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The requests of a serve() call that have not finished: validated and waiting for rows (in
     * arrival order), or running. Hands the loop what fits and routes results to each request's
     * listener.
     */
    private final class Backlog {
        private final Arrivals arrivals;
        private final java.util.ArrayDeque<Waiting> waiting = new java.util.ArrayDeque<>();
        private final java.util.Set<Waiting> running = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

        /** One validated request: a question (text) or a generation (gen), and where its outcome goes. */
        private record Waiting(PreparedUnderstanding text, PreparedGeneration gen, int index, ServeListener listener) {
            int rows() {
                return text != null ? 1 : 2 * gen.request().parallelSize();
            }
        }

        Backlog(Arrivals arrivals) {
            this.arrivals = arrivals;
        }

        /** Validates each request: the invalid ones fail at once, the others wait for rows. */
        void add(Arrival a) {
            Valid<PreparedUnderstanding> u = prepareEach(a.understand(), JanusModel.this::prepareUnderstanding,
                    (i, e) -> a.listener().answer(i, Outcome.failed(e)));
            Valid<PreparedGeneration> g = prepareEach(a.generate(), JanusModel.this::prepareGeneration,
                    (i, e) -> a.listener().images(i, Outcome.failed(e)));
            for (int k = 0; k < g.items().size(); k++) {
                waiting.add(new Waiting(null, g.items().get(k), g.index().get(k), a.listener()));
            }
            for (int k = 0; k < u.items().size(); k++) {
                waiting.add(new Waiting(u.items().get(k), null, u.index().get(k), a.listener()));
            }
        }

        /**
         * The waiting requests, in order, that fit in {@code freeRows}; asks {@code arrivals} when
         * none wait. Unless they all fit, they wait for a quarter of the rows to be free: a group
         * per freed row would cost a prefill and an attention call per layer each. Nothing joins
         * rows with fewer than {@code minStepsLeftToJoin} steps to go.
         */
        MixedBatch.Arrival poll(int freeRows, int stepsLeft) {
            if (stepsLeft > 0 && stepsLeft < options.minStepsLeftToJoin()) {
                return null; // the running rows are nearly done: start the next loop with everything that came meanwhile
            }
            if (waiting.isEmpty()) {
                Arrival a = arrivals.poll(freeRows);
                if (a != null) {
                    add(a);
                }
            }
            int all = waiting.stream().mapToInt(Waiting::rows).sum();
            if (all > freeRows && freeRows < Math.max(1, options.maxBatchRows() / 4)) {
                return null;
            }
            List<Waiting> texts = new ArrayList<>();
            List<Waiting> gens = new ArrayList<>();
            while (!waiting.isEmpty() && waiting.peek().rows() <= freeRows) {
                Waiting w = waiting.poll();
                freeRows -= w.rows();
                (w.text() != null ? texts : gens).add(w);
                running.add(w);
            }
            if (texts.isEmpty() && gens.isEmpty()) {
                return null;
            }
            return arrival(texts, gens);
        }

        /**
         * The loop's view of some waiting requests; results go to each request's listener. Turning
         * tokens into an answer or images (detokenizing, VQ decoding, encoding) fails only the
         * request it was for.
         */
        private MixedBatch.Arrival arrival(List<Waiting> texts, List<Waiting> gens) {
            List<PreparedGeneration> prepared = gens.stream().map(Waiting::gen).toList();
            return new MixedBatch.Arrival(texts.stream().map(w -> w.text().input()).toList(), imageInputs(prepared),
                    new MixedBatch.Listener() {
                        @Override
                        public void textDone(int i, Understanding.Output o) {
                            Waiting w = texts.get(i);
                            running.remove(w);
                            Outcome<Answer> answer;
                            try {
                                answer = Outcome.ok(toAnswer(w.text(), o));
                            } catch (RuntimeException | OutOfMemoryError e) {
                                answer = Outcome.failed(ModelFailureException.of(e));
                            }
                            w.listener().answer(w.index(), answer);
                        }

                        @Override
                        public void imagesDone(int[][] tokens, double loopMs) {
                            gens.forEach(running::remove);
                            int k = 0;
                            for (int i = 0; i < prepared.size(); i++) {
                                int n = prepared.get(i).request().parallelSize();
                                Outcome<List<GeneratedImage>> images;
                                try {
                                    images = Outcome.ok(toImages(List.of(prepared.get(i)),
                                            java.util.Arrays.copyOfRange(tokens, k, k + n), loopMs).get(0));
                                } catch (RuntimeException | OutOfMemoryError e) {
                                    images = Outcome.failed(ModelFailureException.of(e));
                                }
                                k += n;
                                gens.get(i).listener().images(gens.get(i).index(), images);
                            }
                        }
                    });
        }

        /**
         * The loop failed with {@code cause}: each request it was running runs again alone, and
         * gets {@code cause} (or its own error) only if it fails alone too; waiting requests stay
         * waiting for the next loop.
         */
        void runAloneOrFail(Throwable cause) {
            List<Waiting> left = new ArrayList<>(running);
            running.clear();
            for (Waiting w : left) {
                if (left.size() == 1) {
                    fail(w, ModelFailureException.of(cause));
                    continue;
                }
                running.add(w);
                try {
                    new MixedBatch(net, tokenizer.padId(), tokenizer.eosId()).listen(listener).run(
                            w.text() != null ? arrival(List.of(w), List.of()) : arrival(List.of(), List.of(w)),
                            config.genTokensPerImage(), manager, MixedBatch.Probe.NONE, MixedBatch.Admission.NONE,
                            options.maxBatchRows());
                } catch (RuntimeException | OutOfMemoryError e) {
                    if (running.remove(w)) {
                        fail(w, ModelFailureException.of(e));
                    }
                }
                running.remove(w);
            }
        }

        private void fail(Waiting w, RuntimeException e) {
            if (w.text() != null) {
                w.listener().answer(w.index(), Outcome.failed(e));
            } else {
                w.listener().images(w.index(), Outcome.failed(e));
            }
        }
    }

    /** serve() calls in which understanding and generation rows ran in the same forwards. */
    public long sharedRounds() {
        return sharedRounds.get();
    }

    /** VQ-decodes one token grid to 8-bit RGB (one image at a time bounds the decoder's memory). */
    public RgbImage decodeImage(int[] tokens) {
        VqDecoder vq = net.vq();
        int g = config.genGridSide();
        try (NDManager m = manager.newSubManager()) {
            NDArray decoded = vq.decode(new int[][] {tokens}, g, m);
            int side = vq.imageSide(g);
            return new RgbImage(side, side, VqDecoder.toRgb8(decoded)[0]);
        }
    }

    // ---------------------------------------------------------------- shared plumbing

    private List<float[]> pixels(List<byte[]> images) {
        List<float[]> out = new ArrayList<>();
        for (byte[] b : images) {
            out.add(preprocessor.pixelValues(imageDecoder.decode(b)));
        }
        return out;
    }

    /** The requests that prepared cleanly, and their positions in the caller's list. */
    private record Valid<P>(List<P> items, List<Integer> index) {}

    /** Prepares each request on its own; an invalid one is reported through {@code failed} and left out. */
    private static <R, P> Valid<P> prepareEach(List<R> requests, Function<R, P> prepare,
            java.util.function.BiConsumer<Integer, InvalidRequestException> failed) {
        List<P> items = new ArrayList<>();
        List<Integer> index = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            try {
                items.add(prepare.apply(requests.get(i)));
                index.add(i);
            } catch (InvalidRequestException e) {
                failed.accept(i, e);
            }
        }
        return new Valid<>(items, index);
    }

    /**
     * Prepares every request on its own (bad ones fail alone), then runs the valid ones in
     * batches of at most {@code maxBatchRows} decoder rows, under the model lock.
     */
    private <R, P, T> List<Outcome<T>> batched(List<R> requests, Function<R, Integer> rowsOf,
            Function<List<P>, List<T>> run, Function<R, P> prepare) {
        List<Outcome<T>> results = new ArrayList<>(java.util.Collections.nCopies(requests.size(), null));
        Valid<P> prepared = prepareEach(requests, prepare, (i, e) -> results.set(i, Outcome.failed(e)));
        List<P> valid = prepared.items();
        List<Integer> validIndex = prepared.index();
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("model " + modelId + " is closed");
            }
            int from = 0;
            while (from < valid.size()) {
                int rows = 0, to = from;
                while (to < valid.size() && (to == from || rows + rowsOf.apply(requests.get(validIndex.get(to))) <= options.maxBatchRows())) {
                    rows += rowsOf.apply(requests.get(validIndex.get(to)));
                    to++;
                }
                try {
                    List<T> out = run.apply(valid.subList(from, to));
                    for (int i = from; i < to; i++) {
                        results.set(validIndex.get(i), Outcome.ok(out.get(i - from)));
                    }
                } catch (RuntimeException | OutOfMemoryError e) {
                    // Out of memory (Java heap or libtorch) or any failure of the batch: run each request
                    // alone, so only one that fails alone gets the error. The batch's memory is freed.
                    for (int i = from; i < to; i++) {
                        try {
                            results.set(validIndex.get(i), Outcome.ok(
                                    to - from == 1 ? throwAgain(e) : run.apply(valid.subList(i, i + 1)).get(0)));
                        } catch (RuntimeException | OutOfMemoryError alone) {
                            results.set(validIndex.get(i), Outcome.failed(ModelFailureException.of(alone)));
                        }
                    }
                }
                from = to;
            }
        } finally {
            lock.unlock();
        }
        return results;
    }

    private static <T> T throwAgain(Throwable e) {
        if (e instanceof RuntimeException r) {
            throw r;
        }
        throw (Error) e;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                manager.close();
                tokenizer.close();
                LIVE.decrementAndGet();
            }
        } finally {
            lock.unlock();
        }
    }
}
