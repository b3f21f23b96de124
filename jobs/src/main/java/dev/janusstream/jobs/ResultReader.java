package dev.janusstream.jobs;

import dev.janusstream.schemas.AnswerResult;
import dev.janusstream.schemas.DeadLetter;
import dev.janusstream.schemas.GeneratedImageResult;
import dev.janusstream.schemas.WireFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the three output topics with {@code isolation.level=read_committed} (what downstream
 * consumers of an exactly-once job must do) and decodes them. Not thread-safe.
 */
public final class ResultReader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String answerTopic;
    private final String generatedTopic;
    private final String deadLetterTopic;
    public final List<AnswerResult> answers = new ArrayList<>();
    public final List<GeneratedImageResult> images = new ArrayList<>();
    public final List<DeadLetter> deadLetters = new ArrayList<>();
    /** Keys as read, per topic, to check that results are keyed by request id. */
    public final List<Map.Entry<String, String>> keys = new ArrayList<>();

    public ResultReader(String bootstrap, JobOptions o) {
        this(bootstrap, o.answerTopic, o.generatedTopic, o.deadLetterTopic, new Properties());
    }

    public ResultReader(String bootstrap, String answerTopic, String generatedTopic, String deadLetterTopic, Properties extra) {
        this.answerTopic = answerTopic;
        this.generatedTopic = generatedTopic;
        this.deadLetterTopic = deadLetterTopic;
        Properties p = new Properties();
        p.putAll(extra);
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", "janus-reader-" + UUID.randomUUID());
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        p.put("isolation.level", "read_committed");
        p.put("max.partition.fetch.bytes", Integer.toString(32 * 1024 * 1024));
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(answerTopic, generatedTopic, deadLetterTopic));
    }

    public int total() {
        return answers.size() + images.size() + deadLetters.size();
    }

    /** Polls once; each new record is decoded, stored and passed to {@code onRecord}. */
    public int poll(Duration d, Consumer<Object> onRecord) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(d)) {
            Object v;
            if (r.topic().equals(answerTopic)) {
                AnswerResult a = WireFormat.ANSWER.decode(r.value());
                answers.add(a);
                v = a;
            } else if (r.topic().equals(generatedTopic)) {
                GeneratedImageResult g = WireFormat.GENERATED_IMAGE.decode(r.value());
                images.add(g);
                v = g;
            } else {
                DeadLetter dl = WireFormat.DEAD_LETTER.decode(r.value());
                deadLetters.add(dl);
                v = dl;
            }
            keys.add(Map.entry(r.topic(), r.key() == null ? "" : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8)));
            onRecord.accept(v);
            n++;
        }
        return n;
    }

    /** Polls until {@code expected} records arrived or the time is up; then a short grace poll for extras. */
    public void awaitAtLeast(int expected, Duration timeout, Duration grace) {
        long end = System.nanoTime() + timeout.toNanos();
        while (total() < expected && System.nanoTime() < end) {
            poll(Duration.ofMillis(200), r -> {});
        }
        long graceEnd = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < graceEnd) {
            poll(Duration.ofMillis(100), r -> {});
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
