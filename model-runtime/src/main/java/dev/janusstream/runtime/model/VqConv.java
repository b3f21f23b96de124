package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/** A Conv2d of the VQ decoder: stride 1, "same" padding (k / 2), with bias; weight [out, in, k, k]. */
record VqConv(NDArray weight, NDArray bias, Shape padding) {
    private static final Shape STRIDE = new Shape(1, 1);

    static VqConv load(Params p, String name, int out, int in, int k) {
        return new VqConv(p.get(name + ".weight", out, in, k, k), p.get(name + ".bias", out),
                new Shape(k / 2, k / 2));
    }

    /** [P, in, H, W] -> [P, out, H, W] */
    NDArray forward(NDArray x) {
        return Conv2d.conv2d(x, weight, bias, STRIDE, padding).singletonOrThrow();
    }
}
