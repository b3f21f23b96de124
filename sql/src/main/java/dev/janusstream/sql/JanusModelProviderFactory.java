package dev.janusstream.sql;

import static dev.janusstream.sql.JanusModelOptions.*;

import dev.janusstream.operators.ModelBackend;
import dev.janusstream.operators.ModelSpec;
import dev.janusstream.operators.RequestLimits;
import dev.janusstream.runtime.ImageFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.config.ExecutionConfigOptions;
import org.apache.flink.table.api.config.MLPredictRuntimeConfigOptions;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.ml.PredictRuntimeProvider;

/**
 * {@code 'provider' = 'janus'}: Janus-Pro on the per-slot model service for {@code ML_PREDICT}.
 * Validates the model's options and INPUT/OUTPUT columns when a query using the model is planned
 * (every problem in one {@link ValidationException}); registered in
 * {@code META-INF/services/org.apache.flink.table.factories.Factory}.
 */
public class JanusModelProviderFactory implements ModelProviderFactory {
    public static final String IDENTIFIER = "janus";

    private static final Set<ConfigOption<?>> COMMON = Set.of(TASK, MODEL_DIR, DEVICE, BATCH_SIZE, MAX_BATCH_WAIT);
    private static final Map<JanusTask, Set<ConfigOption<?>>> PER_TASK = Map.of(
            JanusTask.UNDERSTAND, Set.of(QUESTION, MAX_NEW_TOKENS, MAX_NEW_TOKENS_LIMIT, TEMPERATURE, TOP_K, TOP_P, SEED, MAX_IMAGE_BYTES),
            JanusTask.LABEL, Set.of(QUESTION, LABELS, MAX_IMAGE_BYTES),
            JanusTask.GENERATE, Set.of(CFG_WEIGHT, NUM_IMAGES, MAX_IMAGES_PER_PROMPT, IMAGE_FORMAT, TEMPERATURE, TOP_K, TOP_P, SEED));

