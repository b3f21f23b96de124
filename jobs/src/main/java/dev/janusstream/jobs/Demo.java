package dev.janusstream.jobs;

import dev.janusstream.operators.SlotModelService;
import dev.janusstream.schemas.AnswerResult;
import dev.janusstream.schemas.DeadLetter;
import dev.janusstream.schemas.GeneratedImageResult;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The README's first command: an in-process Kafka (KRaft) broker and Flink MiniCluster, sample
 * image and prompt events (and bad records) published, {@link JanusJob} run over them exactly
 * once, then the captions printed and the generated images and a summary written to ./out.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole pipeline in-process (embedded Kafka + Flink MiniCluster) on sample events.")
public class Demo implements Callable<Integer> {

    @Option(names = "--model", description = "Janus-Pro checkpoint directory (default: a tiny random-weight model)")
    Path model;

    @Option(names = "--out", defaultValue = "out", description = "where images and summary go (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--images-per-prompt", defaultValue = "2", description = "(default: ${DEFAULT-VALUE})")
    int imagesPerPrompt;

    @Option(names = "--max-new-tokens", defaultValue = "16", description = "caption length (default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--device", defaultValue = "auto", description = "(default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--timeout-s", defaultValue = "600", description = "give up after (default: ${DEFAULT-VALUE})")
    long timeoutS;

