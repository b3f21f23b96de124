package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.LayerNorm;
import dev.janusstream.runtime.config.SigLipConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The SigLIP ViT understanding encoder as Janus runs it: patch embedding, learned positions,
 * pre-norm blocks, final LayerNorm; every patch token is returned (no class token, no
 * attention-pool head).
 */
public final class SigLipEncoder {
    private static final float LN_EPS = 1e-6f;

    private final SigLipConfig c;
    private final NDArray patchW, patchB, pos, normW, normB;
    private final List<Block> blocks;

    private record Block(NDArray ln1W, NDArray ln1B, NDArray qkvW, NDArray qkvB, NDArray projW, NDArray projB,
            NDArray ln2W, NDArray ln2B, NDArray fc1W, NDArray fc1B, NDArray fc2W, NDArray fc2B) {}

    private SigLipEncoder(SigLipConfig c, NDArray patchW, NDArray patchB, NDArray pos, NDArray normW, NDArray normB,
            List<Block> blocks) {
        this.c = c;
        this.patchW = patchW;
        this.patchB = patchB;
        this.pos = pos;
        this.normW = normW;
        this.normB = normB;
        this.blocks = blocks;
    }

    /** {@code p} points at "vision_model.vision_tower". */
    public static SigLipEncoder load(Params p, SigLipConfig c) {
        int w = c.width(), hid = c.mlpHidden();
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            Params b = p.at("blocks." + i);
            if (i >= c.blocksUsed()) {
                b.skipAll("");
                continue;
            }
            blocks.add(new Block(
                    b.get("norm1.weight", w), b.get("norm1.bias", w),
                    b.get("attn.qkv.weight", 3L * w, w), b.get("attn.qkv.bias", 3L * w),
                    b.get("attn.proj.weight", w, w), b.get("attn.proj.bias", w),
                    b.get("norm2.weight", w), b.get("norm2.bias", w),
                    b.get("mlp.fc1.weight", hid, w), b.get("mlp.fc1.bias", hid),
                    b.get("mlp.fc2.weight", w, hid), b.get("mlp.fc2.bias", w)));
        }
        p.skipAll("attn_pool.");
        return new SigLipEncoder(c,
                p.get("patch_embed.proj.weight", w, 3, c.patchSize(), c.patchSize()), p.get("patch_embed.proj.bias", w),
                p.get("pos_embed", 1, c.numPatches(), w),
                p.get("norm.weight", w), p.get("norm.bias", w), blocks);
    }

    /**
     * pixels [B, 3, S, S] -> patch features [B, N, width], in the caller's manager. Images go
     * through the tower one at a time: the largest activation (attention scores [H, N, N], 21 MB
     * for SigLIP-L @ 384) then stays the same whatever B, and the allocator reuses the same memory
     * for it layer after layer instead of mapping fresh pages; at N = 576 rows the matmuls are as
     * efficient per image as in a batch.
     */
    public NDArray forward(NDArray pixels) {
        long b = pixels.getShape().get(0);
        if (b == 1) {
            return forwardOne(pixels);
        }
        NDList out = new NDList();
        for (long i = 0; i < b; i++) {
            try (NDArray one = pixels.get(i + ":" + (i + 1))) { // [1, 3, S, S]
                out.add(forwardOne(one));
            }
        }
        NDArray all = NDArrays.concat(out); // [B, N, W]
        out.close();
        return all;
    }

    /** pixels [1, 3, S, S] -> [1, N, W]; intermediates live in a sub-manager. */
    private NDArray forwardOne(NDArray pixels) {
        NDManager caller = pixels.getManager();
        try (NDManager m = caller.newSubManager()) {
            pixels.tempAttach(m);
            Shape stride = new Shape(c.patchSize(), c.patchSize());
            NDArray x = Conv2d.conv2d(pixels, patchW, patchB, stride).singletonOrThrow(); // [1, W, g, g]
            x = x.reshape(1, c.width(), c.numPatches()).transpose(0, 2, 1).add(pos); // [1, N, W], row-major patches
            for (Block blk : blocks) {
                try (NDManager bm = m.newSubManager()) { // one block's activations alive at a time
                    x.attach(bm); // the block's input is freed with it
                    NDArray a = attention(layerNorm(x, blk.ln1W, blk.ln1B), blk).addi(x); // [1, N, W]
                    NDArray h = Ops.gelu(Ops.linear(layerNorm(a, blk.ln2W, blk.ln2B), blk.fc1W, blk.fc1B)); // [1, N, 4W]
                    NDArray out = Ops.linear(h, blk.fc2W, blk.fc2B).addi(a); // [1, N, W]
                    out.attach(m);
                    x = out;
                }
            }
            NDArray out = layerNorm(x, normW, normB);
            out.attach(caller);
            return out;
        }
    }

    /** x [B, N, W] -> attention output after proj [B, N, W] (a fresh array). */
    private NDArray attention(NDArray x, Block blk) {
        long b = x.getShape().get(0), n = x.getShape().get(1);
        int h = c.heads(), d = c.headDim();
        NDArray qkv = Ops.linear(x, blk.qkvW, blk.qkvB).reshape(b, n, 3, h, d).transpose(2, 0, 3, 1, 4); // [3, B, H, N, d] view
        // Scaling q ([B, H, N, d]) rather than the scores ([B, H, N, N], N/d = 9 x larger) also
        // makes q contiguous for the matmul.
        NDArray q = qkv.get(0).mul(1.0 / Math.sqrt(d)), k = qkv.get(1), v = qkv.get(2);
        NDArray probs = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1); // [B, H, N, N]
        NDArray o = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, n, (long) h * d); // [B, N, W]
        return Ops.linear(o, blk.projW, blk.projB);
    }

    /**
     * The matmuls of one forward over {@code images} images run alone, on random activations of
     * the same shapes: the patch embedding, each block's four weight matmuls and its two attention
     * products (q·kᵀ, p·v). The floor the tower can reach, for the benchmarks' ratio.
     */
    public NDArray matmulsOnly(NDManager m, int images) {
        long n = c.numPatches(), w = c.width();
        int h = c.heads(), d = c.headDim();
        NDArray px = m.randomUniform(-1, 1, new Shape(images, 3, c.imageSize(), c.imageSize()), patchW.getDataType());
        NDArray x = m.randomNormal(new Shape(images, n, w), patchW.getDataType());
        NDArray hid = m.randomNormal(new Shape(images, n, c.mlpHidden()), patchW.getDataType());
        NDArray q = m.randomNormal(new Shape(images, h, n, d), patchW.getDataType());
        NDArray p = m.randomNormal(new Shape(images, h, n, n), patchW.getDataType());
        NDArray y = Conv2d.conv2d(px, patchW, patchB, new Shape(c.patchSize(), c.patchSize())).singletonOrThrow();
        for (Block blk : blocks) {
            try (NDManager bm = m.newSubManager()) {
                y.attach(bm);
                Ops.linear(x, blk.qkvW, blk.qkvB).attach(bm);
                q.matMul(q.transpose(0, 1, 3, 2)).attach(bm);
                p.matMul(q).attach(bm);
                Ops.linear(x, blk.projW, blk.projB).attach(bm);
                Ops.linear(x, blk.fc1W, blk.fc1B).attach(bm);
                y = Ops.linear(hid, blk.fc2W, blk.fc2B); // in m, like hid
            }
        }
        return y;
    }

    private static NDArray layerNorm(NDArray x, NDArray w, NDArray b) {
        long dim = x.getShape().get(x.getShape().dimension() - 1);
        return LayerNorm.layerNorm(x, new Shape(dim), w, b, LN_EPS).singletonOrThrow();
    }
}
