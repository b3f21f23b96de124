package dev.janusstream.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken safetensors checkpoints and misuse of Checkpoint: every message names the file and the tensor. */
class CheckpointErrorsTest {
    static final Path GOLDEN = CheckpointGoldenTest.GOLDEN;
    static final String POS_EMBED = "vision_model.vision_tower.pos_embed";

    private static void assertNames(CheckpointException e, Path file, String tensor) {
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains("'" + tensor + "'"), "message names the tensor: " + e.getMessage());
    }

    private static long headerLength(byte[] file) {
        return ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Cut inside the JSON header: no tensor can be named, only the file and what is wrong with it. */
    @Test
    void safetensorsCutInsideHeader(@TempDir Path dir) throws Exception {
        byte[] golden = Files.readAllBytes(GOLDEN.resolve("model.safetensors"));
        Path bad = dir.resolve("model.safetensors");
        Files.write(bad, Arrays.copyOf(golden, 8 + (int) headerLength(golden) / 2));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated safetensors header"), e.getMessage());
    }

    /** Cut inside the data: the first tensor whose bytes are gone is named. */
    @Test
    void safetensorsCutInsideData(@TempDir Path dir) throws Exception {
        byte[] golden = Files.readAllBytes(GOLDEN.resolve("model.safetensors"));
        int cut = (golden.length + 8 + (int) headerLength(golden)) / 2;
        Path bad = dir.resolve("model.safetensors");
        Files.write(bad, Arrays.copyOf(golden, cut));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("truncated file"), e.getMessage());
        // the tensor named is one whose data really lies past the cut
        String tensor = e.getMessage().replaceFirst("(?s).*tensor '([^']+)'.*", "$1");
        try (SafetensorsFile whole = SafetensorsFile.open(GOLDEN.resolve("model.safetensors"))) {
            assertTrue(whole.tensors().containsKey(tensor), e.getMessage());
        }
        assertNames(e, bad, tensor);
    }

    @Test
    void wrongShapeIsReportedByTake() {
        try (Checkpoint c = Checkpoint.open(GOLDEN.resolve("bin")); NDManager m = NDManager.newBaseManager()) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> c.take(POS_EMBED, new Shape(1, 16, 96), m, DataType.FLOAT32));
            assertNames(e, GOLDEN.resolve("bin/pytorch_model.bin"), POS_EMBED);
            assertTrue(e.getMessage().contains("[1, 16, 64]") && e.getMessage().contains("[1, 16, 96]"), e.getMessage());
        }
    }

    @Test
    void missingTensorIsReported() {
        try (Checkpoint c = Checkpoint.open(GOLDEN.resolve("bf16")); NDManager m = NDManager.newBaseManager()) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> c.take("language_model.model.layers.2.mlp.up_proj.weight", null, m, DataType.FLOAT32));
            assertNames(e, GOLDEN.resolve("bf16"), "language_model.model.layers.2.mlp.up_proj.weight");
        }
    }

    @Test
    void unexpectedTensorIsReportedByCheckAllTaken() {
        try (Checkpoint c = Checkpoint.open(GOLDEN)) {
            c.names().stream().filter(n -> !n.equals("gen_embed.weight")).forEach(c::skip);
            CheckpointException e = assertThrows(CheckpointException.class, c::checkAllTaken);
            assertNames(e, GOLDEN.resolve("model.safetensors"), "gen_embed.weight");
            assertTrue(e.getMessage().contains("unexpected tensor"), e.getMessage());
        }
    }

    @Test
    void indexNamingAMissingShardIsReported(@TempDir Path dir) throws Exception {
        Path bf16 = GOLDEN.resolve("bf16");
        Files.copy(bf16.resolve("model.safetensors.index.json"), dir.resolve("model.safetensors.index.json"));
        Files.copy(bf16.resolve("model-00001-of-00002.safetensors"), dir.resolve("model-00001-of-00002.safetensors"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains(dir.resolve("model.safetensors.index.json").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("model-00002-of-00002.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("'gen_embed.weight'") || e.getMessage().contains("'gen_"), e.getMessage());
    }

    @Test
    void tensorInTwoShardsIsReported(@TempDir Path dir) throws Exception {
        new SafetensorsWriter().add("w", DType.F32, new long[] {1}, new float[] {1}).write(dir.resolve("a.safetensors"));
        new SafetensorsWriter().add("w", DType.F32, new long[] {1}, new float[] {2}).write(dir.resolve("b.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\":{\"w\":\"a.safetensors\",\"x\":\"b.safetensors\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertNames(e, dir.resolve("b.safetensors"), "w");
        assertEquals(true, e.getMessage().contains("stored twice"), e.getMessage());
    }
}
