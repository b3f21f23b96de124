package dev.janusstream.operators;

import java.util.Map;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Routes each {@link Outgoing} to its topic, keyed by request id. */
public class OutgoingSerializer implements KafkaRecordSerializationSchema<Outgoing> {
    private static final long serialVersionUID = 1L;
    private final String answersTopic;
    private final String imagesTopic;
    private final String deadLetterTopic;

    public OutgoingSerializer(String answersTopic, String imagesTopic, String deadLetterTopic) {
        this.answersTopic = answersTopic;
        this.imagesTopic = imagesTopic;
        this.deadLetterTopic = deadLetterTopic;
    }

    public Map<Outgoing.Kind, String> topics() {
        return Map.of(Outgoing.Kind.ANSWER, answersTopic, Outgoing.Kind.IMAGE, imagesTopic, Outgoing.Kind.DEAD_LETTER, deadLetterTopic);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(Outgoing o, KafkaSinkContext context, Long timestamp) {
        String topic = switch (o.kind) {
            case ANSWER -> answersTopic;
            case IMAGE -> imagesTopic;
            case DEAD_LETTER -> deadLetterTopic;
        };
        return new ProducerRecord<>(topic, null, timestamp, o.key, o.value);
    }
}
