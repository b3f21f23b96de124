package dev.janusstream.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** torch.save zip layouts written by hand: what loads, and how broken files are reported. */
class TorchBinFileTest {
    static final Path GOLDEN_BIN = CheckpointGoldenTest.GOLDEN.resolve("bin/pytorch_model.bin");
    /** Storage entry 0 of the golden .bin holds this tensor (1024 BF16 values). */
    static final String GOLDEN_FIRST = "vision_model.vision_tower.pos_embed";

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static byte[] bf16(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putShort(TensorConversion.toBf16(x));
        }
        return b.array();
    }

    /**
     * Two tensors sharing one F32 storage at different offsets, a BF16 parameter whose size-1
     * dimension has an arbitrary stride, STACK_GLOBAL, and the BUILD of state_dict()._metadata.
     */
    @Test
    void handWrittenStateDictWithSharedStorageLoads(@TempDir Path dir) throws Exception {
        PickleOps p = PickleOps.proto2().orderedDict().mark();
        p.str("a").tensor("FloatStorage", "0", 10, 0, new long[] {2, 3}, new long[] {3, 1});
        p.str("b").tensor("FloatStorage", "0", 10, 6, new long[] {4}, new long[] {1});
        p.str("c").global("torch._utils", "_rebuild_parameter").mark()
                .stackGlobal("torch._utils", "_rebuild_tensor_v2").mark()
                .storage("BFloat16Storage", "1", 4).integer(0).mark().integer(1).integer(4).tuple()
                .mark().integer(99).integer(1).tuple().bool(false).orderedDict().tuple().reduce()
                .bool(true).orderedDict().tuple().reduce();
        p.str("d").global("torch._utils", "_rebuild_tensor").mark() // the pre-1.x form: 4 arguments
                .storage("FloatStorage", "0", 10).integer(9).mark().tuple().mark().tuple().tuple().reduce();
        p.setitems();
        p.emptyDict().str("_metadata").orderedDict().op('s').build(); // OrderedDict.__setstate__({'_metadata': ...})
        p.stop();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        storages.put("0", floats(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        storages.put("1", bf16(1.5f, -2, 3.25f, 1e-3f));
        TorchZip.write(dir.resolve("pytorch_model.bin"), "archive", p.bytes(), storages);

        try (Checkpoint c = Checkpoint.open(dir); NDManager m = NDManager.newBaseManager()) {
            assertEquals(List.of("a", "b", "c", "d"), List.copyOf(c.names()));
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, c.take("a", new Shape(2, 3), m, DataType.FLOAT32).toFloatArray());
            assertArrayEquals(new float[] {6, 7, 8, 9}, c.take("b", new Shape(4), m, DataType.FLOAT32).toFloatArray());
            float[] cv = c.take("c", new Shape(1, 4), m, DataType.FLOAT32).toFloatArray();
            assertArrayEquals(new float[] {1.5f, -2, 3.25f, Float.intBitsToFloat((TensorConversion.toBf16(1e-3f) & 0xFFFF) << 16)}, cv);
            assertEquals(DType.BF16, c.info("c").dtype());
            assertArrayEquals(new float[] {9}, c.take("d", new Shape(), m, DataType.FLOAT32).toFloatArray()); // scalar
            c.checkAllTaken();
        }
    }

    @Test
    void shardedBinWithIndexLoads(@TempDir Path dir) throws Exception {
        for (int i = 1; i <= 2; i++) {
            byte[] pkl = PickleOps.proto2().orderedDict().mark().str("t" + i)
                    .tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1}).setitems().stop().bytes();
            TorchZip.write(dir.resolve("pytorch_model-0000" + i + "-of-00002.bin"), "pytorch_model-0000" + i + "-of-00002",
                    pkl, Map.of("0", floats(i, -i)));
        }
        Files.writeString(dir.resolve("pytorch_model.bin.index.json"), "{\"metadata\":{\"total_size\":16},\"weight_map\":"
                + "{\"t1\":\"pytorch_model-00001-of-00002.bin\",\"t2\":\"pytorch_model-00002-of-00002.bin\"}}");
        try (Checkpoint c = Checkpoint.open(dir); NDManager m = NDManager.newBaseManager()) {
            assertArrayEquals(new float[] {2, -2}, c.take("t2", new Shape(2), m, DataType.FLOAT32).toFloatArray());
            assertEquals(dir.resolve("pytorch_model-00001-of-00002.bin"), c.info("t1").file());
        }
    }

    private static void assertNames(CheckpointException e, Path file, String tensor) {
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains("'" + tensor + "'"), "message names the tensor: " + e.getMessage());
    }

    private static CheckpointException openFails(Path file) {
        return assertThrows(CheckpointException.class, () -> TorchBinFile.open(file).close());
    }

    @Test
    void storageEntryShorterThanItsTensorIsReported(@TempDir Path dir) throws Exception {
        Map<String, byte[]> entries = TorchZip.readEntries(GOLDEN_BIN);
        byte[] full = entries.get("pytorch_model/data/0");
        assertEquals(2048, full.length);
        entries.put("pytorch_model/data/0", java.util.Arrays.copyOf(full, 1000));
        Path bad = dir.resolve("pytorch_model.bin");
        TorchZip.writeEntries(bad, entries);
        CheckpointException e = openFails(bad);
        assertNames(e, bad, GOLDEN_FIRST);
        assertTrue(e.getMessage().contains("holds 1000 bytes"), e.getMessage());
    }

    /** The central directory is at the end: a cut download has none, and that is what we can say. */
    @Test
    void truncatedZipIsReportedAsTruncated(@TempDir Path dir) throws Exception {
        byte[] golden = Files.readAllBytes(GOLDEN_BIN);
        Path bad = dir.resolve("pytorch_model.bin");
        Files.write(bad, java.util.Arrays.copyOf(golden, golden.length / 2));
        CheckpointException e = openFails(bad);
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        // and through Checkpoint.open, as a model directory
        CheckpointException viaDir = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(viaDir.getMessage().contains(bad.toString()), viaDir.getMessage());
    }

    @Test
    void missingStorageEntryIsReported(@TempDir Path dir) throws Exception {
        Map<String, byte[]> entries = TorchZip.readEntries(GOLDEN_BIN);
        entries.remove("pytorch_model/data/0");
        Path bad = dir.resolve("pytorch_model.bin");
        TorchZip.writeEntries(bad, entries);
        CheckpointException e = openFails(bad);
        assertNames(e, bad, GOLDEN_FIRST);
        assertTrue(e.getMessage().contains("pytorch_model/data/0 is missing"), e.getMessage());
    }

    @Test
    void nonContiguousTensorIsRejected(@TempDir Path dir) throws Exception {
        byte[] pkl = PickleOps.proto2().orderedDict().mark().str("transposed")
                .tensor("FloatStorage", "0", 6, 0, new long[] {3, 2}, new long[] {1, 3}).setitems().stop().bytes();
        Path bad = dir.resolve("pytorch_model.bin");
        TorchZip.write(bad, "archive", pkl, Map.of("0", floats(0, 1, 2, 3, 4, 5)));
        CheckpointException e = openFails(bad);
        assertNames(e, bad, "transposed");
        assertTrue(e.getMessage().contains("contiguous"), e.getMessage());
    }

    @Test
    void tensorReachingPastItsStorageIsRejected(@TempDir Path dir) throws Exception {
        byte[] pkl = PickleOps.proto2().orderedDict().mark().str("view")
                .tensor("FloatStorage", "0", 6, 4, new long[] {4}, new long[] {1}).setitems().stop().bytes();
        Path bad = dir.resolve("pytorch_model.bin");
        TorchZip.write(bad, "archive", pkl, Map.of("0", floats(0, 1, 2, 3, 4, 5)));
        CheckpointException e = openFails(bad);
        assertNames(e, bad, "view");
        assertTrue(e.getMessage().contains("storage offset 4"), e.getMessage());
    }

    @Test
    void compressedStorageIsRejected(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("pytorch_model.bin");
        byte[] pkl = PickleOps.proto2().orderedDict().mark().str("w")
                .tensor("FloatStorage", "0", 4, 0, new long[] {4}, new long[] {1}).setitems().stop().bytes();
        try (var zip = new org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream(bad)) {
            for (var e : Map.of("archive/data.pkl", pkl, "archive/data/0", floats(1, 2, 3, 4)).entrySet()) {
                var entry = new org.apache.commons.compress.archivers.zip.ZipArchiveEntry(e.getKey());
                entry.setMethod(java.util.zip.ZipEntry.DEFLATED);
                zip.putArchiveEntry(entry);
                zip.write(e.getValue());
                zip.closeArchiveEntry();
            }
        }
        CheckpointException e = openFails(bad);
        assertNames(e, bad, "w");
        assertTrue(e.getMessage().contains("compressed"), e.getMessage());
    }

    @Test
    void zipWithoutDataPklIsNotACheckpoint(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("pytorch_model.bin");
        TorchZip.writeEntries(bad, Map.of("readme.txt", new byte[] {1}));
        CheckpointException e = openFails(bad);
        assertTrue(e.getMessage().startsWith(bad.toString()) && e.getMessage().contains("data.pkl"), e.getMessage());
    }
}
