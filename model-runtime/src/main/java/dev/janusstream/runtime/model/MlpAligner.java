package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import dev.janusstream.runtime.config.AlignerConfig;

/** MlpProjector {@code mlp_gelu}, depth 2: maps encoder features into the LLM's embedding space. */
public final class MlpAligner {
    private final NDArray w0, b0, w2, b2;

    private MlpAligner(NDArray w0, NDArray b0, NDArray w2, NDArray b2) {
        this.w0 = w0;
        this.b0 = b0;
        this.w2 = w2;
        this.b2 = b2;
    }

    /** {@code p} points at the aligner ("aligner" or "gen_aligner"). */
    public static MlpAligner load(Params p, AlignerConfig c) {
        return new MlpAligner(
                p.get("layers.0.weight", c.outputDim(), c.inputDim()), p.get("layers.0.bias", c.outputDim()),
                p.get("layers.2.weight", c.outputDim(), c.outputDim()), p.get("layers.2.bias", c.outputDim()));
    }

    /** [..., in] -> [..., out] */
    public NDArray forward(NDArray x) {
        NDArray h = Ops.gelu(Ops.linear(x, w0, b0));
        return Ops.linear(h, w2, b2);
    }

    /** The two matmuls of {@link #forward} without the GELU between them (for benchmarks' floors). */
    public NDArray matmulsOnly(NDArray x) {
        try (NDArray h = Ops.linear(x, w0, b0)) {
            return Ops.linear(h, w2, b2);
        }
    }
}
