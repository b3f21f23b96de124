package dev.janusstream.sql;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The {@code WITH (...)} options of {@code CREATE MODEL ... WITH ('provider' = 'janus', ...)}.
 * Row-level values (question, seed, temperature, number of images, ...) can instead come from input
 * columns of the same name (with {@code _} for {@code -}); an input column wins over the option.
 */
public final class JanusModelOptions {
    private JanusModelOptions() {}

    public static final ConfigOption<JanusTask> TASK = ConfigOptions.key("task").enumType(JanusTask.class).noDefaultValue()
            .withDescription("understand (image [+ question] -> answer), label (image + candidate labels -> label, probability) "
                    + "or generate (prompt -> one row per image).");

    public static final ConfigOption<String> MODEL_DIR = ConfigOptions.key("model-dir").stringType().noDefaultValue()
            .withDescription("Janus-Pro checkpoint directory, at the same path on every TaskManager.");

    public static final ConfigOption<String> DEVICE = ConfigOptions.key("device").stringType().defaultValue("auto")
            .withDescription("auto (GPU subtask index mod GPU count when CUDA GPUs are visible, else CPU), cpu, gpu, gpu:N.");

    public static final ConfigOption<Integer> BATCH_SIZE = ConfigOptions.key("batch-size").intType().defaultValue(8)
            .withDescription("Most requests (a generate request counts its images) in one shared model call. "
                    + "The first user of a model in a TaskManager sets it for every query and job sharing that model.");

    public static final ConfigOption<Duration> MAX_BATCH_WAIT = ConfigOptions.key("max-batch-wait").durationType()
            .defaultValue(Duration.ofMillis(20))
            .withDescription("How long the first waiting request waits for others to join its model call.");

    public static final ConfigOption<String> QUESTION = ConfigOptions.key("question").stringType().noDefaultValue()
            .withDescription("understand / label: the question when the row has no question column or it is NULL "
                    + "(default 'Describe the image.').");

    public static final ConfigOption<List<String>> LABELS = ConfigOptions.key("labels").stringType().asList().noDefaultValue()
            .withDescription("label: candidate labels separated by ';' when the row has no labels column or it is NULL.");

    public static final ConfigOption<Integer> MAX_NEW_TOKENS = ConfigOptions.key("max-new-tokens").intType().defaultValue(64)
            .withDescription("understand: most tokens of an answer (a row's max_new_tokens column may ask for up to max-new-tokens-limit).");

    public static final ConfigOption<Integer> MAX_NEW_TOKENS_LIMIT = ConfigOptions.key("max-new-tokens-limit").intType()
            .defaultValue(512).withDescription("understand: the most a row's max_new_tokens may ask for.");

    public static final ConfigOption<Float> TEMPERATURE = ConfigOptions.key("temperature").floatType().noDefaultValue()
            .withDescription("Sampling temperature; default 0 (greedy) for understand, 1 for generate.");

    public static final ConfigOption<Integer> TOP_K = ConfigOptions.key("top-k").intType().defaultValue(0)
            .withDescription("Keep the k most likely tokens when sampling (0: all).");

    public static final ConfigOption<Float> TOP_P = ConfigOptions.key("top-p").floatType().defaultValue(1f)
            .withDescription("Nucleus sampling mass in (0, 1] (1: off).");

    public static final ConfigOption<Long> SEED = ConfigOptions.key("seed").longType().defaultValue(0L)
            .withDescription("Sampling seed when the row has no seed column; image i of a prompt uses seed + i.");

    public static final ConfigOption<Float> CFG_WEIGHT = ConfigOptions.key("cfg-weight").floatType().defaultValue(5f)
            .withDescription("generate: classifier-free guidance weight in [0, 50].");

    public static final ConfigOption<Integer> NUM_IMAGES = ConfigOptions.key("num-images").intType().defaultValue(1)
            .withDescription("generate: images per prompt when the row has no num_images column.");

    public static final ConfigOption<Integer> MAX_IMAGES_PER_PROMPT = ConfigOptions.key("max-images-per-prompt").intType()
            .defaultValue(16).withDescription("generate: the most images a row may ask for.");

    public static final ConfigOption<String> IMAGE_FORMAT = ConfigOptions.key("image-format").stringType().defaultValue("png")
            .withDescription("generate: png or jpeg.");

    public static final ConfigOption<Integer> MAX_IMAGE_BYTES = ConfigOptions.key("max-image-bytes").intType()
            .defaultValue(20 * 1024 * 1024).withDescription("understand / label: larger images are error rows (IMAGE_TOO_LARGE).");
}