    private static final Set<ConfigOption<?>> OPTIONAL = Set.of(DEVICE, BATCH_SIZE, MAX_BATCH_WAIT, QUESTION, LABELS, MAX_NEW_TOKENS,
            MAX_NEW_TOKENS_LIMIT, TEMPERATURE, TOP_K, TOP_P, SEED, CFG_WEIGHT, NUM_IMAGES, MAX_IMAGES_PER_PROMPT, IMAGE_FORMAT, MAX_IMAGE_BYTES);

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(TASK, MODEL_DIR);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return OPTIONAL;
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper = FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate(); // required options, unknown keys, option types
        ReadableConfig options = helper.getOptions();
        ResolvedCatalogModel model = context.getCatalogModel();
        PredictConfig config = config(options, model.getOptions().keySet(), context.getObjectIdentifier().asSummaryString());
        ModelColumns columns = ModelColumns.bind(config.task(), model.getResolvedInputSchema(), model.getResolvedOutputSchema());
        if (config.task() == JanusTask.LABEL && config.labels() == null && !columns.hasInput("labels")) {
            throw new ValidationException("janus model " + context.getObjectIdentifier().asSummaryString()
                    + ": task 'label' needs candidate labels: the option 'labels' (e.g. 'cat;dog;bird') or an INPUT column labels ARRAY<STRING>");
        }
        Duration timeout = context.getConfiguration().get(ExecutionConfigOptions.TABLE_EXEC_ASYNC_ML_PREDICT_TIMEOUT);
        return new Provider(config, columns, timeout);
    }

    /** The validated options; every problem is listed in one {@link ValidationException}. */
    static PredictConfig config(ReadableConfig o, Set<String> givenKeys, String modelName) {
        List<String> problems = new ArrayList<>();
        JanusTask task = o.get(TASK);
        Set<ConfigOption<?>> allowed = PER_TASK.get(task);
        for (ConfigOption<?> opt : OPTIONAL) {
            if (givenKeys.contains(opt.key()) && !COMMON.contains(opt) && !allowed.contains(opt)) {
                problems.add("option '" + opt.key() + "' does not apply to task '" + name(task) + "'");
            }
        }
        ModelSpec spec = null;
        try {
            spec = new ModelSpec(o.get(MODEL_DIR), o.get(DEVICE), o.get(BATCH_SIZE), o.get(MAX_BATCH_WAIT).toMillis(), ModelBackend.JANUS);
        } catch (RuntimeException e) {
            problems.add(e.getMessage() + " (options 'model-dir', 'device', 'batch-size', 'max-batch-wait')");
        }
        int maxTokens = o.get(MAX_NEW_TOKENS);
        int tokensLimit = o.get(MAX_NEW_TOKENS_LIMIT);
        if (maxTokens < 1 || maxTokens > tokensLimit) {
            problems.add("'max-new-tokens' must be in [1, max-new-tokens-limit = " + tokensLimit + "], got " + maxTokens);
        }
        int maxImages = o.get(MAX_IMAGES_PER_PROMPT);
        int numImages = o.get(NUM_IMAGES);
        if (maxImages < 1 || numImages < 1 || numImages > maxImages) {
            problems.add("'num-images' must be in [1, max-images-per-prompt = " + maxImages + "], got " + numImages);
        }
        float temperature = o.getOptional(TEMPERATURE).orElse(task == JanusTask.GENERATE ? 1f : 0f);
        if (!(temperature >= 0f) || temperature > 100f) {
            problems.add("'temperature' must be in [0, 100], got " + temperature);
        }
        if (o.get(TOP_K) < 0) {
            problems.add("'top-k' must be >= 0, got " + o.get(TOP_K));
        }
        float topP = o.get(TOP_P);
        if (!(topP > 0f) || topP > 1f) {
            problems.add("'top-p' must be in (0, 1], got " + topP);
        }
        float cfg = o.get(CFG_WEIGHT);
        if (!(cfg >= 0f) || cfg > 50f) {
            problems.add("'cfg-weight' must be in [0, 50], got " + cfg);
        }
        ImageFormat format = null;
        try {
            format = ImageFormat.parse(o.get(IMAGE_FORMAT));
        } catch (RuntimeException e) {
            problems.add("'image-format': " + e.getMessage());
        }
        if (o.get(MAX_IMAGE_BYTES) < 1) {
            problems.add("'max-image-bytes' must be >= 1");
        }
        List<String> labels = o.getOptional(LABELS).orElse(null);
        if (labels != null && (labels.isEmpty() || labels.stream().anyMatch(l -> l == null || l.isBlank()))) {
            problems.add("'labels' must be a ';'-separated list of non-empty labels, got " + labels);
        }
        String question = o.getOptional(QUESTION).orElse(null);
        if (!problems.isEmpty()) {
            throw new ValidationException("janus model " + modelName + ": " + String.join("; ", problems));
        }
        RequestLimits defaults = RequestLimits.defaults();
        RequestLimits limits = new RequestLimits(maxTokens, tokensLimit, maxImages, defaults.maxPromptChars(), defaults.maxCandidates(),
                defaults.maxImagePixels());
        return new PredictConfig(task, spec, limits, question, labels == null ? null : List.copyOf(labels), maxTokens, temperature,
                o.get(TOP_K), topP, o.get(SEED), cfg, numImages, format, o.get(MAX_IMAGE_BYTES));
    }

    private static String name(JanusTask t) {
        return t.name().toLowerCase(Locale.ROOT);
    }

    /** Async (default) and sync predict functions over the same per-slot service. */
    static final class Provider implements AsyncPredictRuntimeProvider, PredictRuntimeProvider {
        private final PredictConfig config;
        private final ModelColumns columns;
        private final Duration tableTimeout;

        Provider(PredictConfig config, ModelColumns columns, Duration tableTimeout) {
            this.config = config;
            this.columns = columns;
            this.tableTimeout = tableTimeout;
        }

        @Override
        public AsyncPredictFunction createAsyncPredictFunction(ModelProvider.Context context) {
            // Flink fails the job when an async call outlives 'timeout'; a row answers TIMEOUT just before that instead.
            Duration timeout = context.runtimeConfig().getOptional(MLPredictRuntimeConfigOptions.ASYNC_TIMEOUT).orElse(tableTimeout);
            Duration rowTimeout = timeout == null ? null : timeout.multipliedBy(9).dividedBy(10);
            return new JanusAsyncPredictFunction(new JanusPredictor(config, columns, rowTimeout));
        }

        @Override
        public PredictFunction createPredictFunction(ModelProvider.Context context) {
            return new JanusPredictFunction(new JanusPredictor(config, columns, null));
        }

        @Override
        public ModelProvider copy() {
            return new Provider(config, columns, tableTimeout);
        }
    }
}
