package dev.janusstream.runtime.weights;

import java.nio.file.Path;
import java.util.Arrays;

/** Where one named tensor lives: its element type, shape and the file holding its bytes. */
public record TensorInfo(String name, DType dtype, long[] shape, Path file) {

    public long elementCount() {
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
