package dev.janusstream.jobs;

import dev.janusstream.operators.ModelSpec;
import dev.janusstream.operators.SlotModelService;
import dev.janusstream.runtime.DecodingParams;
import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.runtime.UnderstandRequest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.formats.avro.typeutils.AvroSchemaConverter;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.types.DataType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench sql}: rows/s through Flink SQL (Kafka tables → two ML_PREDICT queries of the
 * {@code janus} provider in one statement set, understand and generate → Kafka, exactly once)
 * divided by rows/s of the model service alone on the same requests. The model is loaded once
 * before both runs (the predict functions reuse it through the per-slot service).
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = "ML_PREDICT throughput / model-service throughput on the same requests.")
public class BenchSql implements Callable<Integer> {
    @Option(names = "--model", description = "checkpoint directory (default: the demo's tiny model)") Path model;
    @Option(names = "--out", defaultValue = "out/bench") Path out;
    @Option(names = "--images", defaultValue = "1500", description = "image rows (default: ${DEFAULT-VALUE})") int images;
    @Option(names = "--prompts", defaultValue = "500", description = "prompt rows, one image each (default: ${DEFAULT-VALUE})") int prompts;
    @Option(names = "--max-new-tokens", defaultValue = "16") int maxNewTokens;
    @Option(names = "--batch-size", defaultValue = "8") int batchSize;
    @Option(names = "--max-batch-wait-ms", defaultValue = "20") long maxBatchWaitMs;
    @Option(names = "--max-concurrent-operations", defaultValue = "32", description = "ML_PREDICT's async capacity (default: ${DEFAULT-VALUE})")
    int capacity;
    @Option(names = "--device", defaultValue = "auto") String device;
    @Option(names = "--checkpoint-interval", defaultValue = "10 s", description = "as the jobs' default: ${DEFAULT-VALUE}") String checkpointInterval;

    static final String QUESTION = "What is in the picture?";

