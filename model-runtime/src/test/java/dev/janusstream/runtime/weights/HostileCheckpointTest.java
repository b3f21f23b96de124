package dev.janusstream.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.janusstream.runtime.config.ModelFiles;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Checkpoints whose sizes, counts and shapes lie: each fails at open with a message naming the
 * file (and the tensor where there is one), before anything of the claimed size is allocated.
 * The surefire heap is far smaller than any claimed size here, so an allocation would fail the test.
 */
class HostileCheckpointTest {

    private static CheckpointException openFails(Path dir, String... expected) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir).close());
        for (String x : expected) {
            assertTrue(e.getMessage().contains(x), "message contains '" + x + "': " + e.getMessage());
        }
        return e;
    }

    private static void writeSafetensors(Path file, long headerLength, String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(h);
        Files.write(file, b.array());
    }

    private static void writeSafetensors(Path file, String header, int dataBytes) throws Exception {
        writeSafetensors(file, header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    @ParameterizedTest(name = "header length {0}")
    @CsvSource({"-1, 18446744073709551615", "1099511627776, 1099511627776", "0, 0", "16777217, 16777217"})
    void safetensorsHeaderLengthOutsideTheLimitIsRefusedBeforeReading(long claimed, String shown, @TempDir Path dir)
            throws Exception {
        writeSafetensors(dir.resolve("model.safetensors"), claimed, "{}", 0);
        openFails(dir, dir.resolve("model.safetensors").toString(), "header length " + shown, "outside 1..");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "negative dimension     | {\"w\":{\"dtype\":\"F32\",\"shape\":[-2,-2],\"data_offsets\":[0,16]}}   | negative dimension",
        "overflowing shape      | {\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4611686018427387904],\"data_offsets\":[0,0]}} | overflowing shape",
        "huge but consistent    | {\"w\":{\"dtype\":\"F32\",\"shape\":[1048576,1048576],\"data_offsets\":[0,4398046511104]}} | truncated file",
        "offsets past long      | {\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,1e30]}}       | not a 64-bit integer",
        "fractional dimension   | {\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,10]}}       | not a 64-bit integer",
        "reversed offsets       | {\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}         | not a byte range",
        "three offsets          | {\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}       | not [begin, end]",
        "no dtype               | {\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}                         | malformed header entry",
        "shape not an array     | {\"w\":{\"dtype\":\"F32\",\"shape\":\"big\",\"data_offsets\":[0,4]}}    | malformed header entry",
        "rank 17                | {\"w\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}} | 17 dimensions",
        "unknown dtype          | {\"w\":{\"dtype\":\"F8_E9\",\"shape\":[1],\"data_offsets\":[0,1]}}       | unsupported safetensors dtype",
    })
    void safetensorsHeaderThatLiesNamesTheTensor(String title, String header, String expected, @TempDir Path dir)
            throws Exception {
        writeSafetensors(dir.resolve("model.safetensors"), header, 16);
        openFails(dir, dir.resolve("model.safetensors").toString(), "'w'", expected);
    }

    @Test
    void oversizedShardIndexIsRefusedBeforeReading(@TempDir Path dir) throws Exception {
        Path index = dir.resolve("model.safetensors.index.json");
        try (RandomAccessFile f = new RandomAccessFile(index.toFile(), "rw")) {
            f.setLength(ModelFiles.MAX_INDEX_BYTES + 1); // sparse: nothing is written
        }
        openFails(dir, index.toString(), "over the limit of " + ModelFiles.MAX_INDEX_BYTES);
    }

    @Test
    void shardIndexWithANonStringFileIsReported(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\":{\"w\":[1,2]}}");
        openFails(dir, "model.safetensors.index.json", "tensor 'w'", "not a file name");
    }

    private static Path bin(Path dir, PickleOps p, Map<String, byte[]> storages) throws Exception {
        Path f = dir.resolve("pytorch_model.bin");
        TorchZip.write(f, "archive", p.stop().bytes(), storages);
        return f;
    }

    private static PickleOps stateDictOf(String name) {
        return PickleOps.proto2().orderedDict().mark().str(name);
    }

    @Test
    void storageNumelOverflowingBytesIsReported(@TempDir Path dir) throws Exception {
        PickleOps p = stateDictOf("w").tensorLong("FloatStorage", "0", 1L << 62, 0, new long[] {1}, new long[] {1}).setitems();
        Path f = bin(dir, p, Map.of("0", new byte[4]));
        openFails(dir, f.toString(), "'w'", "overflows 64 bits");
    }

    @Test
    void shapeOverflowingBytesIsReported(@TempDir Path dir) throws Exception {
        PickleOps p = stateDictOf("w").tensorLong("FloatStorage", "0", 1, 0, new long[] {1L << 62, 4}, new long[] {4, 1})
                .setitems();
        Path f = bin(dir, p, Map.of("0", new byte[4]));
        openFails(dir, f.toString(), "'w'", "overflowing shape");
    }

    @Test
    void storageOffsetOverflowingBytesIsReported(@TempDir Path dir) throws Exception {
        PickleOps p = stateDictOf("w").tensorLong("FloatStorage", "0", 1, 1L << 61, new long[] {1}, new long[] {1}).setitems();
        Path f = bin(dir, p, Map.of("0", new byte[4]));
        openFails(dir, f.toString(), "'w'", "overflows 64 bits");
    }

    @Test
    void hugeButConsistentTensorIsCheckedAgainstItsStorageEntry(@TempDir Path dir) throws Exception {
        // 2^40 elements declared by data.pkl, 4 bytes in the zip: nothing is mapped or allocated
        PickleOps p = stateDictOf("w").tensorLong("FloatStorage", "0", 1L << 40, 0, new long[] {1L << 40}, new long[] {1})
                .setitems();
        Path f = bin(dir, p, Map.of("0", new byte[4]));
        openFails(dir, f.toString(), "'w'", "holds 4 bytes but data.pkl declares 1099511627776");
    }

    @Test
    void stringLengthPastTheEndOfThePickleIsRefused(@TempDir Path dir) throws Exception {
        // BINUNICODE claiming 2^31 - 1 bytes: Pyrolite would allocate them before reading
        PickleOps p = PickleOps.proto2().op('X').op(0xFF).op(0xFF).op(0xFF).op(0x7F);
        Path f = bin(dir, p, Map.of());
        openFails(dir, f.toString(), "data.pkl", "declares 2147483647 bytes but only");
    }

    @Test
    void pickleThatRepeatsOpcodesIsStoppedByTheOpcodeLimit(@TempDir Path dir) throws Exception {
        // EMPTY_DICT then DUP, DUP, ...: each pushes one more reference; the opcode limit stops it
        int n = (int) TorchPickle.MAX_OPCODES + 10;
        byte[] dups = new byte[n];
        Arrays.fill(dups, (byte) '2');
        PickleOps p = PickleOps.proto2().emptyDict();
        for (byte b : dups) {
            p.op(b);
        }
        Path f = bin(dir, p, Map.of());
        openFails(dir, f.toString(), "data.pkl", "more than " + TorchPickle.MAX_OPCODES + " opcodes");
    }

    /** The end-of-central-directory record of a small zip: fields patched in place. */
    private static void patchEocd(Path zip, int fieldOffset, int value) throws Exception {
        byte[] b = Files.readAllBytes(zip);
        int eocd = -1;
        for (int i = b.length - 22; i >= 0; i--) {
            if (ByteBuffer.wrap(b, i, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() == 0x06054b50) {
                eocd = i;
                break;
            }
        }
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(eocd + fieldOffset, value);
        Files.write(zip, b);
    }

    @Test
    void centralDirectoryClaimingGigabytesIsRefusedBeforeCommonsCompressReadsIt(@TempDir Path dir) throws Exception {
        Path f = bin(dir, stateDictOf("w").tensor("FloatStorage", "0", 1, 0, new long[] {1}, new long[] {1}).setitems(),
                Map.of("0", new byte[4]));
        patchEocd(f, 12, 0x7FFF0000); // size of the central directory
        openFails(dir, f.toString(), "central directory claims", "2147418112 bytes");
    }

    @Test
    void centralDirectoryNotEndingAtItsRecordIsRefused(@TempDir Path dir) throws Exception {
        Path f = bin(dir, stateDictOf("w").tensor("FloatStorage", "0", 1, 0, new long[] {1}, new long[] {1}).setitems(),
                Map.of("0", new byte[4]));
        patchEocd(f, 16, 0); // offset of the central directory: the start of the file
        openFails(dir, f.toString(), "does not end where its end record starts");
    }

    @Test
    void oversizedDataPklIsRefused(@TempDir Path dir) throws Exception {
        byte[] pickle = new byte[TorchBinFile.MAX_PICKLE + 1];
        Path f = dir.resolve("pytorch_model.bin");
        TorchZip.writeEntries(f, Map.of("archive/data.pkl", pickle));
        openFails(dir, f.toString(), "data.pkl", "over the " + TorchBinFile.MAX_PICKLE);
    }
}
