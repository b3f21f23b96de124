package dev.janusstream.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SafetensorsWriter output read back by SafetensorsFile/Checkpoint, and against the golden BF16 shards. */
class SafetensorsWriterTest {
    static final Path GOLDEN = CheckpointGoldenTest.GOLDEN;

    @Test
    void roundTripsF32AndBf16WithHuggingFaceHeaderLayout(@TempDir Path dir) throws Exception {
        Random r = new Random(7);
        float[] a = new float[3 * 5];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        a[0] = Float.NaN;
        a[1] = Float.NEGATIVE_INFINITY;
        a[2] = Float.intBitsToFloat(0x3F818000); // a BF16 tie
        int big = SafetensorsWriter.CHUNK + 17; // crosses a chunk edge
        Path file = dir.resolve("t.safetensors");
        new SafetensorsWriter()
                .metadata("note", "round trip \"quoted\" <html>")
                .add("a.f32", DType.F32, new long[] {3, 5}, a)
                .add("a.bf16", DType.BF16, new long[] {3, 5}, a)
                .add("scalar", DType.F32, new long[] {}, new float[] {2.5f})
                .add("empty", DType.BF16, new long[] {0, 4}, new float[0])
                .add("big", DType.BF16, new long[] {big}, (start, chunk) -> {
                    for (int i = 0; i < chunk.length; i++) {
                        chunk[i] = (start + i) * 0.001f;
                    }
                })
                .write(file);
        assertFalse(Files.exists(dir.resolve("t.safetensors.partial")));

        // Layout: u64 LE header length, 8-aligned, padding is spaces, data right after.
        byte[] raw = Files.readAllBytes(file);
        long headerLen = ByteBuffer.wrap(raw, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + headerLen) % 8);
        String header = new String(raw, 8, (int) headerLen, StandardCharsets.UTF_8);
        JsonObject json = JsonParser.parseString(header).getAsJsonObject();
        assertTrue(header.stripTrailing().endsWith("}") && header.substring(header.stripTrailing().length()).isBlank());
        assertEquals("pt", json.getAsJsonObject("__metadata__").get("format").getAsString());
        assertEquals(8 + headerLen + 15 * 4 + 15 * 2 + 4 + 0 + big * 2L, raw.length);

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(List.of("a.f32", "a.bf16", "scalar", "empty", "big"), List.copyOf(f.tensors().keySet()));
            assertEquals("round trip \"quoted\" <html>", f.metadata().get("note"));
            assertEquals(DType.BF16, f.tensors().get("a.bf16").dtype());
            assertArrayEquals(new long[] {3, 5}, f.tensors().get("a.bf16").shape());
            assertArrayEquals(new long[] {}, f.tensors().get("scalar").shape());
            ByteBuffer f32 = f.bytes("a.f32");
            ByteBuffer bf16 = f.bytes("a.bf16");
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToRawIntBits(a[i]), f32.getInt(i * 4), "a.f32[" + i + "]");
                assertEquals(TensorConversion.toBf16(a[i]), bf16.getShort(i * 2), "a.bf16[" + i + "]");
            }
            assertEquals((short) 0x3F82, bf16.getShort(4), "tie rounds to even");
            assertEquals(2.5f, f.bytes("scalar").getFloat(0));
            assertEquals(0, f.bytes("empty").remaining());
            ByteBuffer b = f.bytes("big");
            for (int i = 0; i < big; i++) {
                assertEquals(TensorConversion.toBf16(i * 0.001f), b.getShort(i * 2), "big[" + i + "]");
            }
        }
    }

    /**
     * The golden F32 weights written as sharded BF16 through NDArrays reproduce PyTorch's own
     * {@code .to(torch.bfloat16)} shards bit for bit (tolerance: none), and load as a checkpoint.
     */
    @Test
    void shardedBf16OfGoldenF32EqualsPyTorchConversion(@TempDir Path dir) {
        Path out = dir.resolve("model");
        try (Checkpoint f32 = Checkpoint.open(GOLDEN); NDManager m = NDManager.newBaseManager()) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (String name : f32.names()) {
                w.add(name, DType.BF16, f32.take(name, new Shape(f32.info(name).shape()), m, DataType.FLOAT32));
            }
            List<Path> files = w.writeSharded(out, 2L << 20); // the golden model is ~7 MB in BF16
            assertTrue(files.size() >= 4, "shards + index: " + files);
            assertEquals(out.resolve("model.safetensors.index.json"), files.get(files.size() - 1));
            assertTrue(Files.exists(out.resolve(String.format("model-00001-of-%05d.safetensors", files.size() - 1))));
            JsonObject index = JsonParser.parseString(readString(files.get(files.size() - 1))).getAsJsonObject();
            assertEquals(w.dataSize(), index.getAsJsonObject("metadata").get("total_size").getAsLong());
            assertEquals(CheckpointGoldenTest.TENSORS, index.getAsJsonObject("weight_map").size());
        }
        try (Checkpoint written = Checkpoint.open(out); Checkpoint golden = Checkpoint.open(GOLDEN.resolve("bf16"))) {
            assertEquals(golden.names(), written.names());
            for (String name : golden.names()) {
                assertEquals(DType.BF16, written.info(name).dtype());
                assertArrayEquals(golden.info(name).shape(), written.info(name).shape(), name);
                try (SafetensorsFile g = SafetensorsFile.open(golden.info(name).file());
                        SafetensorsFile x = SafetensorsFile.open(written.info(name).file())) {
                    assertEquals(g.bytes(name), x.bytes(name), name + ": BF16 bytes differ from PyTorch's");
                }
            }
        }
    }

    @Test
    void oneShardIsAPlainModelSafetensors(@TempDir Path dir) {
        List<Path> files = new SafetensorsWriter().add("w", DType.F32, new long[] {2}, new float[] {1, 2})
                .writeSharded(dir, 1L << 30);
        assertEquals(List.of(dir.resolve("model.safetensors")), files);
        try (Checkpoint c = Checkpoint.open(dir); NDManager m = NDManager.newBaseManager()) {
            NDArray w = c.take("w", new Shape(2), m, DataType.FLOAT32);
            assertArrayEquals(new float[] {1, 2}, w.toFloatArray());
        }
    }

    @Test
    void rejectsWhatSafetensorsCannotHold() {
        SafetensorsWriter w = new SafetensorsWriter().add("x", DType.F32, new long[] {1}, new float[] {1});
        assertThrows(IllegalArgumentException.class, () -> w.add("x", DType.F32, new long[] {1}, new float[] {1}));
        assertThrows(IllegalArgumentException.class, () -> w.add("y", DType.F32, new long[] {2}, new float[] {1}));
        assertThrows(IllegalArgumentException.class, () -> w.add("z", DType.I64, new long[] {1}, new float[] {1}));
        assertThrows(IllegalArgumentException.class, () -> w.add("__metadata__", DType.F32, new long[] {1}, new float[] {1}));
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
