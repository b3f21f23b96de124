package dev.janusstream.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The three golden layouts of the same state dict (F32 safetensors, sharded BF16 safetensors, BF16
 * torch.save zip) load through {@link Checkpoint#open} and agree bit for bit.
 */
class CheckpointGoldenTest {
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));
    static final int TENSORS = 420;

    @Test
    void allLayoutsHoldTheSameTensors() {
        try (Checkpoint f32 = Checkpoint.open(GOLDEN);
                Checkpoint bf16 = Checkpoint.open(GOLDEN.resolve("bf16"));
                Checkpoint bin = Checkpoint.open(GOLDEN.resolve("bin"))) {
            assertEquals(TENSORS, f32.names().size());
            assertEquals(f32.names(), bf16.names());
            assertEquals(f32.names(), bin.names());
            assertTrue(bin.contains("gen_vision_model.quantize.codebook_used"));
            // data.pkl order survives (Pyrolite's own SETITEMS would scramble it through a HashMap)
            List<String> order = List.copyOf(bin.names());
            assertEquals("vision_model.vision_tower.pos_embed", order.get(0));
            assertEquals("vision_model.vision_tower.patch_embed.proj.weight", order.get(1));
            assertEquals("language_model.lm_head.weight", order.get(TENSORS - 1));
            for (String name : f32.names()) {
                assertEquals(DType.F32, f32.info(name).dtype(), name);
                assertEquals(DType.BF16, bf16.info(name).dtype(), name);
                assertEquals(DType.BF16, bin.info(name).dtype(), name);
                assertArrayEquals(f32.info(name).shape(), bin.info(name).shape(), name);
                assertArrayEquals(f32.info(name).shape(), bf16.info(name).shape(), name);
                assertEquals(GOLDEN.resolve("bin/pytorch_model.bin"), bin.info(name).file());
            }
        }
    }

    /** Tolerance: none. The .bin, the BF16 shards and RNE(F32) are the same bits. */
    @Test
    void binEqualsBf16ShardsAndRoundedF32BitExactly() {
        try (TorchBinFile bin = TorchBinFile.open(GOLDEN.resolve("bin/pytorch_model.bin"));
                Checkpoint bf16 = Checkpoint.open(GOLDEN.resolve("bf16"));
                SafetensorsFile f32 = SafetensorsFile.open(GOLDEN.resolve("model.safetensors"))) {
            long elements = 0;
            for (String name : bin.tensors().keySet()) {
                ByteBuffer b = bin.bytes(name);
                TensorInfo info = bin.tensors().get(name);
                assertEquals(info.byteSize(), b.remaining(), name);
                ByteBuffer shardBytes = bf16Bytes(bf16, name);
                assertEquals(shardBytes, b, name + ": .bin and BF16 shard differ");
                ByteBuffer f = f32.bytes(name);
                for (int i = 0; i < info.elementCount(); i++) {
                    short expected = TensorConversion.toBf16(f.getFloat(i * 4));
                    if (expected != b.getShort(i * 2)) {
                        throw new AssertionError(name + "[" + i + "]: .bin holds 0x" + Integer.toHexString(b.getShort(i * 2) & 0xFFFF)
                                + ", RNE(" + f.getFloat(i * 4) + ") = 0x" + Integer.toHexString(expected & 0xFFFF));
                    }
                }
                elements += info.elementCount();
            }
            assertTrue(elements > 1_000_000, "compared " + elements + " elements");
        }
    }

    private static ByteBuffer bf16Bytes(Checkpoint c, String name) {
        Path file = c.info(name).file();
        try (SafetensorsFile s = SafetensorsFile.open(file)) {
            ByteBuffer mapped = s.bytes(name);
            // copy: the mapping is released with the channel's file, and equality is checked after
            ByteBuffer copy = ByteBuffer.allocate(mapped.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            copy.put(mapped).flip();
            return copy;
        }
    }

    /** Through take(): BF16 from the .bin widens to exactly RNE(F32) widened; F32 passes unchanged. */
    @Test
    void takeWidensBinToTheRoundedF32Values() {
        try (Checkpoint bin = Checkpoint.open(GOLDEN.resolve("bin"));
                Checkpoint f32 = Checkpoint.open(GOLDEN);
                NDManager m = NDManager.newBaseManager()) {
            for (String name : bin.names()) {
                Shape shape = new Shape(bin.info(name).shape());
                try (NDManager sub = m.newSubManager()) {
                    NDArray widened = bin.take(name, shape, sub, DataType.FLOAT32);
                    NDArray exact = f32.take(name, shape, sub, DataType.FLOAT32);
                    assertEquals(DataType.FLOAT32, widened.getDataType());
                    assertEquals(shape, widened.getShape());
                    float[] w = widened.toFloatArray();
                    float[] e = exact.toFloatArray();
                    for (int i = 0; i < w.length; i++) {
                        int expected = (TensorConversion.toBf16(e[i]) & 0xFFFF) << 16;
                        if (Float.floatToRawIntBits(w[i]) != expected) {
                            throw new AssertionError(name + "[" + i + "]: widened " + w[i] + " but RNE(" + e[i] + ") = "
                                    + Float.intBitsToFloat(expected));
                        }
                    }
                }
            }
            bin.checkAllTaken();
            f32.checkAllTaken();
        }
    }
}
