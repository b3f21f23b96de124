package dev.janusstream.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How raw checkpoint bytes become NDArrays: which paths copy, which alias, and that BF16 widens exactly. */
class CheckpointTensorConversionTest {

    /** widenBf16 relies on this: the buffer of a fresh CPU tensor is a writable view of its memory, not a copy. */
    @Test
    void toByteBufferOfFreshTensorIsAWritableView() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.zeros(new Shape(3, 5), DataType.FLOAT32);
            ByteBuffer view = a.toByteBuffer(true);
            assertTrue(view.isDirect(), "direct");
            assertFalse(view.isReadOnly(), "writable");
            assertEquals(15 * 4, view.capacity());
            view.order(ByteOrder.LITTLE_ENDIAN).putFloat(7 * 4, 42.5f);
            assertEquals(42.5f, a.toFloatArray()[7], "a write through the buffer must reach the tensor");
        }
    }

    @Test
    void widenBf16IsExactForEveryBitPattern() {
        // All 65536 patterns: normal, subnormal, +-0, +-inf, NaNs. Widening is bits << 16, nothing else.
        ByteBuffer src = ByteBuffer.allocateDirect(65536 * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 65536; i++) {
            src.putShort(i * 2, (short) i);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = TensorConversion.widenBf16(src, new Shape(256, 256), m);
            assertEquals(DataType.FLOAT32, w.getDataType());
            ByteBuffer out = w.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 65536; i++) {
                assertEquals(i << 16, out.getInt(i * 4), "pattern 0x" + Integer.toHexString(i));
            }
        }
    }

    /** The chunked fallback (for an engine that copies in toByteBuffer) gives the same bits across chunk edges. */
    @Test
    void chunkedWideningMatchesAcrossChunkBoundaries() {
        int n = TensorConversion.CHUNK * 2 + 3;
        ByteBuffer src = ByteBuffer.allocateDirect(n * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            src.putShort(i * 2, (short) (i * 2654435761L >>> 7));
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = TensorConversion.widenBf16Chunked(src.asShortBuffer(), new Shape(1, n), m);
            assertEquals(new Shape(1, n), w.getShape());
            float[] got = w.toFloatArray();
            for (int i = 0; i < n; i++) {
                assertEquals((src.getShort(i * 2) & 0xFFFF) << 16, Float.floatToRawIntBits(got[i]), "element " + i);
            }
        }
    }

    /** Ties go to even, NaN to PyTorch's canonical 0x7FC0, overflow to infinity, the rest to nearest. */
    @Test
    void toBf16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, TensorConversion.toBf16(1.0f));
        assertEquals((short) 0x3F80, TensorConversion.toBf16(Float.intBitsToFloat(0x3F808000))); // tie, even below
        assertEquals((short) 0x3F82, TensorConversion.toBf16(Float.intBitsToFloat(0x3F818000))); // tie, even above
        assertEquals((short) 0x3F81, TensorConversion.toBf16(Float.intBitsToFloat(0x3F808001))); // above the tie
        assertEquals((short) 0x3F80, TensorConversion.toBf16(Float.intBitsToFloat(0x3F807FFF))); // below the tie
        assertEquals((short) 0xBF81, TensorConversion.toBf16(Float.intBitsToFloat(0xBF80C000))); // sign kept
        assertEquals((short) 0x7F80, TensorConversion.toBf16(Float.MAX_VALUE));
        assertEquals((short) 0xFF80, TensorConversion.toBf16(Float.NEGATIVE_INFINITY));
        assertEquals((short) 0x7FC0, TensorConversion.toBf16(Float.NaN));
        assertEquals((short) 0x8000, TensorConversion.toBf16(-0.0f));
        assertEquals((short) 0x0001, TensorConversion.toBf16(Float.intBitsToFloat(0x00010000))); // subnormal
    }

    /**
     * An aligned read-only mapping (what SafetensorsFile/TorchBinFile hand out) is wrapped in place:
     * a later change to the file shows through the tensor, which a copy would not.
     */
    @Test
    void wrapOfAlignedMappingIsZeroCopy(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("floats.bin");
        ByteBuffer data = ByteBuffer.allocate(64 + 16 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            data.putFloat(64 + i * 4, i);
        }
        Files.write(f, data.array());
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
                NDManager m = NDManager.newBaseManager()) {
            ByteBuffer map = FileMapping.map(ch, f, "t", 64, 16 * 4);
            assertTrue(map.isReadOnly());
            NDArray a = TensorConversion.wrap(map, new Shape(4, 4), DataType.FLOAT32, m);
            assertEquals(5f, a.toFloatArray()[5]);
            ByteBuffer minusOne = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, -1f);
            ch.write(minusOne, 64 + 5 * 4); // shared page cache: the read-only mapping sees the write
            assertEquals(-1f, a.toFloatArray()[5], "the tensor must alias the mapping");
        }
    }

    /** A misaligned slice cannot be wrapped safely (stack facts: silently wrong); it is copied instead. */
    @Test
    void wrapOfMisalignedBufferCopiesCorrectValues() {
        ByteBuffer b = ByteBuffer.allocateDirect(1 + 6 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            b.putFloat(1 + i * 4, i * 1.5f);
        }
        ByteBuffer slice = b.slice(1, 6 * 4);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = TensorConversion.wrap(slice, new Shape(2, 3), DataType.FLOAT32, m);
            assertArrayEquals(new float[] {0, 1.5f, 3, 4.5f, 6, 7.5f}, a.toFloatArray());
        }
    }
}
