package dev.janusstream.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's view: N valid and K bad requests through janus-job on a MiniCluster whose
 * metric system exports through Flink's Prometheus reporter (as docker-compose.yml configures
 * it), scraped over HTTP like Prometheus does while the job runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobMetricsTest {
    static final String PREFIX = "flink_taskmanager_job_task_operator_";
    EmbeddedKafka kafka;
    @TempDir Path tmp;

    @BeforeAll
    void startKafka() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    void stopKafka() {
        kafka.close();
    }

    @Test
    void requestsDeadLettersLatencyAndTokenRatesReachFlinksMetricSystem() throws Exception {
        JobOptions o = Scenario.options(kafka.bootstrapServers(), "metrics", tmp.resolve("images"));
        SampleEvents events = SampleEvents.standard(o, tmp.resolve("images"), 1, 4);
        o.bounded = false; // metrics live as long as the job's tasks: scrape while it runs
        o.validate();
        EmbeddedKafka.createTopics(kafka.bootstrapServers(), 1, o.imageTopic, o.promptTopic, o.answerTopic, o.generatedTopic,
                o.deadLetterTopic);
        SampleEvents.Expected expected;
        try (var producer = EmbeddedKafka.producer(kafka.bootstrapServers())) {
            expected = events.publish(producer);
        }
        int valid = expected.answerIds().size() + expected.imagesPerPrompt().size(); // N
        int bad = expected.deadLetterCodes().size(); // K
        int resultRecords = expected.answerIds().size() + expected.images();

        int port = freePort();
        Configuration conf = Demo.flinkConfig();
        conf.set(ConfigOptions.key("metrics.reporter.prom.factory.class").stringType().noDefaultValue(),
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        conf.set(ConfigOptions.key("metrics.reporter.prom.port").stringType().noDefaultValue(), Integer.toString(port));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        Pipeline.configure(env, o);
        JanusJob.define(env, o);
        JobClient job = env.executeAsync("metrics");
        Scrape s = null;
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (System.nanoTime() < deadline) {
                s = Scrape.of(port);
                if (s.sum("requests") >= valid + bad && s.sum("deadLetters") >= bad && s.sum("results") >= resultRecords
                        && s.max("model_decodeTokensPerSecond") > 0 && s.max("model_imageTokensPerSecond") > 0) {
                    break; // meters update every 5 s
                }
                if (job.getJobStatus().get().isGloballyTerminalState()) {
                    job.getJobExecutionResult().get(); // surfaces a failure
                }
                Thread.sleep(500);
            }
            assertNotNull(s);
            assertEquals(valid + bad, s.sum("requests"), "requests in (understand + generate)");
            assertEquals(bad, s.sum("deadLetters"), "dead letters");
            assertEquals(valid, s.sum("requests") - s.sum("deadLetters"), "requests that got results");
            assertEquals(resultRecords, s.sum("results"), "result records (answers + one per image)");
            for (var code : expected.deadLetterCodes().values().stream().distinct().toList()) {
                long want = expected.deadLetterCodes().values().stream().filter(code::equals).count();
                assertEquals(want, s.sum("errorCode_deadLetters", "errorCode=\"" + code + "\""), "dead letters " + code);
            }
            assertEquals(valid, s.sum("latencyMs_count"), "one end-to-end latency sample per request with results");
            assertTrue(s.max("latencyMs", "quantile=\"0.5\"") > 0, "median latency of a model call is above 0 ms:\n" + s.lines("latencyMs"));
            assertTrue(s.max("model_decodeTokensPerSecond") > 0, s.lines("PerSecond"));
            assertTrue(s.max("model_imageTokensPerSecond") > 0, s.lines("PerSecond"));
            assertTrue(s.max("model_prefillTokensPerSecond") > 0, s.lines("PerSecond"));
            // each model value once: the shared model's metrics sit in one operator's group
            assertEquals(1, s.lines("model_modelBytes").lines().count(), s.lines("model_modelBytes"));
            assertTrue(s.max("model_modelBytes") > 0);
            assertEquals(expected.images(), s.sum("model_imageDecodeMs_count"), "one VQ decode per image");
            assertTrue(s.sum("model_prefillMs_count") > 0 && s.sum("model_queueWaitMs_count") >= valid);
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** One scrape of the reporter's text exposition format. */
    record Scrape(List<String> samples) {
        static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)$");

        static Scrape of(int port) throws Exception {
            HttpClient http = HttpClient.newHttpClient();
            try {
                String body = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
                return new Scrape(body.lines().filter(l -> !l.startsWith("#")).toList());
            } catch (IOException e) {
                return new Scrape(List.of()); // the reporter is not up yet
            }
        }

        /** Values of metric {@code PREFIX + name} whose labels contain every {@code labels} part. */
        List<Double> values(String name, String... labels) {
            List<Double> out = new ArrayList<>();
            for (String l : samples) {
                Matcher m = LINE.matcher(l);
                if (m.matches() && m.group(1).equals(PREFIX + name)) {
                    String lb = m.group(2) == null ? "" : m.group(2);
                    boolean all = true;
                    for (String want : labels) {
                        all &= lb.contains(want);
                    }
                    if (all) {
                        out.add(Double.parseDouble(m.group(3)));
                    }
                }
            }
            return out;
        }

        long sum(String name, String... labels) {
            return Math.round(values(name, labels).stream().mapToDouble(Double::doubleValue).sum());
        }

        double max(String name, String... labels) {
            return values(name, labels).stream().mapToDouble(Double::doubleValue).max().orElse(0);
        }

        String lines(String part) {
            return String.join("\n", samples.stream().filter(l -> l.contains(part)).toList());
        }
    }
}
