package dev.janusstream.runtime.weights;

import ai.djl.ndarray.types.DataType;

/** Element types found in checkpoints, with their names in safetensors headers and PyTorch storages. */
public enum DType {
    F64(8, DataType.FLOAT64),
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    /** No DJL equivalent usable on PyTorch (it aborts the JVM): always widened to F32 on load. */
    BF16(2, null),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32),
    I16(2, DataType.INT16),
    I8(1, DataType.INT8),
    U8(1, DataType.UINT8),
    BOOL(1, DataType.BOOLEAN);

    private final int bytes;
    private final DataType djl;

    DType(int bytes, DataType djl) {
        this.bytes = bytes;
        this.djl = djl;
    }

    public int bytes() {
        return bytes;
    }

    /** The DJL type holding these bytes as they are; null for BF16. */
    public DataType djlType() {
        return djl;
    }

    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** Parses a safetensors dtype string ("F32", "BF16", ...). */
    public static DType fromSafetensors(String name) {
        try {
            return DType.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unsupported safetensors dtype '" + name + "'");
        }
    }
}
