package dev.janusstream.cluster;

import static org.junit.jupiter.api.Assertions.*;

import dev.janusstream.jobs.EmbeddedKafka;
import dev.janusstream.jobs.JobOptions;
import dev.janusstream.jobs.ResultReader;
import dev.janusstream.jobs.SampleEvents;
import dev.janusstream.runtime.ModelPreset;
import dev.janusstream.schemas.AnswerResult;
import dev.janusstream.schemas.DeadLetter;
import dev.janusstream.schemas.GeneratedImageResult;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The jobs on a real Flink cluster, deployed as README's "Running on a Flink cluster" tells users:
 * a Kafka broker (KRaft), a JobManager and two TaskManagers, each its own JVM started from Maven
 * artifacts; {@code cluster/target/flink-lib/} in Flink's {@code lib/}; the job submitted from
 * {@code cluster/target/janus-stream-job.jar} with Flink's client. It checks: exactly one result
 * per request in {@code read_committed} output through a SIGKILL of a TaskManager mid-stream;
 * cancel + resubmit to the same TaskManager JVMs; an upgrade through a savepoint
 * ({@code flink stop --savepointPath}, {@code flink run -s}); user-code class loaders that do not
 * accumulate over submissions; a REST submission with a bad {@code --model} fails with its reason while the
 * JobManager keeps answering; and TaskManager RSS over repeated submit/cancel cycles
 * ({@code -Djanus.it.cycles}, 5 by default).
 *
 * <p>Alone: {@code mvn -B verify -pl cluster -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ProcessClusterIT}.
 */
class ProcessClusterIT {
    static final String USER_CODE_CLASS_LOADER =
            "org.apache.flink.util.ChildFirstClassLoader";

    /** conf/config.yaml, as README gives it (ports and paths are this run's). */
    static String flinkConfig(int rpcPort, int restPort, Path checkpoints) {
        return """
                jobmanager.rpc.address: localhost
                jobmanager.rpc.port: %d
                jobmanager.bind-host: localhost
                rest.address: localhost
                rest.bind-address: localhost
                rest.port: %d
                taskmanager.host: localhost
                taskmanager.bind-host: localhost
                jobmanager.memory.process.size: 1024m
                taskmanager.numberOfTaskSlots: 1
                # the model lives outside the Java heap (libtorch): budget it as task off-heap memory
                taskmanager.memory.process.size: 1536m
                taskmanager.memory.task.off-heap.size: 256m
                taskmanager.memory.managed.size: 0m
                janus.model.memory-check: FAIL
                # what cluster/target/flink-lib/ holds loads once per JVM, from lib/
                classloader.parent-first-patterns.additional: ai.djl.;com.sun.jna.;com.twelvemonkeys.;com.github.luben.zstd.
                execution.checkpointing.dir: %s
                restart-strategy.type: fixed-delay
                restart-strategy.fixed-delay.attempts: 100
                restart-strategy.fixed-delay.delay: 2 s
                heartbeat.interval: 3 s
                env.java.opts.all: %s
                """.formatted(rpcPort, restPort, checkpoints.toUri(), LocalProcesses.FLINK_JAVA_OPTS);
    }

    private final Map<String, Integer> answersExpected = new LinkedHashMap<>();
    private final Map<String, Integer> imagesExpected = new LinkedHashMap<>();
    private final Map<String, String> deadLettersExpected = new LinkedHashMap<>();
    private final List<String> report = new ArrayList<>();
    private int batch;

