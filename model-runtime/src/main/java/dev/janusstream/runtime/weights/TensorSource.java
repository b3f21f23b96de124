package dev.janusstream.runtime.weights;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * One weight file (a safetensors file, a PyTorch zip checkpoint) seen as named tensors.
 * Bytes are little-endian, row-major, and memory-mapped where the format allows it.
 */
public interface TensorSource extends AutoCloseable {

    /** Every tensor of the file by name, in file order. */
    Map<String, TensorInfo> tensors();

    /**
     * The raw bytes of one tensor, exactly {@code info.byteSize()} long, little-endian, position 0.
     * The buffer is usually a read-only memory mapping (see FileMapping): Java writes throw, and an
     * NDArray wrapped around it without a copy must never be modified in place (SIGSEGV).
     *
     * @throws CheckpointException if the tensor is unknown or its bytes lie beyond the file's end
     */
    ByteBuffer bytes(String name);

    /**
     * Copies the raw bytes of one tensor into {@code dst} (exactly {@code info.byteSize()} bytes
     * remaining), e.g. straight into a fresh tensor's own memory with a file read, no mapping.
     *
     * @throws CheckpointException as {@link #bytes}, or if the file ends first
     */
    default void readInto(String name, ByteBuffer dst) {
        dst.put(bytes(name));
    }

    @Override
    void close();
}
