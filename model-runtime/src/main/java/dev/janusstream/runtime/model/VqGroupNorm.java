package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * torch.nn.GroupNorm(32, C, eps=1e-6, affine=True) on NCHW input: per image and group of C/32
 * channels, {@code (x - mean) / sqrt(var + eps)} with the biased variance, then the per-channel
 * affine. Statistics are computed in float32 whatever the compute dtype (as PyTorch does).
 */
record VqGroupNorm(NDArray gamma, NDArray beta, int groups, float eps) {
    static final int GROUPS = 32;
    static final float EPS = 1e-6f;

    static VqGroupNorm load(Params p, String name, int channels) {
        if (channels % GROUPS != 0) {
            throw new IllegalArgumentException(name + ": " + channels + " channels are not divisible into "
                    + GROUPS + " groups");
        }
        // [C] -> [C, 1, 1] so they broadcast over [P, C, H, W]
        return new VqGroupNorm(p.get(name + ".weight", channels).reshape(channels, 1, 1),
                p.get(name + ".bias", channels).reshape(channels, 1, 1), GROUPS, EPS);
    }

    /** [P, C, H, W] -> [P, C, H, W] */
    NDArray forward(NDArray x) {
        Shape shape = x.getShape();
        DataType type = x.getDataType();
        NDArray g = x.reshape(shape.get(0), groups, -1); // [P, G, C/G*H*W]
        if (type != DataType.FLOAT32) {
            g = g.toType(DataType.FLOAT32, false);
        }
        NDArray mean = g.mean(new int[] {2}, true); // [P, G, 1]
        NDArray centered = g.sub(mean);
        NDArray var = centered.square().mean(new int[] {2}, true); // biased
        NDArray normed = centered.div(var.add(eps).sqrt());
        if (type != DataType.FLOAT32) {
            normed = normed.toType(type, false);
        }
        return normed.reshape(shape).mul(gamma).add(beta);
    }
}
