package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;

/** ResnetBlock: {@code x' + conv2(swish(GN2(conv1(swish(GN1(x))))))}, x' = 1x1 nin_shortcut(x) when channels change. */
record VqResBlock(VqGroupNorm norm1, VqConv conv1, VqGroupNorm norm2, VqConv conv2, VqConv ninShortcut) {

    static VqResBlock load(Params p, int in, int out) {
        return new VqResBlock(VqGroupNorm.load(p, "norm1", in), VqConv.load(p, "conv1", out, in, 3),
                VqGroupNorm.load(p, "norm2", out), VqConv.load(p, "conv2", out, out, 3),
                in != out ? VqConv.load(p, "nin_shortcut", out, in, 1) : null);
    }

    /** [P, in, H, W] -> [P, out, H, W] */
    NDArray forward(NDArray x) {
        NDArray h = conv1.forward(swish(norm1.forward(x)));
        h = conv2.forward(swish(norm2.forward(h))); // (dropout 0)
        return h.addi(ninShortcut == null ? x : ninShortcut.forward(x)); // h is conv2's fresh output
    }

    /** {@code x * sigmoid(x)}, the decoder's nonlinearity (one fresh array: sigmoid's, multiplied in place). */
    static NDArray swish(NDArray x) {
        return ai.djl.nn.Activation.sigmoid(x).muli(x);
    }
}
