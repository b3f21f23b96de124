package dev.janusstream.runtime.weights;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where one named tensor lives: its element type, shape and the file holding its bytes.
 *
 * @throws CheckpointException (from the constructor) naming the file and the tensor when the shape
 *     has more than {@link #MAX_RANK} dimensions, a negative dimension, or more bytes than a long
 *     can count: shapes come from the file and are checked before anything is sized from them
 */
public record TensorInfo(String name, DType dtype, long[] shape, Path file) {
    /** More dimensions than any checkpoint tensor has (Janus-Pro's deepest are 4-D conv kernels). */
    public static final int MAX_RANK = 16;

    public TensorInfo {
        if (shape.length > MAX_RANK) {
            throw new CheckpointException(file + ": tensor '" + name + "' has " + shape.length
                    + " dimensions; at most " + MAX_RANK + " are supported");
        }
        long bytes = dtype.bytes();
        for (long d : shape) {
            if (d < 0) {
                throw new CheckpointException(file + ": tensor '" + name + "' has a negative dimension in shape "
                        + Arrays.toString(shape));
            }
            if (d != 0 && bytes > Long.MAX_VALUE / d) {
                bytes = -1;
                break;
            }
            bytes *= d;
        }
        if (bytes < 0 && Arrays.stream(shape).noneMatch(d -> d == 0)) {
            throw new CheckpointException(file + ": tensor '" + name + "' of shape " + Arrays.toString(shape) + " "
                    + dtype + " would hold more than " + Long.MAX_VALUE + " bytes (overflowing shape)");
        }
    }

    public long elementCount() {
        if (Arrays.stream(shape).anyMatch(d -> d == 0)) {
            return 0;
        }
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long byteSize() {
        return Math.multiplyExact(elementCount(), dtype.bytes());
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
