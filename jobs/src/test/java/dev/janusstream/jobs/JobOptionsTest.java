package dev.janusstream.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class JobOptionsTest {
    @TempDir Path model;

    @Test
    void defaultsAreTheDocumentedOnes() {
        JobOptions o = JobOptions.parse("--model", model.toString()).validate();
        assertEquals("localhost:9092", o.bootstrapServers);
        assertEquals("image-requests", o.imageTopic);
        assertEquals("prompt-requests", o.promptTopic);
        assertEquals("answers", o.answerTopic);
        assertEquals("generated-images", o.generatedTopic);
        assertEquals("dead-letters", o.deadLetterTopic);
        assertEquals(DeliveryGuarantee.EXACTLY_ONCE, o.delivery);
        assertTrue(o.transactionTimeoutMs <= 900_000, "within the broker's default maximum");
        assertEquals(JobOptions.StartFrom.COMMITTED, o.startFrom);
        assertFalse(o.bounded);
        assertTrue(o.allowedImageRoots.isEmpty(), "URIs refused unless roots are configured");
    }

    @Test
    void parsesEveryFlag() {
        JobOptions o = JobOptions.parse("--model", model.toString(), "--bootstrap-servers", "k:1", "--device", "gpu:1",
                "--batch-size", "3", "--max-batch-wait-ms", "5", "--parallelism", "2", "--delivery", "AT_LEAST_ONCE",
                "--checkpoint-interval-ms", "1000", "--kafka", "security.protocol=SASL_SSL", "--kafka", "sasl.mechanism=PLAIN",
                "--allowed-image-root", "file:///data/", "--allowed-image-root", "s3://b/in/").validate();
        assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, o.delivery);
        assertEquals("SASL_SSL", o.kafkaClientProperties().getProperty("security.protocol"));
        assertEquals(2, o.imagePolicy().allowedRoots().size());
        assertEquals(3, o.modelSpec().maxBatchSize());
        assertEquals("gpu:1", o.modelSpec().device());
    }

    @Test
    void reportsEveryProblemAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobOptions.parse(
                "--model", model.resolve("missing").toString(), "--answer-topic", "dead-letters", "--batch-size", "0",
                "--transaction-timeout-ms", "3600000", "--kafka", "group.id=x", "--device", "tpu").validate());
        String m = e.getMessage();
        assertTrue(m.contains("not a directory"), m);
        assertTrue(m.contains("must differ"), m);
        assertTrue(m.contains("unknown device"), m);
        assertTrue(m.contains("transaction.max.timeout.ms"), m);
        assertTrue(m.contains("group.id is set by the job"), m);
    }

    @Test
    void mainListsTheSubcommandsAndRejectsBadFlags() {
        CommandLine cl = Main.commandLine();
        assertTrue(cl.getSubcommands().keySet().containsAll(java.util.List.of("demo", "janus-job", "caption-job", "generate-job", "bench")));
        assertTrue(cl.getSubcommands().get("bench").getSubcommands().containsKey("pipeline"));
        assertEquals(2, Main.run("janus-job", "--model", model.resolve("missing").toString()));
        assertEquals(2, Main.run("janus-job")); // --model is required
    }

    @Test
    void insideFlinkBadFlagsThrowTheOneLineReasonInsteadOfExiting() {
        String missing = model.resolve("missing").toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Main.main(new String[] {"janus-job", "--model", missing, "--capacity", "0"}));
        assertEquals("invalid options: --model " + missing + " is not a directory; --capacity must be >= 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JanusJob.main(new String[] {"--model", missing, "--no-such-flag"}));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("--no-such-flag"), e.getMessage());
    }
}
