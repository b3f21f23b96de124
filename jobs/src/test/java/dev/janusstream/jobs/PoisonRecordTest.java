package dev.janusstream.jobs;

import static org.junit.jupiter.api.Assertions.*;

import dev.janusstream.schemas.AnswerResult;
import dev.janusstream.schemas.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's record on a running janus-job (embedded KRaft broker, exactly once, the job's default
 * request timeout): 24 bytes whose {@code candidate_labels} claims ~1.5 billion items, published
 * between two valid requests. Restarts are switched off, so any failure of a task would end the
 * job: it must give one DESERIALIZATION dead letter, both answers, and keep RUNNING.
 */
class PoisonRecordTest {
    static final byte[] ISSUE_RECORD = HexFormat.of().parseHex("c301b24fb92809355b8902790000000002" + "80bcc1960b0261");

    @TempDir Path tmp;

    @Test
    void theIssueRecordBetweenTwoValidRequestsIsOneDeadLetterAndTheJobKeepsRunning() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bs = kafka.bootstrapServers();
            JobOptions o = JobOptions.parse(
                    "--bootstrap-servers", bs, "--image-topic", "poison-images", "--prompt-topic", "poison-prompts",
                    "--answer-topic", "poison-answers", "--generated-topic", "poison-generated", "--dead-letter-topic", "poison-dead",
                    "--group-id", "poison", "--transactional-id-prefix", "poison", "--transaction-timeout-ms", "60000",
                    "--checkpoint-interval-ms", "500", "--model", Scenario.model().toString(), "--device", "cpu");
            o.modelFactory = Scenario.factory();
            o.validate();
            EmbeddedKafka.createTopics(bs, 1, o.imageTopic, o.promptTopic, o.answerTopic, o.generatedTopic, o.deadLetterTopic);
            SampleEvents events = new SampleEvents(o)
                    .caption("before", SampleEvents.sampleImage("sunset.png"), null, 4, 1)
                    .bad(o.imageTopic, "poison", ISSUE_RECORD, "DESERIALIZATION")
                    .caption("after", SampleEvents.sampleImage("house.png"), "What is this?", 4, 2);
            SampleEvents.Expected expected;
            try (var producer = EmbeddedKafka.producer(bs)) {
                expected = events.publish(producer);
            }

            Configuration c = new Configuration();
            c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, c);
            Pipeline.configure(env, o);
            JanusJob.define(env, o);
            JobClient job = env.executeAsync("poison");
            try (ResultReader reader = new ResultReader(bs, o)) {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                while (reader.total() < expected.total() && System.nanoTime() < deadline) {
                    reader.poll(Duration.ofMillis(200), r -> {});
                    assertEquals(JobStatus.RUNNING, job.getJobStatus().get(), "the job keeps running");
                }
                reader.awaitAtLeast(expected.total(), Duration.ZERO, Duration.ofSeconds(2)); // nothing more comes

                assertEquals(1, reader.deadLetters.size(), "one dead letter");
                DeadLetter d = reader.deadLetters.get(0);
                assertEquals("DESERIALIZATION", d.getErrorCode());
                assertEquals("poison", StandardCharsets.UTF_8.decode(d.getKey().duplicate()).toString());
                assertEquals(24, d.getOriginalSize());
                assertTrue(d.getMessage().contains("array of"), d.getMessage());
                assertEquals(java.util.Set.of("before", "after"),
                        reader.answers.stream().map(AnswerResult::getRequestId).collect(java.util.stream.Collectors.toSet()));
                assertEquals(3, reader.total());
                assertEquals(JobStatus.RUNNING, job.getJobStatus().get(), "still running, never restarted (restarts are off)");
            } finally {
                job.cancel().get(1, TimeUnit.MINUTES);
            }
        }
    }
}
