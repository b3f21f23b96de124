package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;

/**
 * torch.nn.GroupNorm(32, C, eps=1e-6, affine=True) on NCHW input: per image and group of C/32
 * channels, {@code (x - mean) / sqrt(var + eps)} with the biased variance, then the per-channel
 * affine.
 *
 * <p>DJL has no functional group norm; a group norm is a layer norm over [P, G, C/G*H*W] with
 * unit weight and zero bias (torch's fused layer_norm: one pass for the statistics, float
 * accumulation in half precision too, about twice as fast as mean/var/sub/div ops), followed by
 * the per-channel affine.
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

    /** [P, C, H, W] -> [P, C, H, W]; the scratch tensors go to the manager of {@code x}. */
    NDArray forward(NDArray x) {
        Shape shape = x.getShape();
        Shape group = new Shape(shape.size() / (shape.get(0) * groups)); // C/G*H*W
        NDManager m = x.getManager();
        NDArray normed = LayerNorm.layerNorm(x.reshape(shape.get(0), groups, -1), group,
                m.ones(group, x.getDataType()), m.zeros(group, x.getDataType()), eps).singletonOrThrow();
        return normed.reshape(shape).muli(gamma).addi(beta); // layer_norm's fresh output, scaled in place
    }
}