    private final PrintStream console = System.out;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        out = out.toAbsolutePath().normalize();
        Files.createDirectories(out);
        Path modelDir = DemoModel.resolve(model, out, 1234);
        boolean randomWeights = model == null;
        console.println("janus-stream demo");
        console.println("  model:  " + modelDir + (randomWeights ? "  (tiny, RANDOM weights: captions and images are noise)" : ""));
        console.print("  kafka:  starting an embedded KRaft broker ... ");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(Files.createTempDirectory("janus-demo-kafka"))) {
            console.println(kafka.bootstrapServers());
            JobOptions o = JobOptions.parse(
                    "--bootstrap-servers", kafka.bootstrapServers(),
                    "--model", modelDir.toString(),
                    "--device", device,
                    "--bounded",
                    "--checkpoint-interval-ms", "500",
                    "--transaction-timeout-ms", "60000",
                    "--transactional-id-prefix", "janus-demo",
                    "--max-new-tokens", Integer.toString(maxNewTokens),
                    "--allowed-image-root", out.resolve("samples").toUri().toString());
            o.validate();
            kafka.createTopics(1, o.imageTopic, o.promptTopic, o.answerTopic, o.generatedTopic, o.deadLetterTopic);

            SampleEvents.Expected expected;
            try (var producer = kafka.producer()) {
                expected = SampleEvents.standard(o, out.resolve("samples"), imagesPerPrompt, maxNewTokens).publish(producer);
            }
            console.printf("  input:  %d image events, %d prompt events (x%d images), %d bad records%n",
                    expected.answerIds().size(), expected.imagesPerPrompt().size(), imagesPerPrompt, expected.deadLetterCodes().size());

            Configuration config = flinkConfig();
            MetricsSummary metrics = MetricsSummary.install(config);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(o.parallelism, config);
            Pipeline.configure(env, o);
            JanusJob.define(env, o);
            console.println("  flink:  running janus-job on a MiniCluster (results appear at each checkpoint commit)");
            long jobStart = System.nanoTime();
            JobClient job = env.executeAsync("janus-demo");

            List<String> lines = new ArrayList<>();
            try (ResultReader reader = new ResultReader(kafka.bootstrapServers(), o)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
                boolean finished = false;
                while (reader.total() < expected.total() && System.nanoTime() < deadline) {
                    reader.poll(Duration.ofMillis(250), r -> console.println("    " + describe(r)));
                    if (!finished && job.getJobStatus().get().isGloballyTerminalState()) {
                        finished = true;
                        job.getJobExecutionResult().get(); // rethrows a failure
                        deadline = Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(20));
                    }
                }
                job.getJobExecutionResult().get(timeoutS, TimeUnit.SECONDS);
                double jobSeconds = (System.nanoTime() - jobStart) / 1e9;
                reader.awaitAtLeast(expected.total(), Duration.ofSeconds(1), Duration.ofMillis(500));
                lines.addAll(writeOutputs(reader, expected, modelDir, randomWeights, (System.nanoTime() - t0) / 1e9));
                boolean complete = reader.answers.size() == expected.answerIds().size()
                        && reader.images.size() == expected.images()
                        && reader.deadLetters.size() == expected.deadLetterCodes().size();
                console.println();
                lines.forEach(console::println);
                metrics.lines(jobSeconds).forEach(console::println);
                if (randomWeights) {
                    console.println("  NOTE: the model has random weights, so the captions above are noise; pass --model DIR for real ones.");
                }
                return complete ? 0 : 1;
            }
        }
    }

    static Configuration flinkConfig() {
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        return c;
    }

    private static String describe(Object r) {
        if (r instanceof AnswerResult a) {
            return a.getLabel() != null
                    ? String.format("label   %-18s -> %s (p=%.2f)", a.getRequestId(), a.getText(), a.getLabel().getProbability())
                    : String.format("answer  %-18s -> \"%s\"", a.getRequestId(), oneLine(a.getText()));
        }
        if (r instanceof GeneratedImageResult g) {
            return String.format("image   %-18s #%d %dx%d %s, %d bytes", g.getRequestId(), g.getIndex(), g.getWidth(), g.getHeight(),
                    g.getFormat(), g.getImage().remaining());
        }
        DeadLetter d = (DeadLetter) r;
        return String.format("dead    %-18s %s: %s", d.getRequestId() == null ? d.getSourceTopic() + "@" + d.getSourceOffset() : d.getRequestId(),
                d.getErrorCode(), d.getMessage());
    }

    private static String oneLine(String s) {
        String t = s.replaceAll("\\s+", " ").strip();
        return t.length() > 80 ? t.substring(0, 80) + "..." : t;
    }

    private List<String> writeOutputs(ResultReader r, SampleEvents.Expected expected, Path modelDir, boolean random, double seconds)
            throws Exception {
        Path images = Files.createDirectories(out.resolve("images"));
        List<String> written = new ArrayList<>();
        for (GeneratedImageResult g : r.images) {
            Path p = images.resolve(g.getRequestId() + "-" + g.getIndex() + "." + g.getFormat().name().toLowerCase(java.util.Locale.ROOT));
            byte[] bytes = new byte[g.getImage().remaining()];
            g.getImage().duplicate().get(bytes);
            Files.write(p, bytes);
            written.add(out.relativize(p).toString());
        }
        List<String> s = new ArrayList<>();
        s.add("summary");
        s.add("  model:         " + modelDir + (random ? " (random weights: outputs are noise)" : ""));
        s.add(String.format("  answers:       %d of %d expected", r.answers.size(), expected.answerIds().size()));
        s.add(String.format("  images:        %d of %d expected, written to %s", r.images.size(), expected.images(), images));
        s.add(String.format("  dead letters:  %d of %d expected", r.deadLetters.size(), expected.deadLetterCodes().size()));
        s.add("  model loads:   " + SlotModelService.COUNTERS.loads.get() + " (one per slot, shared by both operators)");
        s.add(String.format("  wall time:     %.1f s", seconds));
        StringBuilder md = new StringBuilder("# janus-stream demo summary\n\n");
        s.forEach(l -> md.append(l).append('\n'));
        md.append("\n## answers\n");
        for (AnswerResult a : r.answers) {
            md.append("- ").append(a.getRequestId()).append(": ").append(oneLine(a.getText()))
                    .append(a.getLabel() != null ? String.format(" (label, p=%.3f)", a.getLabel().getProbability()) : "").append('\n');
        }
        md.append("\n## images\n");
        written.forEach(w -> md.append("- ").append(w).append('\n'));
        md.append("\n## dead letters\n");
        for (DeadLetter d : r.deadLetters) {
            md.append("- ").append(d.getSourceTopic()).append('@').append(d.getSourceOffset()).append(' ')
                    .append(d.getErrorCode()).append(": ").append(d.getMessage()).append('\n');
        }
        Files.writeString(out.resolve("summary.md"), md);
        s.add("  summary:       " + out.resolve("summary.md"));
        return s;
    }
}
