package dev.janusstream.jobs;

import static org.junit.jupiter.api.Assertions.*;

import dev.janusstream.operators.ModelBackend;
import dev.janusstream.schemas.AnswerResult;
import dev.janusstream.schemas.DeadLetter;
import dev.janusstream.schemas.GeneratedImageResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** One end-to-end run of JanusJob against any Kafka: publish samples, run bounded, read committed, check. */
final class Scenario {
    private Scenario() {}

    static Path model() {
        String golden = System.getProperty("janus.golden.dir");
        assertNotNull(golden, "janus.golden.dir is set by surefire");
        return Path.of(golden);
    }

    static ModelBackend.Factory factory() {
        return Boolean.getBoolean("janus.test.fakeModel") ? FakeBackend.FACTORY : ModelBackend.JANUS;
    }

    static JobOptions options(String bootstrap, String name, Path imageRoot) {
        JobOptions o = JobOptions.parse(
                "--bootstrap-servers", bootstrap,
                "--image-topic", name + "-images", "--prompt-topic", name + "-prompts",
                "--answer-topic", name + "-answers", "--generated-topic", name + "-generated",
                "--dead-letter-topic", name + "-dead", "--group-id", name,
                "--model", model().toString(), "--device", "cpu",
                "--bounded", "--checkpoint-interval-ms", "200", "--transaction-timeout-ms", "60000",
                "--transactional-id-prefix", name, "--batch-size", "4", "--max-batch-wait-ms", "10",
                "--allowed-image-root", imageRoot.toUri().toString());
        o.modelFactory = factory();
        return o;
    }

    record Outcome(SampleEvents.Expected expected, ResultReader reader) {}

    /** Publishes {@code events}, runs JanusJob to the end of its bounded input, reads what was committed. */
    static Outcome run(String bootstrap, JobOptions o, SampleEvents events, Consumer<JobOptions> tweak) throws Exception {
        EmbeddedKafka.createTopics(bootstrap, 2, o.imageTopic, o.promptTopic, o.answerTopic, o.generatedTopic, o.deadLetterTopic);
        SampleEvents.Expected expected;
        try (var producer = EmbeddedKafka.producer(bootstrap)) {
            expected = events.publish(producer);
        }
        tweak.accept(o);
        o.validate();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(o.parallelism, Demo.flinkConfig());
        Pipeline.configure(env, o);
        JanusJob.define(env, o);
        JobClient job = env.executeAsync(o.groupId);
        ResultReader reader = new ResultReader(bootstrap, o);
        try {
            if (o.bounded) { // runs to the end of its input; the final checkpoint commits the rest
                job.getJobExecutionResult().get(4, java.util.concurrent.TimeUnit.MINUTES);
                reader.awaitAtLeast(expected.total(), Duration.ofSeconds(30), Duration.ofMillis(1500));
            } else { // runs until everything expected is committed (plus a grace period for duplicates), then is cancelled
                long end = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(4);
                while (reader.total() < expected.total() && System.nanoTime() < end) {
                    reader.poll(Duration.ofMillis(200), x -> {});
                    if (job.getJobStatus().get().isGloballyTerminalState()) {
                        job.getJobExecutionResult().get(); // surfaces the failure
                    }
                }
                reader.awaitAtLeast(expected.total(), Duration.ZERO, Duration.ofMillis(2000));
                job.cancel().get(1, java.util.concurrent.TimeUnit.MINUTES);
            }
        } finally {
            reader.close();
        }
        return new Outcome(expected, reader);
    }

    /** Exactly one answer per image event, exactly n images per prompt (indices 0..n-1), one dead letter per bad record. */
    static void assertExactlyOnce(Outcome out) {
        SampleEvents.Expected exp = out.expected();
        ResultReader r = out.reader();

        Map<String, Integer> answers = new TreeMap<>();
        for (AnswerResult a : r.answers) {
            answers.merge(a.getRequestId(), 1, Integer::sum);
        }
        Map<String, Integer> expectedAnswers = new TreeMap<>();
        exp.answerIds().forEach(id -> expectedAnswers.put(id, 1));
        assertEquals(expectedAnswers, answers, "answers per request id");

        Map<String, List<Integer>> images = new TreeMap<>();
        for (GeneratedImageResult g : r.images) {
            images.computeIfAbsent(g.getRequestId(), k -> new ArrayList<>()).add(g.getIndex());
        }
        Map<String, List<Integer>> expectedImages = new TreeMap<>();
        exp.imagesPerPrompt().forEach((id, n) -> expectedImages.put(id, java.util.stream.IntStream.range(0, n).boxed().toList()));
        images.values().forEach(l -> l.sort(null));
        assertEquals(expectedImages, images, "image indices per prompt id");

        Map<String, String> dead = new TreeMap<>();
        Map<String, Integer> deadCount = new HashMap<>();
        for (DeadLetter d : r.deadLetters) {
            String key = d.getKey() == null ? "?" : StandardCharsets.UTF_8.decode(d.getKey().duplicate()).toString();
            dead.put(key, d.getErrorCode());
            deadCount.merge(key, 1, Integer::sum);
        }
        assertEquals(new TreeMap<>(exp.deadLetterCodes()), dead, "dead-letter code per input key");
        assertTrue(deadCount.values().stream().allMatch(c -> c == 1), "one dead letter per bad record: " + deadCount);
        assertEquals(exp.total(), r.total(), "nothing else in the output");

        // results are keyed by request id
        for (Map.Entry<String, String> k : r.keys) {
            assertFalse(k.getValue().isEmpty(), "every output record has a key");
        }
        for (AnswerResult a : r.answers) {
            if (a.getRequestId().startsWith("img-label")) {
                assertNotNull(a.getLabel(), "labelling mode answers with a label");
                assertTrue(a.getLabel().getCandidates().contains(a.getText()));
                assertTrue(a.getLabel().getProbability() > 0 && a.getLabel().getProbability() <= 1);
            } else {
                assertNull(a.getLabel());
            }
        }
    }
}
