package dev.janusstream.runtime.golden;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.weights.CheckpointException;
import dev.janusstream.runtime.weights.DType;
import dev.janusstream.runtime.weights.SafetensorsFile;
import dev.janusstream.runtime.weights.TensorConversion;
import dev.janusstream.runtime.weights.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/** Reference tensors of a golden directory ({@code cases.safetensors}), read as host arrays or NDArrays. */
public final class GoldenCases implements AutoCloseable {
    private final SafetensorsFile file;

    private GoldenCases(SafetensorsFile file) {
        this.file = file;
    }

    public static GoldenCases open(Path casesFile) {
        return new GoldenCases(SafetensorsFile.open(casesFile));
    }

    public Path path() {
        return file.file();
    }

    public boolean has(String name) {
        return file.tensors().containsKey(name);
    }

    public java.util.Set<String> names() {
        return file.tensors().keySet();
    }

    public Map<String, String> metadata() {
        return file.metadata();
    }

    public TensorInfo info(String name) {
        TensorInfo i = file.tensors().get(name);
        if (i == null) {
            throw new CheckpointException(file.file() + ": no golden tensor '" + name + "'");
        }
        return i;
    }

    public long[] shape(String name) {
        return info(name).shape();
    }

    public float[] floats(String name) {
        expect(name, DType.F32);
        ByteBuffer b = file.bytes(name).order(ByteOrder.LITTLE_ENDIAN);
        float[] r = new float[b.remaining() / 4];
        b.asFloatBuffer().get(r);
        return r;
    }

    public long[] longs(String name) {
        expect(name, DType.I64);
        ByteBuffer b = file.bytes(name).order(ByteOrder.LITTLE_ENDIAN);
        long[] r = new long[b.remaining() / 8];
        b.asLongBuffer().get(r);
        return r;
    }

    public int[] ints(String name) {
        long[] l = longs(name);
        int[] r = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            r[i] = Math.toIntExact(l[i]);
        }
        return r;
    }

    public byte[] bytes(String name) {
        expect(name, DType.U8);
        ByteBuffer b = file.bytes(name);
        byte[] r = new byte[b.remaining()];
        b.get(r);
        return r;
    }

    public String utf8(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    /** The tensor as an NDArray in its stored type (copied into native memory owned by manager). */
    public NDArray array(String name, NDManager manager) {
        TensorInfo i = info(name);
        return TensorConversion.toNDArray(file.bytes(name), i, manager, null).duplicate();
    }

    public Shape ndShape(String name) {
        return new Shape(shape(name));
    }

    private void expect(String name, DType t) {
        if (info(name).dtype() != t) {
            throw new CheckpointException(file.file() + ": golden '" + name + "' is " + info(name).dtype() + ", not " + t);
        }
    }

    /** Largest absolute element-wise difference; fails on length mismatch. */
    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("length " + a.length + " != " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (Double.isNaN(d)) {
                return Double.POSITIVE_INFINITY;
            }
            m = Math.max(m, d);
        }
        return m;
    }

    @Override
    public void close() {
        file.close();
    }
}
