package dev.janusstream.runtime.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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

    /**
     * Wraps direct aligned buffers without copying (the NDArray then aliases the buffer, e.g. a
     * read-only file mapping: never modify it in place). Anything else is copied once, straight
     * into the new tensor's native memory.
     */
    static NDArray wrap(ByteBuffer bytes, Shape shape, DataType type, NDManager manager) {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int unit = type.getNumOfBytes();
        boolean aligned = b.isDirect() && (unit == 1 || b.alignmentOffset(0, unit) == 0);
        if (aligned) {
            return manager.create(b, shape, type);
        }
        NDArray out = manager.create(shape, type);
        ByteBuffer view = writableView(out);
        if (view != null) {
            view.put(b);
            return out;
        }
        // Not reached with DJL 0.36 (see writableView); kept so an engine change degrades to one more copy.
        ByteBuffer copy = ByteBuffer.allocateDirect(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(b).flip();
        out.set(copy);
        return out;
    }

    /**
     * BF16 is the top half of an IEEE float32: shift each value into the high 16 bits. The result
     * is written straight into the new tensor's native memory, so no second copy of the tensor is
     * ever made (for a 7B model's 800 MB embedding that matters).
     */
    static NDArray widenBf16(ByteBuffer bytes, Shape shape, NDManager manager) {
        ShortBuffer src = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        int n = src.remaining();
        NDArray out = manager.create(shape, DataType.FLOAT32);
        if (n == 0) {
            return out;
        }
        ByteBuffer dst = writableView(out);
        if (dst == null) {
            out.close();
            return widenBf16Chunked(src, shape, manager);
        }
        for (int i = 0; i < n; i++) {
            dst.putInt(i * 4, (src.get(i) & 0xFFFF) << 16);
        }
        return out;
    }

    /**
     * The same widening through bounded direct buffers, for an engine whose toByteBuffer copies:
     * each chunk is set into a flat tensor by index, so at most {@link #CHUNK} elements are held
     * outside the tensor.
     */
    static NDArray widenBf16Chunked(ShortBuffer src, Shape shape, NDManager manager) {
        int n = src.remaining();
        NDArray flat = manager.zeros(new Shape(n), DataType.FLOAT32);
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.min(n, CHUNK) * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < n; start += CHUNK) {
            int len = Math.min(CHUNK, n - start);
            buf.clear();
            for (int i = 0; i < len; i++) {
                buf.putInt(i * 4, (src.get(start + i) & 0xFFFF) << 16);
            }
            buf.limit(len * 4);
            try (NDArray chunk = manager.create(buf, new Shape(len), DataType.FLOAT32)) {
                flat.set(new NDIndex("{}:{}", start, start + len), chunk);
            }
        }
        NDArray out = flat.reshape(shape);
        flat.close();
        return out;
    }

    static final int CHUNK = 1 << 20;

    /**
     * The tensor's own native memory as a writable little-endian buffer, or null if the engine
     * hands out copies. DJL 0.36's PyTorch engine returns a view for a fresh contiguous CPU tensor
     * (checked by CheckpointTensorConversionTest).
     */
    static ByteBuffer writableView(NDArray a) {
        ByteBuffer view = a.toByteBuffer(true);
        long bytes = a.getShape().size() * a.getDataType().getNumOfBytes();
        if (view.isDirect() && !view.isReadOnly() && view.capacity() == bytes) {
            return view.order(ByteOrder.LITTLE_ENDIAN);
        }
        return null;
    }

    /**
     * float32 to bfloat16 bits, rounding to nearest even like PyTorch's {@code tensor.to(torch.bfloat16)}
     * (c10::BFloat16 round_to_nearest_even): NaN becomes the canonical quiet NaN 0x7FC0, overflow
     * rounds to infinity.
     */
    public static short toBf16(float f) {
        if (Float.isNaN(f)) {
            return (short) 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(f);
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }
}
