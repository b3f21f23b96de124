package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

/** The few tensor operations every block uses, named as in the reference code. */
public final class Ops {
    private Ops() {}

    /**
     * Up to this many rows, {@code (w @ x^T)^T} beats {@code x @ w^T} on CPU BLAS: with the
     * weight as the left operand the few activation rows are packed instead of the whole weight
     * (measured ~1.4x faster for 2..16 rows on the 2048x5632 LLaMA matrices, equal for 1 row).
     * Decode steps have few rows; prefill takes the usual path.
     */
    static final long FEW_ROWS = 32;

    /** {@code x @ w^T + b} over the last dimension; w is [out, in] as stored by PyTorch. */
    public static NDArray linear(NDArray x, NDArray w, NDArray b) {
        Shape s = x.getShape();
        long in = s.get(s.dimension() - 1);
        long rows = s.size() / in;
        if (rows > 1 && rows <= FEW_ROWS && !x.getDevice().isGpu()) {
            NDArray wx = w.matMul(x.reshape(rows, in).transpose()); // [out, rows], created in w's manager
            wx.attach(x.getManager()); // so move it to the caller's, or every step would leak into the model's
            // [rows, out], copied row-major: a transposed view would reach the next product as
            // x whose x^T is already contiguous, which BLAS then runs as W·B ("NN"); with the
            // rows contiguous it runs as W·x^T ("NT"), ~3x faster for 2..8 rows on MKL (measured).
            NDArray y = wx.transpose().reshape(-1);
            long[] outShape = s.getShape().clone();
            outShape[outShape.length - 1] = w.getShape().get(0);
            y = y.reshape(new Shape(outShape));
            return b == null ? y : y.addi(b);
        }
        NDList out = b == null ? Linear.linear(x, w) : Linear.linear(x, w, b);
        return out.singletonOrThrow();
    }

    public static NDArray linear(NDArray x, NDArray w) {
        return linear(x, w, null);
    }

    /**
     * Rows {@code ids} of a weight table (embedding lookup). The result is moved to the manager of
     * {@code ids}: DJL puts an op's result in its first operand's manager, which for a weight is
     * the model's, and every call would leak there.
     */
    public static NDArray rows(NDArray table, NDArray ids) {
        NDArray r = table.get(new ai.djl.ndarray.index.NDIndex("{}", ids));
        r.attach(ids.getManager());
        return r;
    }

    /** Exact (erf) GELU, as torch.nn.GELU() — every GELU in Janus is this one. */
    public static NDArray gelu(NDArray x) {
        return ai.djl.nn.Activation.gelu(x);
    }
}
