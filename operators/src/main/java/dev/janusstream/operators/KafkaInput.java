package dev.janusstream.operators;

import java.util.Arrays;

/**
 * One consumed Kafka record, undecoded, with where it came from: what flows from the sources into
 * the operators, so that a record that does not even decode can still become a dead letter with
 * its topic, partition and offset. A Flink POJO (byte arrays need no Kryo).
 */
public class KafkaInput {
    public String topic;
    public int partition;
    public long offset;
    public long timestamp;
    public byte[] key;
    public byte[] value;

    public KafkaInput() {}

    public KafkaInput(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset + " (" + (value == null ? "null" : value.length + " B") + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KafkaInput k && k.topic.equals(topic) && k.partition == partition && k.offset == offset
                && Arrays.equals(k.value, value);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(offset) * 31 + partition;
    }
}
