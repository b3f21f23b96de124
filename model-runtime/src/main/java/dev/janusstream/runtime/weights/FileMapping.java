package dev.janusstream.runtime.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Maps one tensor's bytes of a weight file.
 *
 * <p>The mapping is READ_ONLY: Java only allows PRIVATE (copy-on-write) mappings of channels opened
 * for writing, and weight files are often on read-only volumes. The price: an NDArray wrapped
 * around such a buffer (F32 data, see {@link TensorConversion#wrap}) must never be modified in
 * place, or libtorch writes to read-only pages and the JVM dies with SIGSEGV. Java-side writes
 * fail cleanly ({@code ReadOnlyBufferException}).
 */
final class FileMapping {
    private FileMapping() {}

    /** Fills {@code dst} from {@code position} of {@code file}; a file that ends first is a {@link CheckpointException}. */
    static void readFully(FileChannel channel, Path file, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new CheckpointException(file + ": truncated file");
            }
            pos += n;
        }
    }

    /** Reads {@code length} bytes of {@code tensor} at {@code position} into {@code dst}, which must have exactly that much room. */
    static void read(FileChannel channel, Path file, String tensor, ByteBuffer dst, long position, long length) {
        if (dst.remaining() != length) {
            throw new CheckpointException(file + ": tensor '" + tensor + "' is " + length + " bytes, its tensor holds "
                    + dst.remaining());
        }
        try {
            readFully(channel, file, dst, position);
        } catch (IOException | CheckpointException e) {
            throw new CheckpointException(file + ": tensor '" + tensor + "': cannot read bytes [" + position + ", "
                    + (position + length) + "): " + e, e);
        }
    }

    static ByteBuffer map(FileChannel channel, Path file, String tensor, long position, long length) {
        if (length > Integer.MAX_VALUE) {
            throw new CheckpointException(file + ": tensor '" + tensor + "' is " + length
                    + " bytes, over the 2 GiB one mapping can hold");
        }
        try {
            if (length == 0) {
                return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, position, length).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file + ": tensor '" + tensor + "': cannot map bytes [" + position + ", "
                    + (position + length) + "): " + e, e);
        }
    }
}
