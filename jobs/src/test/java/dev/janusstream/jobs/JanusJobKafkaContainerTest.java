package dev.janusstream.jobs;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/** The end-to-end acceptance against a real Kafka in Docker; skipped where Docker is absent. */
@Testcontainers(disabledWithoutDocker = true)
class JanusJobKafkaContainerTest {
    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.0.0");

    @TempDir Path tmp;

    @Test
    void everyRequestEndsAsExactlyOneResultOrDeadLetterOnDockerKafka() throws Exception {
        JobOptions o = Scenario.options(KAFKA.getBootstrapServers(), "docker-e2e", tmp.resolve("images"));
        SampleEvents events = SampleEvents.standard(o, tmp.resolve("images"), 2, 4);
        Scenario.assertExactlyOnce(Scenario.run(KAFKA.getBootstrapServers(), o, events, x -> {}));
    }
}
