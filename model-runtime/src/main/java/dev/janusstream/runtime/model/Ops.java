package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.core.Linear;

/** The few tensor operations every block uses, named as in the reference code. */
public final class Ops {
    private Ops() {}

    /** {@code x @ w^T + b} over the last dimension; w is [out, in] as stored by PyTorch. */
    public static NDArray linear(NDArray x, NDArray w, NDArray b) {
        NDList out = b == null ? Linear.linear(x, w) : Linear.linear(x, w, b);
        return out.singletonOrThrow();
    }

    public static NDArray linear(NDArray x, NDArray w) {
        return linear(x, w, null);
    }

    /** Exact (erf) GELU, as torch.nn.GELU() — every GELU in Janus is this one. */
    public static NDArray gelu(NDArray x) {
        return ai.djl.nn.Activation.gelu(x);
    }
}
