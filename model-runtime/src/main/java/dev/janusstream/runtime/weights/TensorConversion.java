package dev.janusstream.runtime.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;

/** Turns the raw little-endian bytes of a tensor into an NDArray of the requested type. */
public final class TensorConversion {
    private TensorConversion() {}

    public static NDArray toNDArray(ByteBuffer bytes, TensorInfo info, NDManager manager, DataType target) {
        Shape shape = new Shape(info.shape());
        DType dtype = info.dtype();
        if (dtype == DType.BF16) {
            NDArray widened = widenBf16(bytes, shape, manager);
            return target == DataType.FLOAT32 ? widened : convert(widened, target);
        }
        NDArray raw = wrap(bytes, shape, dtype.djlType(), manager);
        if (target == null || raw.getDataType() == target) {
            return raw;
        }
        return convert(raw, target);
    }

    private static NDArray convert(NDArray a, DataType target) {
        NDArray converted = a.toType(target, false);
        a.close();
        return converted;
    }

    /** Wraps direct aligned buffers without copying; copies anything else into fresh native memory. */
    static NDArray wrap(ByteBuffer bytes, Shape shape, DataType type, NDManager manager) {
        ByteBuffer b = bytes.order(ByteOrder.LITTLE_ENDIAN);
        int unit = type.getNumOfBytes();
        boolean aligned = b.isDirect() && (unit == 1 || b.alignmentOffset(0, unit) == 0);
        if (aligned) {
            return manager.create(b, shape, type);
        }
        NDArray out = manager.create(shape, type);
        ByteBuffer copy = ByteBuffer.allocateDirect(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(b.duplicate());
        copy.flip();
        out.set(copy);
        return out;
    }

    /**
     * BF16 is the top half of an IEEE float32: shift each value into the high 16 bits. The result
     * is written straight into the new tensor's native memory, chunk by chunk, so no Java-side
     * copy of the whole tensor is ever made.
     */
    static NDArray widenBf16(ByteBuffer bytes, Shape shape, NDManager manager) {
        ShortBuffer src = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        NDArray out = manager.create(shape, DataType.FLOAT32);
        ByteBuffer dst = out.toByteBuffer(true);
        if (dst.isDirect() && dst.capacity() == src.remaining() * 4 && !dst.isReadOnly()) {
            dst.order(ByteOrder.LITTLE_ENDIAN);
            int n = src.remaining();
            for (int i = 0; i < n; i++) {
                dst.putInt(i * 4, (src.get(i) & 0xFFFF) << 16);
            }
            return out;
        }
        // The engine gave us a copy rather than a view: fill a buffer and set it.
        ByteBuffer buf = ByteBuffer.allocateDirect(src.remaining() * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < src.remaining(); i++) {
            buf.putInt(i * 4, (src.get(i) & 0xFFFF) << 16);
        }
        out.set(buf);
        return out;
    }
}
