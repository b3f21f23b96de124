package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary position embedding, HuggingFace LLaMA flavour: {@code inv_freq = 1 / theta^(2i/d)} in
 * float32, angles {@code pos * inv_freq}, rotate-half pairing of dims i and i + d/2. The cos/sin
 * tables are computed once, in float32 exactly as the reference does, then cast to the compute type.
 */
public final class Rope {
    private final NDArray cos, sin; // [maxPositions, d]

    public Rope(NDManager manager, int headDim, double theta, int maxPositions, DataType dtype) {
        try (NDManager m = manager.newSubManager()) {
            NDArray exponent = m.arange(0, headDim, 2, DataType.INT64).toType(DataType.FLOAT32, false).div(headDim);
            NDArray invFreq = exponent.getNDArrayInternal().rpow((float) theta).getNDArrayInternal().rdiv(1f); // [d/2]
            NDArray pos = m.arange(0, maxPositions, 1, DataType.INT64).toType(DataType.FLOAT32, false);
            NDArray freqs = pos.expandDims(1).mul(invFreq.expandDims(0)); // [P, d/2]
            NDArray emb = freqs.concat(freqs, 1); // [P, d]
            NDArray c = emb.cos().toType(dtype, false);
            NDArray s = emb.sin().toType(dtype, false);
            c.attach(manager);
            s.attach(manager);
            this.cos = c;
            this.sin = s;
        }
    }

    public int maxPositions() {
        return (int) cos.getShape().get(0);
    }

    /** cos and sin for positions [B, T] as [B, T, 1, d] (broadcast over heads). */
    public NDArray[] at(NDArray positions) {
        return new NDArray[] {Ops.rows(cos, positions).expandDims(2), Ops.rows(sin, positions).expandDims(2)};
    }

    /** x [B, T, H, d] rotated by the angles of its positions. */
    public static NDArray apply(NDArray x, NDArray[] cosSin) {
        long half = x.getShape().get(3) / 2;
        NDArray x1 = x.get(new NDIndex("..., :" + half));
        NDArray x2 = x.get(new NDIndex("..., " + half + ":"));
        NDArray rotated = x2.neg().concat(x1, 3);
        return x.mul(cosSin[0]).addi(rotated.muli(cosSin[1])); // rotated is a fresh concat
    }
}
