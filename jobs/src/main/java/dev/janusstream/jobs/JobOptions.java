package dev.janusstream.jobs;

import dev.janusstream.operators.DeadLetters;
import dev.janusstream.operators.ImagePolicy;
import dev.janusstream.operators.ModelBackend;
import dev.janusstream.operators.ModelSpec;
import dev.janusstream.operators.RequestLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.connector.base.DeliveryGuarantee;
import picocli.CommandLine.Option;

/**
 * Everything a job is configured with, from command-line flags (a picocli mixin), validated once
 * by {@link #validate()} before the job graph is built. The defaults are the names the
 * docker-compose file and the demo use.
 */
public class JobOptions {
    public static final String DEFAULT_BOOTSTRAP = "localhost:9092";
    public static final String IMAGE_TOPIC = "image-requests";
    public static final String PROMPT_TOPIC = "prompt-requests";
    public static final String ANSWER_TOPIC = "answers";
    public static final String GENERATED_TOPIC = "generated-images";
    public static final String DEAD_LETTER_TOPIC = "dead-letters";
    /** Below the broker's default transaction.max.timeout.ms (15 min). */
    public static final long DEFAULT_TRANSACTION_TIMEOUT_MS = 600_000;

    public enum StartFrom { COMMITTED, EARLIEST, LATEST }

