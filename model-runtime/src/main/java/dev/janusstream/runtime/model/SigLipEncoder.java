package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
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

    /** pixels [B, 3, S, S] -> patch features [B, N, width]; intermediates live in a sub-manager. */
    public NDArray forward(NDArray pixels) {
        NDManager caller = pixels.getManager();
        try (NDManager m = caller.newSubManager()) {
            pixels.tempAttach(m);
            int b = (int) pixels.getShape().get(0);
            Shape stride = new Shape(c.patchSize(), c.patchSize());
            NDArray x = Conv2d.conv2d(pixels, patchW, patchB, stride).singletonOrThrow(); // [B, W, g, g]
            x = x.reshape(b, c.width(), c.numPatches()).transpose(0, 2, 1); // [B, N, W], row-major patches
            x = x.add(pos);
            for (Block blk : blocks) {
                try (NDManager bm = m.newSubManager()) { // one block's activations alive at a time
                    x.tempAttach(bm);
                    NDArray a = x.add(attention(layerNorm(x, blk.ln1W, blk.ln1B), blk));
                    NDArray h = Ops.gelu(Ops.linear(layerNorm(a, blk.ln2W, blk.ln2B), blk.fc1W, blk.fc1B));
                    NDArray out = a.add(Ops.linear(h, blk.fc2W, blk.fc2B));
                    out.attach(m);
                    x = out;
                }
            }
            NDArray out = layerNorm(x, normW, normB);
            out.attach(caller);
            return out;
        }
    }

    private NDArray attention(NDArray x, Block blk) {
        long b = x.getShape().get(0), n = x.getShape().get(1);
        int h = c.heads(), d = c.headDim();
        NDArray qkv = Ops.linear(x, blk.qkvW, blk.qkvB).reshape(b, n, 3, h, d).transpose(2, 0, 3, 1, 4); // [3, B, H, N, d]
        NDArray q = qkv.get(0), k = qkv.get(1), v = qkv.get(2);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(1.0 / Math.sqrt(d)); // [B, H, N, N]
        NDArray o = scores.softmax(-1).matMul(v); // [B, H, N, d]
        o = o.transpose(0, 2, 1, 3).reshape(b, n, (long) h * d);
        return Ops.linear(o, blk.projW, blk.projB);
    }

    private static NDArray layerNorm(NDArray x, NDArray w, NDArray b) {
        long dim = x.getShape().get(x.getShape().dimension() - 1);
        return LayerNorm.layerNorm(x, new Shape(dim), w, b, LN_EPS).singletonOrThrow();
    }
}