    @Test
    void submitKillCancelResubmitAndBadRestSubmissionOnProcesses() throws Exception {
        Path clusterDir = Path.of(System.getProperty("janus.cluster.dir", "target")).toAbsolutePath();
        Path base = clusterDir.resolve("process-cluster");
        deleteRecursively(base);
        Path jobJar = clusterDir.resolve("janus-stream-job.jar");
        Path model = base.resolve("models/janus-tiny");
        Path images = base.resolve("images");
        ModelPreset.TINY.writeCheckpoint(model, 7);
        long t0 = System.nanoTime();

        try (LocalProcesses c = new LocalProcesses(base)) {
            // started side by side, as separate machines would be
            java.util.concurrent.CompletableFuture<Void> kafka = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    c.startKafka(Path.of(System.getProperty("janus.kafka.libs")));
                    EmbeddedKafka.createTopics(c.bootstrapServers(), 2, JobOptions.IMAGE_TOPIC, JobOptions.PROMPT_TOPIC,
                            JobOptions.ANSWER_TOPIC, JobOptions.GENERATED_TOPIC, JobOptions.DEAD_LETTER_TOPIC);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            c.installFlink(Path.of(System.getProperty("janus.flink.lib")), clusterDir.resolve("flink-lib"),
                    flinkConfig(c.rpcPort, c.restPort, base.resolve("checkpoints")));
            Process jm = c.startJobManager();
            Process tm1 = c.startTaskManager();
            Process tm2 = c.startTaskManager();
            c.awaitJobManager(jm);
            c.awaitTaskManagers(2, tm1, tm2);
            kafka.join();
            note("cluster up: Kafka, JobManager, 2 TaskManagers (%s)", secondsSince(t0));

            List<String> jobArgs = List.of("janus-job", "--bootstrap-servers", c.bootstrapServers(), "--model", model.toString(),
                    "--allowed-image-root", images.toUri().toString(), "--parallelism", "2", "--checkpoint-interval-ms", "2000");
            JobOptions o = JobOptions.parse(jobArgs.subList(1, jobArgs.size()).toArray(String[]::new));

            try (KafkaProducer<byte[], byte[]> producer = EmbeddedKafka.producer(c.bootstrapServers());
                    ResultReader results = new ResultReader(c.bootstrapServers(), o)) {
                // 1. flink run -d, as README says
                long t = System.nanoTime();
                String job1 = c.flinkRunDetached(jobJar, jobArgs);
                LocalProcesses.await("job 1 running", Duration.ofSeconds(180), () -> c.allTasksRunning(job1));
                note("flink run -d: job %s running on both TaskManagers (%s)", job1, secondsSince(t));
                expect(SampleEvents.standard(o, images, 2, 8).publish(producer));
                awaitExactlyOnce(results, Duration.ofSeconds(180));
                note("first batch: %d results, exactly one per request (%s)", results.total(), secondsSince(t));

                // 2. SIGKILL a TaskManager while requests are in flight, start a replacement
                expect(batch(o, 24, 4).publish(producer));
                Thread.sleep(1500);
                int committedBeforeKill = results.total();
                t = System.nanoTime();
                long killedAt = System.currentTimeMillis();
                tm2.destroyForcibly().waitFor();
                Process tm3 = c.startTaskManager();
                LocalProcesses.await("the JobManager to notice the lost TaskManager", Duration.ofSeconds(180),
                        () -> c.lastEntered(job1, "RESTARTING") >= killedAt);
                String detected = secondsSince(t);
                c.awaitTaskManagers(2, tm1, tm3);
                LocalProcesses.await("job 1 running again after the kill", Duration.ofSeconds(240), () -> c.allTasksRunning(job1));
                note("SIGKILL of a TaskManager with requests in flight (%d of %d results committed): job restarting after %s,"
                        + " all tasks running on the replacement %s after the kill", committedBeforeKill, expectedTotal(), detected,
                        secondsSince(t));
                awaitExactlyOnce(results, Duration.ofSeconds(240));
                note("after recovery: %d results, exactly one per request", results.total());

                // 3. cancel and resubmit to the same TaskManager JVMs
                awaitOffsetsCommitted(c.bootstrapServers(), o);
                c.flink("cancel", job1);
                LocalProcesses.await("job 1 canceled", Duration.ofSeconds(120), () -> c.jobState(job1).equals("CANCELED"));
                t = System.nanoTime();
                String job2 = c.flinkRunDetached(jobJar, jobArgs);
                LocalProcesses.await("job 2 running", Duration.ofSeconds(180), () -> c.allTasksRunning(job2));
                expect(batch(o, 8, 2).publish(producer));
                awaitExactlyOnce(results, Duration.ofSeconds(180));
                note("cancel + resubmit on the same TaskManagers: job %s, %d results, exactly one per request (%s)", job2, results.total(),
                        secondsSince(t));
                assertEquals("RUNNING", c.jobState(job2), "the resubmitted job keeps running");
                long loaders = LocalProcesses.liveInstances(tm1, USER_CODE_CLASS_LOADER);
                assertTrue(loaders >= 1, "the running job's class loader is counted: " + loaders);

                // 4. a REST submission with a bad --model fails with its reason; the JobManager keeps answering
                String jarId = c.uploadJar(jobJar);
                List<String> badArgs = new ArrayList<>(jobArgs);
                badArgs.set(badArgs.indexOf("--model") + 1, "/no/such/dir");
                HttpResponse<String> bad = c.runJar(jarId, badArgs);
                assertNotEquals(200, bad.statusCode(), bad.body());
                assertTrue(bad.body().contains("--model /no/such/dir is not a directory"), bad.body());
                assertTrue(c.restOk("/overview"), "the JobManager answers after the bad submission");
                assertEquals("RUNNING", c.jobState(job2), "and the running job is untouched");
                java.util.regex.Matcher reason = java.util.regex.Pattern.compile("invalid options: [^\\\\\"]*").matcher(bad.body());
                note("REST /jars/{id}/run with --model /no/such/dir: HTTP %d \"...%s\"; JobManager alive, job 2 running",
                        bad.statusCode(), reason.find() ? reason.group() : bad.body());

                // 5. an upgrade: stop with a savepoint, start from it on the same TaskManagers
                t = System.nanoTime();
                String stopped = c.flink("stop", "--savepointPath", base.resolve("savepoints").toUri().toString(), job2);
                java.util.regex.Matcher savepoint = java.util.regex.Pattern.compile("Savepoint completed\\. Path: (\\S+)").matcher(stopped);
                assertTrue(savepoint.find(), stopped);
                String job3 = c.flinkRunDetached(List.of("-s", savepoint.group(1)), jobJar, jobArgs);
                LocalProcesses.await("job 3 running", Duration.ofSeconds(180), () -> c.allTasksRunning(job3));
                expect(batch(o, 8, 2).publish(producer));
                awaitExactlyOnce(results, Duration.ofSeconds(180));
                note("flink stop --savepointPath + flink run -s on the same TaskManagers: job %s, %d results, exactly one per request (%s)",
                        job3, results.total(), secondsSince(t));

                // 6. user-code class loaders left after the jobs end (Flink releases them once the job is gone)
                awaitOffsetsCommitted(c.bootstrapServers(), o); // a cancel re-delivers what the group has not committed
                c.flink("cancel", job3);
                LocalProcesses.await("job 3 canceled", Duration.ofSeconds(120), () -> c.jobState(job3).equals("CANCELED"));
                long[] loadersAfterJobs = {awaitUserCodeClassLoadersAtMost(tm1, 0), awaitUserCodeClassLoadersAtMost(tm3, 0)};
                note("after the three jobs ended: %d and %d user-code class loaders still alive on the TaskManagers"
                        + " (jcmd GC.class_histogram, 60 s after the cancel)", loadersAfterJobs[0], loadersAfterJobs[1]);

                // 7. RSS over repeated submit/cancel cycles (REST, as the web UI does)
                int cycles = Integer.getInteger("janus.it.cycles", 5);
                Map<Integer, long[]> rss = new TreeMap<>();
                for (int i = 1; i <= cycles; i++) {
                    HttpResponse<String> run = c.runJar(jarId, jobArgs);
                    assertEquals(200, run.statusCode(), run.body());
                    String job = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.body()).path("jobid").asText();
                    LocalProcesses.await("cycle job running", Duration.ofSeconds(180), () -> c.allTasksRunning(job));
                    expect(batch(o, 4, 1).publish(producer));
                    awaitExactlyOnce(results, Duration.ofSeconds(180));
                    awaitOffsetsCommitted(c.bootstrapServers(), o);
                    c.rest("PATCH", "/jobs/" + job + "?mode=cancel", HttpRequest.BodyPublishers.noBody(), null);
                    LocalProcesses.await("cycle job canceled", Duration.ofSeconds(120), () -> c.jobState(job).equals("CANCELED"));
                    // class loaders do not pile up: every cycle's job releases its own
                    long[] alive = {awaitUserCodeClassLoadersAtMost(tm1, loadersAfterJobs[0]),
                        awaitUserCodeClassLoadersAtMost(tm3, loadersAfterJobs[1])};
                    assertTrue(alive[0] <= loadersAfterJobs[0] && alive[1] <= loadersAfterJobs[1],
                            "user-code class loaders accumulate: " + alive[0] + ", " + alive[1]);
                    rss.put(i, new long[] {LocalProcesses.rss(tm1), LocalProcesses.rss(tm3)});
                    note("submit/cancel cycle %d: TaskManager RSS %d MiB, %d MiB; user-code class loaders alive %d, %d; %d results,"
                            + " exactly one per request", i, rss.get(i)[0] >> 20, rss.get(i)[1] >> 20, alive[0], alive[1], results.total());
                }
                if (cycles >= 2) {
                    for (int tm = 0; tm < 2; tm++) {
                        double growth = (double) rss.get(cycles)[tm] / rss.get(1)[tm] - 1;
                        note("TaskManager %d RSS after %d submit/cancel cycles vs after the first: %d -> %d MiB (%+.1f %%)", tm + 1, cycles,
                                rss.get(1)[tm] >> 20, rss.get(cycles)[tm] >> 20, 100 * growth);
                        assertTrue(growth <= 0.15, "RSS grew " + growth);
                    }
                }
            }
            note("total %s", secondsSince(t0));
        } finally {
            report.forEach(System.out::println);
        }
    }

    /** Captions (inline and by URI), prompts and bad records with ids of their own. */
    private SampleEvents batch(JobOptions o, int captions, int prompts) {
        int b = ++batch;
        SampleEvents e = new SampleEvents(o);
        for (int i = 0; i < captions; i++) {
            e.caption("b" + b + "-img-" + i, SampleEvents.sampleImage(SampleEvents.SAMPLE_IMAGES.get(i % 3)), null, 8, i);
        }
        for (int i = 0; i < prompts; i++) {
            e.prompt("b" + b + "-prompt-" + i, "a red fox number " + i, 2, i);
        }
        e.bad(o.imageTopic, "b" + b + "-garbage", "not avro".getBytes(StandardCharsets.UTF_8), "DESERIALIZATION");
        e.bad(o.promptTopic, "b" + b + "-empty", new byte[0], "DESERIALIZATION");
        return e;
    }

    private void expect(SampleEvents.Expected e) {
        e.answerIds().forEach(id -> answersExpected.merge(id, 1, Integer::sum));
        imagesExpected.putAll(e.imagesPerPrompt());
        deadLettersExpected.putAll(e.deadLetterCodes());
    }

    private int expectedTotal() {
        return answersExpected.size() + imagesExpected.values().stream().mapToInt(Integer::intValue).sum() + deadLettersExpected.size();
    }

    /** Waits for every expected result, then checks there is exactly one per request (and no extra). */
    private void awaitExactlyOnce(ResultReader results, Duration timeout) {
        int total = expectedTotal();
        results.awaitAtLeast(total, timeout, Duration.ofSeconds(3));
        Map<String, Integer> answers = new HashMap<>();
        for (AnswerResult a : results.answers) {
            answers.merge(a.getRequestId(), 1, Integer::sum);
        }
        assertEquals(answersExpected, answers, "one answer per image request");
        Map<String, List<Integer>> images = new HashMap<>();
        for (GeneratedImageResult g : results.images) {
            images.computeIfAbsent(g.getRequestId(), k -> new ArrayList<>()).add(g.getIndex());
        }
        for (Map.Entry<String, Integer> e : imagesExpected.entrySet()) {
            List<Integer> got = images.getOrDefault(e.getKey(), List.of()).stream().sorted().toList();
            assertEquals(java.util.stream.IntStream.range(0, e.getValue()).boxed().toList(), got, "images of " + e.getKey());
        }
        assertEquals(imagesExpected.keySet(), images.keySet(), "no images for unknown requests");
        Map<String, String> dead = new HashMap<>();
        for (DeadLetter d : results.deadLetters) {
            String key = StandardCharsets.UTF_8.decode(d.getKey().duplicate()).toString();
            assertNull(dead.put(key, d.getErrorCode()), "one dead letter for " + key);
        }
        assertEquals(deadLettersExpected, dead, "one dead letter per bad record, with its code");
        assertEquals(total, results.total(), "nothing else");
    }

    /** The job's consumer group has committed every input offset (a cancel now loses and repeats nothing). */
    private static void awaitOffsetsCommitted(String bootstrap, JobOptions o) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            LocalProcesses.await("input offsets committed", Duration.ofSeconds(120), () -> {
                try {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(o.groupId)
                            .partitionsToOffsetAndMetadata().get();
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    for (String topic : List.of(o.imageTopic, o.promptTopic)) {
                        for (int p = 0; p < 2; p++) {
                            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
                        }
                    }
                    for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : admin.listOffsets(latest).all().get().entrySet()) {
                        OffsetAndMetadata m = committed.get(e.getKey());
                        if (e.getValue().offset() > 0 && (m == null || m.offset() < e.getValue().offset())) {
                            return false;
                        }
                    }
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    /** Live user-code class loaders on a TaskManager once at most {@code n}, or after 60 s (Flink releases a job's lazily). */
    private static long awaitUserCodeClassLoadersAtMost(Process tm, long n) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long alive;
        while ((alive = LocalProcesses.liveInstances(tm, USER_CODE_CLASS_LOADER)) > n && System.nanoTime() < end) {
            Thread.sleep(2000);
        }
        return alive;
    }

    private void note(String format, Object... args) {
        String line = "[ProcessClusterIT] " + String.format(java.util.Locale.ROOT, format, args);
        report.add(line);
        System.out.println(line);
    }

    private static String secondsSince(long t0) {
        return String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - t0) / 1e9);
    }

    private static void deleteRecursively(Path p) throws Exception {
        if (Files.exists(p)) {
            try (var s = Files.walk(p)) {
                for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        }
    }
}
