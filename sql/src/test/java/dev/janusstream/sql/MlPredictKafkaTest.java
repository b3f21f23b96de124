package dev.janusstream.sql;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.janusstream.operators.SlotModelService;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.types.DataType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on real parts: Kafka tables on an in-process KRaft broker, Flink's Kafka SQL
 * connector and Avro format, ML_PREDICT with the janus provider on the MiniCluster, the tiny
 * golden checkpoint (random weights: its text and images are noise, so structure, counts,
 * determinism and probabilities are asserted), exactly-once sinks read back {@code read_committed}.
 */
class MlPredictKafkaTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));

    @TempDir
    static Path tmp;
    static KafkaBroker kafka;

    static final DataType IMAGES = DataTypes.ROW(DataTypes.FIELD("id", DataTypes.STRING()), DataTypes.FIELD("image", DataTypes.BYTES()),
            DataTypes.FIELD("question", DataTypes.STRING()));
    static final DataType CAPTIONS = DataTypes.ROW(DataTypes.FIELD("id", DataTypes.STRING()), DataTypes.FIELD("answer", DataTypes.STRING()),
            DataTypes.FIELD("token_count", DataTypes.INT()), DataTypes.FIELD("error_code", DataTypes.STRING()),
            DataTypes.FIELD("error_message", DataTypes.STRING()));
    static final DataType LABELS = DataTypes.ROW(DataTypes.FIELD("id", DataTypes.STRING()), DataTypes.FIELD("label", DataTypes.STRING()),
            DataTypes.FIELD("probability", DataTypes.DOUBLE()), DataTypes.FIELD("log_likelihoods", DataTypes.ARRAY(DataTypes.DOUBLE())),
            DataTypes.FIELD("error_code", DataTypes.STRING()));
    static final DataType PROMPTS = DataTypes.ROW(DataTypes.FIELD("id", DataTypes.STRING()), DataTypes.FIELD("prompt", DataTypes.STRING()),
            DataTypes.FIELD("num_images", DataTypes.INT()), DataTypes.FIELD("seed", DataTypes.BIGINT()));
    static final DataType GENERATED = DataTypes.ROW(DataTypes.FIELD("id", DataTypes.STRING()), DataTypes.FIELD("idx", DataTypes.INT()),
            DataTypes.FIELD("seed", DataTypes.BIGINT()), DataTypes.FIELD("image", DataTypes.BYTES()), DataTypes.FIELD("width", DataTypes.INT()),
            DataTypes.FIELD("height", DataTypes.INT()), DataTypes.FIELD("error_code", DataTypes.STRING()));

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaBroker.start(tmp.resolve("kafka"));
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    static TableEnvironment tableEnv() {
        TableEnvironment t = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        t.getConfig().set("parallelism.default", "1");
        t.getConfig().set("execution.checkpointing.interval", "1 s");
        return t;
    }

    /** A Kafka table with Avro values: a bounded source (earliest to the offsets at start) and an exactly-once sink. */
    static String kafkaTable(String name, String columns, String topic) {
        return "CREATE TABLE " + name + " (" + columns + ") WITH ("
                + "'connector' = 'kafka', 'topic' = '" + topic + "', 'properties.bootstrap.servers' = '" + kafka.bootstrapServers() + "', "
                + "'properties.group.id' = 'sql-test', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', "
                + "'format' = 'avro', 'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'sql-test-" + topic + "', "
                + "'properties.transaction.timeout.ms' = '60000')";
    }

    static byte[] image(String name) throws Exception {
        return Files.readAllBytes(GOLDEN.resolve("images").resolve(name));
    }

    @Test
    void imagesInKafkaToCaptionsAndLabelsExactlyOnceWithOneModelLoadForBothQueries() throws Exception {
        kafka.createTopics("images", "captions", "labels");
        AvroRows in = new AvroRows(IMAGES);
        String q = "What is in the picture?";
        kafka.send("images", List.of(
                in.encode("a1", image("imgA.png"), q),
                in.encode("b", image("imgB.png"), null),
                in.encode("c", image("imgC.png"), "Which colour?"),
                in.encode("a2", image("imgA.png"), q),             // same request as a1: same answer
                in.encode("not-an-image", new byte[] {1, 2, 3}, q),
                in.encode("no-image", null, q)));

        TableEnvironment t = tableEnv();
        t.executeSql(kafkaTable("images", "id STRING, image BYTES, question STRING", "images"));
        t.executeSql(kafkaTable("captions", "id STRING, answer STRING, token_count INT, error_code STRING, error_message STRING", "captions"));
        t.executeSql(kafkaTable("labels", "id STRING, label STRING, probability DOUBLE, log_likelihoods ARRAY<DOUBLE>, error_code STRING", "labels"));
        t.executeSql("CREATE MODEL caption INPUT (image BYTES, question STRING) "
                + "OUTPUT (answer STRING, token_count INT, error_code STRING, error_message STRING) "
                + "WITH ('provider' = 'janus', 'task' = 'understand', 'model-dir' = '" + GOLDEN + "', 'max-new-tokens' = '6', 'device' = 'cpu')");
        t.executeSql("CREATE MODEL labeler INPUT (image BYTES) "
                + "OUTPUT (label STRING, probability DOUBLE, log_likelihoods ARRAY<DOUBLE>, error_code STRING) "
                + "WITH ('provider' = 'janus', 'task' = 'label', 'model-dir' = '" + GOLDEN + "', 'device' = 'cpu', "
                + "'question' = 'Which animal is it?', 'labels' = 'cat;dog;bird')");

        awaitModelsClosed();
        int loads = SlotModelService.COUNTERS.loads.get();
        int acquires = SlotModelService.COUNTERS.acquires.get();
        long requests = SlotModelService.COUNTERS.requests.get();
        long batches = SlotModelService.COUNTERS.batches.get();
        StatementSet set = t.createStatementSet();
        set.addInsertSql("INSERT INTO captions SELECT id, answer, token_count, error_code, error_message "
                + "FROM ML_PREDICT(TABLE images, MODEL caption, DESCRIPTOR(image, question), MAP['max-concurrent-operations', '16'])");
        set.addInsertSql("INSERT INTO labels SELECT id, label, probability, log_likelihoods, error_code "
                + "FROM ML_PREDICT(TABLE images, MODEL labeler, DESCRIPTOR(image))");
        set.execute().await(5, TimeUnit.MINUTES);

        assertEquals(1, SlotModelService.COUNTERS.loads.get() - loads, "one model load for both ML_PREDICT queries");
        assertEquals(2, SlotModelService.COUNTERS.acquires.get() - acquires, "both predict functions acquired the service");
        long served = SlotModelService.COUNTERS.requests.get() - requests;
        assertEquals(8, served, "4 good rows per query reached the model; bad rows never did");
        assertTrue(SlotModelService.COUNTERS.batches.get() - batches < served, "rows were batched into shared model calls");

        AvroRows out = new AvroRows(CAPTIONS);
        Map<String, GenericRecord> captions = byId(kafka.readAll("captions", true), out);
        assertEquals(Set.of("a1", "b", "c", "a2", "not-an-image", "no-image"), captions.keySet(), "one row per image row, exactly once");
        for (String id : List.of("a1", "b", "c", "a2")) {
            GenericRecord r = captions.get(id);
            assertNotNull(r.get("answer"), id);
            assertTrue((Integer) r.get("token_count") >= 1 && (Integer) r.get("token_count") <= 6, id + " at most max-new-tokens");
            assertNull(r.get("error_code"), id);
        }
        assertEquals(captions.get("a1").get("answer").toString(), captions.get("a2").get("answer").toString(), "greedy: same row, same answer");
        assertEquals("IMAGE_UNDECODABLE", captions.get("not-an-image").get("error_code").toString());
        assertNull(captions.get("not-an-image").get("answer"));
        assertEquals("MISSING_IMAGE", captions.get("no-image").get("error_code").toString());
        assertNotNull(captions.get("no-image").get("error_message"));

        Map<String, GenericRecord> labels = byId(kafka.readAll("labels", true), new AvroRows(LABELS));
        assertEquals(captions.keySet(), labels.keySet());
        for (String id : List.of("a1", "b", "c", "a2")) {
            GenericRecord r = labels.get(id);
            assertTrue(Set.of("cat", "dog", "bird").contains(r.get("label").toString()), id);
            @SuppressWarnings("unchecked")
            List<Double> lls = (List<Double>) r.get("log_likelihoods");
            assertEquals(3, lls.size());
            double max = lls.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            double z = lls.stream().mapToDouble(l -> Math.exp(l - max)).sum();
            assertEquals(1.0 / z, (Double) r.get("probability"), 1e-9, id + ": probability of the best label among the candidates");
            assertEquals(1.0, lls.stream().mapToDouble(l -> Math.exp(l - max) / z).sum(), 1e-12, "candidate probabilities sum to 1");
            assertEquals(List.of("cat", "dog", "bird").get(lls.indexOf(max)), r.get("label").toString(), "the most likely candidate");
        }
        assertEquals(labels.get("a1").get("probability"), labels.get("a2").get("probability"));
        assertEquals("IMAGE_UNDECODABLE", labels.get("not-an-image").get("error_code").toString());
        assertNull(labels.get("not-an-image").get("label"));
        awaitModelsClosed();
        assertEquals(0, SlotModelService.liveServices(), "the last predict function to close released the model");
    }

    @Test
    void promptsInKafkaToOneRowPerImageExactlyOnce() throws Exception {
        kafka.createTopics("prompts", "generated");
        AvroRows in = new AvroRows(PROMPTS);
        kafka.send("prompts", List.of(
                in.encode("fox", "a red fox in the snow", 2, 7L),
                in.encode("lighthouse", "a lighthouse on a cliff", 1, 100L),
                in.encode("fox-again", "a red fox in the snow", 2, 7L), // same request: same images
                in.encode("default-n", "a bowl of fruit", null, 5L),   // NULL num_images: the model's 'num-images'
                in.encode("empty", "", 1, 1L),
                in.encode("too-many", "a crowd", 99, 1L)));

        TableEnvironment t = tableEnv();
        t.executeSql(kafkaTable("prompts", "id STRING, prompt STRING, num_images INT, seed BIGINT", "prompts"));
        t.executeSql(kafkaTable("generated", "id STRING, idx INT, seed BIGINT, image BYTES, width INT, height INT, error_code STRING", "generated"));
        t.executeSql("CREATE MODEL painter INPUT (prompt STRING, num_images INT, seed BIGINT) "
                + "OUTPUT (image BYTES, `index` INT, seed BIGINT, width INT, height INT, error_code STRING) "
                + "WITH ('provider' = 'janus', 'task' = 'generate', 'model-dir' = '" + GOLDEN + "', 'device' = 'cpu', "
                + "'cfg-weight' = '5', 'num-images' = '1', 'max-images-per-prompt' = '4')");
        // the input's seed column is renamed: ML_PREDICT's output holds the input columns and the model's OUTPUT columns
        t.executeSql("CREATE TEMPORARY VIEW requests AS SELECT id, prompt, num_images, seed AS request_seed FROM prompts");
        t.executeSql("INSERT INTO generated SELECT id, `index`, seed, image, width, height, error_code "
                + "FROM ML_PREDICT(TABLE requests, MODEL painter, DESCRIPTOR(prompt, num_images, request_seed))")
                .await(5, TimeUnit.MINUTES);
        AvroRows out = new AvroRows(GENERATED);
        List<GenericRecord> rows = new ArrayList<>();
        for (byte[] v : kafka.readAll("generated", true)) {
            rows.add(out.decode(v));
        }
        assertEquals(2 + 1 + 2 + 1 + 1 + 1, rows.size(), "one row per image, one per bad prompt, exactly once");
        Map<String, byte[]> images = new TreeMap<>();
        Map<String, String> errors = new HashMap<>();
        for (GenericRecord r : rows) {
            String id = r.get("id").toString();
            if (r.get("error_code") != null) {
                assertNull(r.get("image"));
                errors.put(id, r.get("error_code").toString());
                continue;
            }
            int index = (Integer) r.get("idx");
            byte[] png = bytes(r.get("image"));
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            assertNotNull(img, id + " is a PNG");
            assertEquals((Integer) r.get("width"), img.getWidth());
            assertEquals((Integer) r.get("height"), img.getHeight());
            assertNull(images.put(id + "#" + index, png), "each image once");
        }
        assertEquals(new TreeSet<>(List.of("fox#0", "fox#1", "lighthouse#0", "fox-again#0", "fox-again#1", "default-n#0")), images.keySet());
        assertArrayEquals(images.get("fox#0"), images.get("fox-again#0"), "seeded: same prompt and seed, same image");
        assertArrayEquals(images.get("fox#1"), images.get("fox-again#1"));
        assertTrue(!java.util.Arrays.equals(images.get("fox#0"), images.get("fox#1")), "image i uses seed + i");
        assertEquals(Map.of("empty", "INVALID_PARAMETERS", "too-many", "INVALID_PARAMETERS"), errors);
    }

    static Map<String, GenericRecord> byId(List<byte[]> values, AvroRows rows) {
        Map<String, GenericRecord> m = new HashMap<>();
        for (byte[] v : values) {
            GenericRecord r = rows.decode(v);
            assertNull(m.put(r.get("id").toString(), r), "no duplicate for " + r.get("id"));
        }
        return m;
    }

    static byte[] bytes(Object avroBytes) {
        ByteBuffer b = ((ByteBuffer) avroBytes).duplicate();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    /** A service closes its model on its own worker thread after the last release. */
    static void awaitModelsClosed() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (SlotModelService.liveServices() > 0 || SlotModelService.COUNTERS.live() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("models still open: " + SlotModelService.COUNTERS);
            }
            Thread.sleep(50);
        }
    }
}