    @Option(names = "--bootstrap-servers", defaultValue = DEFAULT_BOOTSTRAP, description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE})")
    public String bootstrapServers;

    @Option(names = "--image-topic", defaultValue = IMAGE_TOPIC, description = "image events in (default: ${DEFAULT-VALUE})")
    public String imageTopic;

    @Option(names = "--prompt-topic", defaultValue = PROMPT_TOPIC, description = "prompt events in (default: ${DEFAULT-VALUE})")
    public String promptTopic;

    @Option(names = "--answer-topic", defaultValue = ANSWER_TOPIC, description = "captions/answers/labels out (default: ${DEFAULT-VALUE})")
    public String answerTopic;

    @Option(names = "--generated-topic", defaultValue = GENERATED_TOPIC, description = "generated images out (default: ${DEFAULT-VALUE})")
    public String generatedTopic;

    @Option(names = "--dead-letter-topic", defaultValue = DEAD_LETTER_TOPIC, description = "dead letters out (default: ${DEFAULT-VALUE})")
    public String deadLetterTopic;

    @Option(names = "--group-id", defaultValue = "janus-stream", description = "consumer group; offsets are committed on checkpoints (default: ${DEFAULT-VALUE})")
    public String groupId;

    @Option(names = "--start-from", defaultValue = "COMMITTED", description = "COMMITTED (earliest when none), EARLIEST or LATEST (default: ${DEFAULT-VALUE})")
    public StartFrom startFrom;

    @Option(names = "--bounded", description = "stop at the offsets that are latest when the job starts (backfills, demo, tests)")
    public boolean bounded;

    @Option(names = "--model", description = "Janus-Pro checkpoint directory, present on every TaskManager", required = true)
    public Path model;

    @Option(names = "--device", defaultValue = "auto", description = "auto (GPU by subtask index when GPUs exist), cpu, gpu, gpu:N (default: ${DEFAULT-VALUE})")
    public String device;

    @Option(names = "--ignore-exif-orientation", description = "feed images as stored, ignoring their EXIF Orientation tag (default: turned upright as a viewer shows them)")
    public boolean ignoreExifOrientation;

    @Option(names = "--batch-size", defaultValue = "8", description = "most requests per shared model call (default: ${DEFAULT-VALUE})")
    public int batchSize;

    @Option(names = "--max-batch-wait-ms", defaultValue = "20", description = "how long a request waits for others to join its batch (default: ${DEFAULT-VALUE})")
    public long maxBatchWaitMs;

    @Option(names = "--capacity", defaultValue = "32", description = "in-flight requests per operator instance: backpressure bound (default: ${DEFAULT-VALUE})")
    public int capacity;

    @Option(names = "--request-timeout-ms", defaultValue = "600000", description = "a request without a result after this is a TIMEOUT dead letter (default: ${DEFAULT-VALUE})")
    public long requestTimeoutMs;

    @Option(names = "--parallelism", defaultValue = "1", description = "job parallelism (default: ${DEFAULT-VALUE})")
    public int parallelism;

    @Option(names = "--delivery", defaultValue = "EXACTLY_ONCE", description = "EXACTLY_ONCE (Kafka transactions) or AT_LEAST_ONCE (default: ${DEFAULT-VALUE})")
    public DeliveryGuarantee delivery;

    @Option(names = "--checkpoint-interval-ms", defaultValue = "10000", description = "checkpoint (and, exactly once, commit) interval (default: ${DEFAULT-VALUE})")
    public long checkpointIntervalMs;

    @Option(names = "--transactional-id-prefix", defaultValue = "janus-stream", description = "Kafka transactional.id prefix, unique per job (default: ${DEFAULT-VALUE})")
    public String transactionalIdPrefix;

    @Option(names = "--transaction-timeout-ms", defaultValue = "" + DEFAULT_TRANSACTION_TIMEOUT_MS,
            description = "producer transaction.timeout.ms; must not exceed the broker's transaction.max.timeout.ms (default: ${DEFAULT-VALUE})")
    public long transactionTimeoutMs;

    @Option(names = "--kafka", mapFallbackValue = "", description = "Kafka client property passed to consumers and producers, e.g. --kafka security.protocol=SASL_SSL (repeatable)")
    public Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--allowed-image-root", description = "URI prefix image_uri may point under, e.g. file:///data/images/ or s3://bucket/in/ (repeatable; none: URIs refused)")
    public List<String> allowedImageRoots = new ArrayList<>();

    @Option(names = "--max-image-bytes", defaultValue = "20971520", description = "largest inline or fetched image (default: ${DEFAULT-VALUE})")
    public long maxImageBytes;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "tokens per answer when an event says nothing (default: ${DEFAULT-VALUE})")
    public int maxNewTokens;

    @Option(names = "--max-new-tokens-limit", defaultValue = "512", description = "most tokens an event may ask for (default: ${DEFAULT-VALUE})")
    public int maxNewTokensLimit;

    @Option(names = "--max-images-per-prompt", defaultValue = "16", description = "most images one prompt event may ask for (default: ${DEFAULT-VALUE})")
    public int maxImagesPerPrompt;

    @Option(names = "--dead-letter-max-bytes", defaultValue = "65536", description = "original bytes kept in a dead letter (default: ${DEFAULT-VALUE})")
    public int deadLetterMaxBytes;

    @Option(names = "--max-result-bytes", defaultValue = "1000000",
            description = "largest output record; a larger result is a RESULT_TOO_LARGE dead letter. Keep it under the broker's message.max.bytes (default: ${DEFAULT-VALUE})")
    public int maxResultBytes;

    /** Not a flag: tests swap the model loader. */
    public ModelBackend.Factory modelFactory = ModelBackend.JANUS;

    /** Not a flag: tests put a stage (failure injection) just before the sink. */
    public java.util.function.UnaryOperator<org.apache.flink.streaming.api.datastream.DataStream<dev.janusstream.operators.Outgoing>>
            beforeSink = java.util.function.UnaryOperator.identity();

    private static final Set<String> MANAGED_KAFKA_KEYS = Set.of("bootstrap.servers", "group.id", "key.deserializer",
            "value.deserializer", "key.serializer", "value.serializer", "transactional.id", "enable.auto.commit", "isolation.level");

    /** Checks everything at once; throws IllegalArgumentException listing every problem. */
    public JobOptions validate() {
        List<String> problems = new ArrayList<>();
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            problems.add("--bootstrap-servers is empty");
        }
        for (String t : List.of(imageTopic, promptTopic, answerTopic, generatedTopic, deadLetterTopic)) {
            if (t == null || !t.matches("[a-zA-Z0-9._-]{1,249}")) {
                problems.add("invalid topic name '" + t + "'");
            }
        }
        if (new java.util.HashSet<>(java.util.Arrays.asList(answerTopic, generatedTopic, deadLetterTopic)).size() != 3) {
            problems.add("answer, generated and dead-letter topics must differ");
        }
        for (String in : java.util.Arrays.asList(imageTopic, promptTopic)) {
            if (in != null && in.equals(answerTopic) || in.equals(generatedTopic) || in.equals(deadLetterTopic)) {
                problems.add("input topic " + in + " is also an output topic");
            }
        }
        if (groupId == null || groupId.isBlank()) {
            problems.add("--group-id is empty");
        }
        if (model == null) {
            problems.add("--model is required");
        } else if (!Files.isDirectory(model)) {
            problems.add("--model " + model + " is not a directory");
        }
        try {
            modelSpec();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (capacity < 1) {
            problems.add("--capacity must be >= 1");
        }
        if (requestTimeoutMs < 1) {
            problems.add("--request-timeout-ms must be >= 1");
        }
        if (parallelism < 1) {
            problems.add("--parallelism must be >= 1");
        }
        if (checkpointIntervalMs < 10) {
            problems.add("--checkpoint-interval-ms must be >= 10");
        }
        if (delivery == DeliveryGuarantee.NONE) {
            problems.add("--delivery NONE is not supported (EXACTLY_ONCE or AT_LEAST_ONCE)");
        }
        if (delivery == DeliveryGuarantee.EXACTLY_ONCE) {
            if (transactionalIdPrefix == null || transactionalIdPrefix.isBlank()) {
                problems.add("--transactional-id-prefix is required for EXACTLY_ONCE");
            }
            if (transactionTimeoutMs < checkpointIntervalMs) {
                problems.add("--transaction-timeout-ms (" + transactionTimeoutMs + ") must exceed the checkpoint interval ("
                        + checkpointIntervalMs + "), or transactions abort before they commit");
            }
            if (transactionTimeoutMs > 900_000 && !kafkaProperties.containsKey("transaction.timeout.ms")) {
                problems.add("--transaction-timeout-ms " + transactionTimeoutMs
                        + " exceeds the broker default transaction.max.timeout.ms (900000); raise that on the broker and pass --kafka transaction.timeout.ms=...");
            }
        }
        for (String k : kafkaProperties.keySet()) {
            if (MANAGED_KAFKA_KEYS.contains(k)) {
                problems.add("--kafka " + k + " is set by the job; use its own flag");
            }
        }
        if (2L * deadLetterMaxBytes + 16_384 > maxResultBytes) { // original + key, then the rest of the dead letter
            problems.add("--dead-letter-max-bytes " + deadLetterMaxBytes + " leaves no room for a dead letter under --max-result-bytes "
                    + maxResultBytes);
        }
        try {
            imagePolicy();
            limits();
            new DeadLetters(deadLetterMaxBytes);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid options:\n  " + String.join("\n  ", problems));
        }
        return this;
    }

    public ModelSpec modelSpec() {
        return new ModelSpec(model.toString(), device, batchSize, maxBatchWaitMs, modelFactory, !ignoreExifOrientation);
    }

    public ImagePolicy imagePolicy() {
        return new ImagePolicy(allowedImageRoots, maxImageBytes, maxImageBytes);
    }

    public RequestLimits limits() {
        RequestLimits d = RequestLimits.defaults();
        return new RequestLimits(maxNewTokens, maxNewTokensLimit, maxImagesPerPrompt, d.maxPromptChars(), d.maxCandidates(),
                d.maxImagePixels(), maxResultBytes);
    }

    public DeadLetters deadLetters() {
        return new DeadLetters(deadLetterMaxBytes);
    }

    /** Client properties for consumers and producers (TLS/SASL etc.). */
    public Properties kafkaClientProperties() {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        return p;
    }

    /** Parses flags (for tests and the demo): {@code JobOptions.parse("--model", dir, ...)}. */
    public static JobOptions parse(String... args) {
        JobOptions o = new JobOptions();
        new picocli.CommandLine(o).parseArgs(args);
        return o;
    }
}
