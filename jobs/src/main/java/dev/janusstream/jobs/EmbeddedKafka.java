package dev.janusstream.jobs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * An in-process single-node Kafka (KRaft, combined broker + controller) for the demo, the tests
 * and the pipeline benchmark; configured for transactions on one node.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start() {
        return start(null);
    }

    public static EmbeddedKafka start(Path baseDir) {
        try {
            TestKitNodes.Builder nodes = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1);
            if (baseDir != null) {
                nodes.setBaseDirectory(baseDir);
            }
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes.build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("num.partitions", "1")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .setConfigProp("message.max.bytes", Integer.toString(32 * 1024 * 1024))
                    .setConfigProp("log.flush.interval.messages", "10000")
                    .build();
            java.io.PrintStream stdout = System.out;
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream())); // the kit prints its metadata
            try {
                cluster.format();
            } finally {
                System.setOut(stdout);
            }
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafka(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("embedded Kafka did not start: " + e, e);
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public void createTopics(int partitions, String... topics) {
        createTopics(bootstrapServers(), partitions, topics);
    }

    /** Creates topics (replication 1) on any cluster. */
    public static void createTopics(String bootstrap, int partitions, String... topics) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            List<NewTopic> ts = new ArrayList<>();
            for (String t : topics) {
                ts.add(new NewTopic(t, partitions, (short) 1).configs(Map.of("max.message.bytes", Integer.toString(32 * 1024 * 1024))));
            }
            admin.createTopics(ts).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topics: " + e, e);
        }
    }

    public KafkaProducer<byte[], byte[]> producer() {
        return producer(bootstrapServers());
    }

    public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("max.request.size", Integer.toString(32 * 1024 * 1024));
        // a busy 2-core machine can stall the in-process broker for tens of seconds: wait instead of
        // timing out, since a timed-out idempotent batch resent later is refused as out of order
        p.put("request.timeout.ms", "120000");
        p.put("delivery.timeout.ms", "300000");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends and flushes records of one topic, keyed by the given keys. */
    public static void send(KafkaProducer<byte[], byte[]> producer, String topic, List<byte[]> keys, List<byte[]> values) {
        for (int i = 0; i < values.size(); i++) {
            producer.send(new ProducerRecord<>(topic, keys.get(i), values.get(i)));
        }
        producer.flush();
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
