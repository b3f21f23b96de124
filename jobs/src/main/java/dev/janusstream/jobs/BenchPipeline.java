package dev.janusstream.jobs;

import dev.janusstream.operators.ImageProbe;
import dev.janusstream.operators.ModelSpec;
import dev.janusstream.operators.Outgoing;
import dev.janusstream.operators.Requests;
import dev.janusstream.operators.SlotModelService;
import dev.janusstream.schemas.ImageRequest;
import dev.janusstream.schemas.PromptRequest;
import dev.janusstream.schemas.WireFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench pipeline}: records/s through the embedded pipeline (Kafka → JanusJob → Kafka,
 * exactly once) divided by records/s of the model service alone on the same requests. The model
 * is loaded once before both runs (the job's operators reuse it through the per-slot service),
 * so neither figure includes loading.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Pipeline throughput / model-service throughput on the same requests.")
public class BenchPipeline implements Callable<Integer> {
    @Option(names = "--model", description = "checkpoint directory (default: the demo's tiny model)") Path model;
    @Option(names = "--out", defaultValue = "out/bench") Path out;
    @Option(names = "--images", defaultValue = "48", description = "image events (default: ${DEFAULT-VALUE})") int images;
    @Option(names = "--prompts", defaultValue = "16", description = "prompt events (default: ${DEFAULT-VALUE})") int prompts;
    @Option(names = "--images-per-prompt", defaultValue = "1") int imagesPerPrompt;
    @Option(names = "--max-new-tokens", defaultValue = "16") int maxNewTokens;
    @Option(names = "--batch-size", defaultValue = "8") int batchSize;
    @Option(names = "--max-batch-wait-ms", defaultValue = "20") long maxBatchWaitMs;
    @Option(names = "--capacity", description = "in-flight requests per async operator (default: the jobs' 32, or 2 x batch size)")
    Integer capacity;
    @Option(names = "--device", defaultValue = "auto") String device;
    @Option(names = "--delivery", defaultValue = "EXACTLY_ONCE") String delivery;
    @Option(names = "--checkpoint-interval-ms", defaultValue = "10000",
            description = "as the jobs' default (each checkpoint commits a Kafka transaction): ${DEFAULT-VALUE}")
    long checkpointMs;

    /** Times at which outputs pass the stage before the sink (steady-state throughput). */
    static final AtomicLong FIRST_OUT = new AtomicLong();
    static final AtomicLong LAST_OUT = new AtomicLong();

    @Override
    public Integer call() throws Exception {
        out = out.toAbsolutePath().normalize();
        Files.createDirectories(out);
        Path modelDir = DemoModel.resolve(model, out, 1234);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(Files.createTempDirectory("janus-bench-kafka"))) {
            JobOptions o = JobOptions.parse("--bootstrap-servers", kafka.bootstrapServers(), "--model", modelDir.toString(),
                    "--device", device, "--bounded", "--batch-size", Integer.toString(batchSize),
                    "--max-batch-wait-ms", Long.toString(maxBatchWaitMs), "--capacity", Integer.toString(capacity != null ? capacity : Math.max(32, 2 * batchSize)),
                    "--delivery", delivery, "--checkpoint-interval-ms", Long.toString(checkpointMs),
                    "--transaction-timeout-ms", "120000", "--transactional-id-prefix", "janus-bench");
            o.validate();
            kafka.createTopics(1, o.imageTopic, o.promptTopic, o.answerTopic, o.generatedTopic, o.deadLetterTopic);
            SampleEvents events = new SampleEvents(o);
            for (int i = 0; i < images; i++) {
                String name = SampleEvents.SAMPLE_IMAGES.get(i % SampleEvents.SAMPLE_IMAGES.size());
                events.caption("bench-img-" + i, SampleEvents.sampleImage(name), null, maxNewTokens, i);
            }
            for (int i = 0; i < prompts; i++) {
                events.prompt("bench-prompt-" + i, "benchmark prompt number " + i, imagesPerPrompt, i);
            }
            int records = images + prompts;
            ModelSpec spec = o.modelSpec();
            SlotModelService held = SlotModelService.acquire(spec, 0); // loaded once, reused by the job
            try {
                serviceAlone(held, events, o); // warm-up
                long t0 = System.nanoTime();
                serviceAlone(held, events, o);
                double serviceSeconds = (System.nanoTime() - t0) / 1e9;

                SampleEvents.Expected expected;
                try (var producer = kafka.producer()) {
                    expected = events.publish(producer);
                }
                FIRST_OUT.set(0);
                LAST_OUT.set(0);
                o.beforeSink = s -> s.map(new Stamp()).name("bench-stamp");
                org.apache.flink.configuration.Configuration config = Demo.flinkConfig();
                MetricsSummary metrics = MetricsSummary.install(config);
                StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, config);
                Pipeline.configure(env, o);
                JanusJob.define(env, o);
                long j0 = System.nanoTime();
                JobExecutionResult result = env.execute("janus-bench");
                double jobSeconds = (System.nanoTime() - j0) / 1e9;
                int got;
                try (ResultReader reader = new ResultReader(kafka.bootstrapServers(), o)) {
                    reader.awaitAtLeast(expected.total(), Duration.ofSeconds(30), Duration.ofMillis(300));
                    got = reader.answers.size() + reader.images.size();
                }
                double steadySeconds = (LAST_OUT.get() - FIRST_OUT.get()) / 1e9;
                double serviceRate = records / serviceSeconds;
                double jobRate = records / jobSeconds;
                // steady state: between the first and the last output, (records - 1) more completed
                double steadyRate = steadySeconds > 0 ? (records - 1) / steadySeconds : Double.NaN;
                double serviceSteady = (records - 1) / serviceSeconds; // same convention for the service alone
                String report = String.join("\n",
                        "bench pipeline",
                        "  model:              " + modelDir,
                        String.format("  requests:           %d image events (max %d new tokens) + %d prompt events (x%d images)", images,
                                maxNewTokens, prompts, imagesPerPrompt),
                        String.format("  service alone:      %.2f s, %.2f records/s", serviceSeconds, serviceRate),
                        String.format("  pipeline (job):     %.2f s, %.2f records/s  (incl. job start and final commit; %s)", jobSeconds,
                                jobRate, delivery),
                        String.format("  pipeline (steady):  %.2f s first->last output, %.2f records/s", steadySeconds, steadyRate),
                        String.format("  ratio:              %.3f end to end, %.3f steady state (target >= 0.95)", jobRate / serviceRate,
                                steadyRate / serviceSteady),
                        String.format("  results committed:  %d of %d; job net runtime %d ms", got, expected.answerIds().size()
                                + expected.images(), result.getNetRuntime()));
                report = report + "\n" + String.join("\n", metrics.lines(jobSeconds));
                System.out.println(report);
                Files.writeString(out.resolve("bench-pipeline.txt"), report + "\n");
                return got == expected.answerIds().size() + expected.images() ? 0 : 1;
            } finally {
                held.release();
            }
        }
    }

    /** The same requests straight into the service, all submitted at once like the job's async operators do. */
    private static void serviceAlone(SlotModelService s, SampleEvents events, JobOptions o) throws Exception {
        List<CompletableFuture<?>> fs = new ArrayList<>();
        for (SampleEvents.Event e : events.events()) {
            if (e.topic().equals(o.imageTopic)) {
                ImageRequest r = WireFormat.IMAGE_REQUEST.decode(e.value());
                byte[] img = new byte[r.getImageBytes().remaining()];
                r.getImageBytes().duplicate().get(img);
                ImageProbe.check(img, o.limits().maxImagePixels());
                fs.add(s.understand(Requests.understand(r, img, o.limits())));
            } else {
                PromptRequest p = WireFormat.PROMPT_REQUEST.decode(e.value());
                fs.add(s.generate(Requests.generate(p, o.limits())));
            }
        }
        CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
    }

    static final class Stamp implements MapFunction<Outgoing, Outgoing> {
        @Override
        public Outgoing map(Outgoing value) {
            long now = System.nanoTime();
            FIRST_OUT.compareAndSet(0, now);
            LAST_OUT.set(now);
            return value;
        }
    }
}
