package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** AttnBlock: GN, 1x1 q/k/v, single-head softmax attention over the H*W positions (scale C^-0.5), 1x1 proj_out, residual. */
record VqAttnBlock(VqGroupNorm norm, VqConv q, VqConv k, VqConv v, VqConv projOut, float scale) {

    static VqAttnBlock load(Params p, int c) {
        return new VqAttnBlock(VqGroupNorm.load(p, "norm", c), VqConv.load(p, "q", c, c, 1),
                VqConv.load(p, "k", c, c, 1), VqConv.load(p, "v", c, c, 1), VqConv.load(p, "proj_out", c, c, 1),
                (float) Math.pow(c, -0.5));
    }

    /** [P, C, H, W] -> [P, C, H, W] */
    NDArray forward(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0), c = s.get(1), hw = s.get(2) * s.get(3);
        NDArray h = norm.forward(x);
        NDArray qs = q.forward(h).reshape(b, c, hw).transpose(0, 2, 1); // [P, HW, C]
        NDArray ks = k.forward(h).reshape(b, c, hw); // [P, C, HW]
        NDArray vs = v.forward(h).reshape(b, c, hw); // [P, C, HW]
        NDArray w = qs.matMul(ks).mul(scale).softmax(2); // [P, HW(i), HW(j)]
        NDArray out = vs.matMul(w.transpose(0, 2, 1)).reshape(s); // [P, C, HW(i)] -> [P, C, H, W]
        return projOut.forward(out).addi(x);
    }
}
