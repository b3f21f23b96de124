package dev.janusstream.jobs;

import dev.janusstream.operators.KafkaInput;
import dev.janusstream.operators.KafkaInputDeserializer;
import dev.janusstream.operators.Outgoing;
import dev.janusstream.operators.OutgoingSerializer;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** The Kafka source and sink every job uses, from {@link JobOptions}. */
public final class KafkaIo {
    private KafkaIo() {}

    /** Undecoded records of one topic; offsets committed to the group on checkpoints. */
    public static KafkaSource<KafkaInput> source(JobOptions o, String topic) {
        Properties props = o.kafkaClientProperties();
        props.setProperty("isolation.level", "read_committed");
        var b = KafkaSource.<KafkaInput>builder()
                .setBootstrapServers(o.bootstrapServers)
                .setTopics(topic)
                .setGroupId(o.groupId)
                .setProperties(props)
                .setProperty("commit.offsets.on.checkpoint", "true")
                .setDeserializer(new KafkaInputDeserializer())
                .setStartingOffsets(switch (o.startFrom) {
                    case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                    case EARLIEST -> OffsetsInitializer.earliest();
                    case LATEST -> OffsetsInitializer.latest();
                });
        if (o.bounded) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    /** One sink for answers, images and dead letters, so a checkpoint commits all of them in one transaction. */
    public static KafkaSink<Outgoing> sink(JobOptions o) {
        Properties props = o.kafkaClientProperties();
        props.putIfAbsent("transaction.timeout.ms", Long.toString(o.transactionTimeoutMs));
        props.putIfAbsent("max.request.size", Integer.toString(32 * 1024 * 1024));
        var b = KafkaSink.<Outgoing>builder()
                .setBootstrapServers(o.bootstrapServers)
                .setKafkaProducerConfig(props)
                .setRecordSerializer(new OutgoingSerializer(o.answerTopic, o.generatedTopic, o.deadLetterTopic))
                .setDeliveryGuarantee(o.delivery);
        if (o.delivery == DeliveryGuarantee.EXACTLY_ONCE) {
            b.setTransactionalIdPrefix(o.transactionalIdPrefix);
        }
        return b.build();
    }
}