    @Override
    public Integer call() throws Exception {
        out = out.toAbsolutePath().normalize();
        Files.createDirectories(out);
        Path modelDir = DemoModel.resolve(model, out, 1234);
        DataType imageRow = DataTypes.ROW(DataTypes.FIELD("id", DataTypes.STRING()), DataTypes.FIELD("image", DataTypes.BYTES()));
        DataType promptRow = DataTypes.ROW(DataTypes.FIELD("id", DataTypes.STRING()), DataTypes.FIELD("prompt", DataTypes.STRING()),
                DataTypes.FIELD("seed", DataTypes.BIGINT()));
        List<byte[]> imageBytes = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            imageBytes.add(SampleEvents.sampleImage(SampleEvents.SAMPLE_IMAGES.get(i % SampleEvents.SAMPLE_IMAGES.size())));
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(Files.createTempDirectory("janus-bench-sql-kafka"))) {
            kafka.createTopics(1, "images", "prompts", "answers", "generated");
            ModelSpec spec = new ModelSpec(modelDir.toString(), device, batchSize, maxBatchWaitMs, null);
            SlotModelService held = SlotModelService.acquire(spec, 0); // loaded once, reused by the SQL job
            try {
                serviceAlone(held, imageBytes, Math.min(images, 64), Math.min(prompts, 16)); // warm-up
                long t0 = System.nanoTime();
                serviceAlone(held, imageBytes, images, prompts);
                double serviceSeconds = (System.nanoTime() - t0) / 1e9;

                Schema imageSchema = AvroSchemaConverter.convertToSchema(imageRow.notNull().getLogicalType());
                Schema promptSchema = AvroSchemaConverter.convertToSchema(promptRow.notNull().getLogicalType());
                try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
                    for (int i = 0; i < images; i++) {
                        producer.send(new ProducerRecord<>("images", avro(imageSchema, "img-" + i, ByteBuffer.wrap(imageBytes.get(i)))));
                    }
                    for (int i = 0; i < prompts; i++) {
                        producer.send(new ProducerRecord<>("prompts", avro(promptSchema, "prompt-" + i, prompt(i), (long) i)));
                    }
                    producer.flush();
                }
                TableEnvironment t = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
                t.getConfig().set("parallelism.default", "1");
                t.getConfig().set("execution.checkpointing.interval", checkpointInterval);
                t.getConfig().set("execution.checkpointing.unaligned.enabled", "true");
                String b = kafka.bootstrapServers();
                t.executeSql(table("images", "id STRING, image BYTES", b));
                t.executeSql(table("prompts", "id STRING, prompt STRING, seed BIGINT", b));
                t.executeSql(table("answers", "id STRING, answer STRING, error_code STRING", b));
                t.executeSql(table("generated", "id STRING, image BYTES, error_code STRING", b));
                String with = "'provider' = 'janus', 'model-dir' = '" + modelDir + "', 'device' = '" + device + "', 'batch-size' = '"
                        + batchSize + "', 'max-batch-wait' = '" + maxBatchWaitMs + " ms'";
                t.executeSql("CREATE MODEL caption INPUT (image BYTES) OUTPUT (answer STRING, error_code STRING) WITH (" + with
                        + ", 'task' = 'understand', 'question' = '" + QUESTION + "', 'max-new-tokens' = '" + maxNewTokens + "')");
                t.executeSql("CREATE MODEL painter INPUT (prompt STRING, seed BIGINT) OUTPUT (image BYTES, error_code STRING) WITH (" + with
                        + ", 'task' = 'generate')");
                String async = "MAP['max-concurrent-operations', '" + capacity + "', 'output-mode', 'allow_unordered']";
                StatementSet set = t.createStatementSet();
                set.addInsertSql("INSERT INTO answers SELECT id, answer, error_code FROM ML_PREDICT(TABLE images, MODEL caption, "
                        + "DESCRIPTOR(image), " + async + ")");
                set.addInsertSql("INSERT INTO generated SELECT id, image, error_code FROM ML_PREDICT(TABLE prompts, MODEL painter, "
                        + "DESCRIPTOR(prompt, seed), " + async + ")");
                long j0 = System.nanoTime();
                set.execute().await(2, TimeUnit.HOURS);
                double jobSeconds = (System.nanoTime() - j0) / 1e9;

                long[] span = {Long.MAX_VALUE, Long.MIN_VALUE};
                int answers = countCommitted(b, "answers", span);
                int generated = countCommitted(b, "generated", span);
                int rows = images + prompts;
                double steadySeconds = (span[1] - span[0]) / 1e3;
                double serviceRate = rows / serviceSeconds;
                double jobRate = rows / jobSeconds;
                double steadyRate = (rows - 1) / steadySeconds;
                String report = String.join("\n",
                        "bench sql",
                        "  model:              " + modelDir,
                        String.format("  rows:               %d image rows (understand, max %d new tokens) + %d prompt rows (generate, 1 image)",
                                images, maxNewTokens, prompts),
                        String.format("  service alone:      %.2f s, %.2f rows/s", serviceSeconds, serviceRate),
                        String.format("  ML_PREDICT (job):   %.2f s, %.2f rows/s  (incl. planning, job start and final commit; exactly once)",
                                jobSeconds, jobRate),
                        String.format("  ML_PREDICT (steady): %.2f s first->last output, %.2f rows/s", steadySeconds, steadyRate),
                        String.format("  ratio:              %.3f end to end, %.3f steady state (target >= 0.9)", jobRate / serviceRate,
                                steadyRate / ((rows - 1) / serviceSeconds)),
                        String.format("  rows committed:     %d answers, %d images (read_committed)", answers, generated));
                System.out.println(report);
                Files.writeString(out.resolve("bench-sql.txt"), report + "\n");
                return answers == images && generated == prompts ? 0 : 1;
            } finally {
                held.release();
            }
        }
    }

    static String prompt(int i) {
        return "benchmark prompt number " + i;
    }

    /**
     * The same requests straight into the service, all submitted at once, image and prompt
     * requests interleaved in their proportion (as the two queries' sources deliver them), so
     * that both sides can share decoder forwards between understanding and generation rows.
     */
    private void serviceAlone(SlotModelService s, List<byte[]> imageBytes, int images, int prompts) throws Exception {
        List<CompletableFuture<?>> fs = new ArrayList<>();
        int p = 0;
        for (int i = 0; i < images || p < prompts; i++) {
            if (i < images) {
                dev.janusstream.operators.ImageProbe.check(imageBytes.get(i), dev.janusstream.operators.RequestLimits.defaults().maxImagePixels());
                fs.add(s.understand(new UnderstandRequest("img-" + i, List.of(imageBytes.get(i)), QUESTION,
                        DecodingParams.GREEDY.withMaxNewTokens(maxNewTokens))));
            }
            while (p < prompts && (long) p * images <= (long) i * prompts) {
                fs.add(s.generate(new GenerateRequest("prompt-" + p, prompt(p), 1, 5f, 1f, 0, 1f, p, dev.janusstream.runtime.ImageFormat.PNG)));
                p++;
            }
        }
        CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(2, TimeUnit.HOURS);
    }

    private static String table(String topic, String columns, String bootstrap) {
        return "CREATE TABLE " + topic + " (" + columns + ") WITH ('connector' = 'kafka', 'topic' = '" + topic + "', "
                + "'properties.bootstrap.servers' = '" + bootstrap + "', 'properties.group.id' = 'bench-sql', "
                + "'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'avro', "
                + "'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'bench-sql-" + topic + "', "
                + "'properties.transaction.timeout.ms' = '600000', 'properties.max.request.size' = '33554432')";
    }

    private static byte[] avro(Schema schema, Object... fields) {
        GenericRecord r = new GenericData.Record(schema);
        for (int i = 0; i < fields.length; i++) {
            r.put(i, fields[i]);
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(bytes, null);
            new GenericDatumWriter<GenericRecord>(schema).write(r, enc);
            enc.flush();
            return bytes.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Records a read_committed consumer sees; widens {@code span} to their first and last timestamps (ms). */
    private static int countCommitted(String bootstrap, String topic, long[] span) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        p.put("max.partition.fetch.bytes", Integer.toString(32 * 1024 * 1024));
        int n = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    n++;
                    span[0] = Math.min(span[0], r.timestamp());
                    span[1] = Math.max(span[1], r.timestamp());
                }
            }
        }
        return n;
    }
}
