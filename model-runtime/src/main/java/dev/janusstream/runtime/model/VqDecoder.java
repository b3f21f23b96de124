package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.config.VqConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The image half of Janus's VQ-16 tokenizer ({@code gen_vision_model.decode_code}): a grid of
 * codebook ids -> RGB image in [-1, 1] (unclipped).
 *
 * <pre>
 * z = normalize(codebook)[codes]                     [P, g*g, Cq] -> [P, Cq, g, g]
 * z = post_quant_conv(z)                             1x1 -> [P, z_channels, g, g]
 * h = conv_in(z)                                     3x3 -> [P, ch*mult[-1], g, g]
 * h = mid: ResBlock, AttnBlock, ResBlock
 * for level i = 0 .. n-1 (lowest resolution first; width ch*mult[n-1-i]):
 *     num_res_blocks+1 x (ResBlock [, AttnBlock when i == 0])
 *     unless last: nearest x2 upsample + conv 3x3
 * out = conv_out(swish(GN(h)))                       3x3 -> [P, 3, g*2^(n-1), g*2^(n-1)]
 * </pre>
 *
 * The encoder, quant_conv and the codebook usage counter of the checkpoint are not used.
 * Immutable after {@link #load}; {@link #decode} may be called from several threads.
 */
public final class VqDecoder {
    private final VqConfig config;
    private final NDArray codebook; // [K, Cq], rows l2-normalised once at load
    private final VqConv postQuantConv;
    private final VqConv convIn;
    private final VqResBlock mid0;
    private final VqAttnBlock mid1;
    private final VqResBlock mid2;
    private final List<Level> levels;
    private final VqGroupNorm normOut;
    private final VqConv convOut;

    /** One {@code conv_blocks[i]}: ResBlocks (each followed by an AttnBlock in level 0), then an optional upsampler. */
    private record Level(List<VqResBlock> res, List<VqAttnBlock> attn, VqConv upsample) {}

    private VqDecoder(VqConfig config, NDArray codebook, VqConv postQuantConv, VqConv convIn, VqResBlock mid0,
            VqAttnBlock mid1, VqResBlock mid2, List<Level> levels, VqGroupNorm normOut, VqConv convOut) {
        this.config = config;
        this.codebook = codebook;
        this.postQuantConv = postQuantConv;
        this.convIn = convIn;
        this.mid0 = mid0;
        this.mid1 = mid1;
        this.mid2 = mid2;
        this.levels = levels;
        this.normOut = normOut;
        this.convOut = convOut;
    }

    /** Takes every {@code gen_vision_model.*} tensor the decoder needs from the model-level params and skips the rest. */
    public static VqDecoder load(Params root, VqConfig c) {
        Params p = root.at("gen_vision_model");
        p.skipAll("encoder.");
        p.skipAll("quant_conv.");
        p.skipAll("quantize.codebook_used"); // usage counter (lenient: absent in some exports)

        NDArray raw = p.get("quantize.embedding.weight", c.codebookSize(), c.codebookDim());
        NDArray codebook = raw.toType(DataType.FLOAT32, false).normalize(2, 1); // F.normalize(w, p=2, dim=-1)
        if (codebook.getDataType() != p.dtype()) {
            codebook = codebook.toType(p.dtype(), false);
        }
        raw.close();
        VqConv postQuant = VqConv.load(p, "post_quant_conv", c.zChannels(), c.codebookDim(), 1);

        Params d = p.at("decoder");
        int[] mult = c.decoderChMult();
        int n = mult.length;
        int blockIn = c.ch() * mult[n - 1];
        VqConv convIn = VqConv.load(d, "conv_in", blockIn, c.zChannels(), 3);
        VqResBlock mid0 = VqResBlock.load(d.at("mid.0"), blockIn, blockIn);
        VqAttnBlock mid1 = VqAttnBlock.load(d.at("mid.1"), blockIn);
        VqResBlock mid2 = VqResBlock.load(d.at("mid.2"), blockIn, blockIn);
        List<Level> levels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Params b = d.at("conv_blocks." + i);
            int blockOut = c.ch() * mult[n - 1 - i];
            List<VqResBlock> res = new ArrayList<>();
            List<VqAttnBlock> attn = new ArrayList<>();
            for (int j = 0; j <= c.numResBlocks(); j++) {
                res.add(VqResBlock.load(b.at("res." + j), blockIn, blockOut));
                blockIn = blockOut;
                if (i == 0) {
                    attn.add(VqAttnBlock.load(b.at("attn." + j), blockIn));
                }
            }
            VqConv up = i != n - 1 ? VqConv.load(b, "upsample.conv", blockIn, blockIn, 3) : null;
            levels.add(new Level(List.copyOf(res), List.copyOf(attn), up));
        }
        VqGroupNorm normOut = VqGroupNorm.load(d, "norm_out", blockIn);
        VqConv convOut = VqConv.load(d, "conv_out", 3, blockIn, 3);
        return new VqDecoder(c, codebook, postQuant, convIn, mid0, mid1, mid2, List.copyOf(levels), normOut, convOut);
    }

    public VqConfig config() {
        return config;
    }

    /** Side of the decoded image for a {@code gridSide} x {@code gridSide} code grid. */
    public int imageSide(int gridSide) {
        return gridSide * config.downsample();
    }

    /**
     * Decodes P code grids, each {@code gridSide^2} ids in row-major order, to float images
     * [P, 3, S, S] (S = gridSide * 16 for VQ-16), unclipped, in the compute dtype.
     */
    public NDArray decode(int[][] codes, int gridSide, NDManager manager) {
        long[] flat = new long[codes.length * gridSide * gridSide];
        int k = 0;
        for (int[] row : codes) {
            if (row.length != gridSide * gridSide) {
                throw new IllegalArgumentException("code grid has " + row.length + " ids, expected " + gridSide
                        + "x" + gridSide);
            }
            for (int id : row) {
                flat[k++] = id;
            }
        }
        try (NDManager sub = codebook.getManager().newSubManager()) {
            NDArray out = decodeIds(sub.create(flat, new Shape(codes.length, (long) gridSide * gridSide)), gridSide);
            out.attach(manager);
            return out;
        }
    }

    /**
     * Decodes {@code codes} [P, g*g] (integer ids, row-major grids) to [P, 3, S, S]; the result
     * belongs to the manager of {@code codes}.
     */
    public NDArray decode(NDArray codes, int gridSide) {
        long[] flat;
        if (codes.getDataType() == DataType.INT64) {
            flat = codes.toLongArray();
        } else {
            try (NDArray asLong = codes.toType(DataType.INT64, true)) {
                flat = asLong.toLongArray();
            }
        }
        try (NDManager sub = codebook.getManager().newSubManager()) {
            NDArray out = decodeIds(sub.create(flat, codes.getShape()), gridSide);
            out.attach(codes.getManager());
            return out;
        }
    }

    /** Forward over ids owned by the scratch manager; intermediates stay there. */
    private NDArray decodeIds(NDArray ids, int gridSide) {
        NDArray z = quant(ids, gridSide); // [P, Cq, g, g]
        z = postQuantConv.forward(z); // [P, z, g, g]
        return decoder(z); // [P, 3, S, S]
    }

    /** {@code quantize.get_codebook_entry}: ids [P, g*g] -> l2-normalised entries [P, Cq, g, g]. */
    NDArray quant(NDArray ids, int gridSide) {
        Shape s = ids.getShape();
        if (gridSide <= 0 || s.dimension() != 2 || s.get(0) == 0 || s.get(1) != (long) gridSide * gridSide) {
            throw new IllegalArgumentException("codes must be [P, " + gridSide * gridSide + "], got " + s);
        }
        checkRange(ids.toLongArray());
        NDArray z = codebook.get(ids.reshape(-1)); // [P*g*g, Cq]
        z.attach(ids.getManager());
        return z.reshape(s.get(0), gridSide, gridSide, config.codebookDim()).transpose(0, 3, 1, 2);
    }

    NDArray postQuant(NDArray quant) {
        return postQuantConv.forward(quant);
    }

    /** {@code Decoder.forward}: [P, z_channels, g, g] -> [P, 3, S, S]. */
    NDArray decoder(NDArray z) {
        NDManager scratch = z.getManager();
        NDArray h = convIn.forward(z);
        h = scoped(scratch, h, x -> mid2.forward(mid1.forward(mid0.forward(x))));
        for (Level level : levels) {
            for (int j = 0; j < level.res.size(); j++) {
                int k = j;
                h = scoped(scratch, h, x -> level.attn.isEmpty() ? level.res.get(k).forward(x)
                        : level.attn.get(k).forward(level.res.get(k).forward(x)));
            }
            if (level.upsample != null) {
                h = scoped(scratch, h, x -> level.upsample.forward(upsampleNearest2x(x)));
            }
        }
        return scoped(scratch, h, x -> convOut.forward(VqResBlock.swish(normOut.forward(x))));
    }

    /**
     * Runs one block with its intermediates in a scratch manager and frees its input: at 384x384
     * every activation is tens of MB, so only one block's worth is ever alive.
     */
    private static NDArray scoped(NDManager owner, NDArray h, java.util.function.UnaryOperator<NDArray> block) {
        NDArray out;
        try (NDManager s = owner.newSubManager()) {
            h.tempAttach(s);
            out = block.apply(h);
            out.attach(owner);
        }
        h.close();
        return out;
    }

    /** F.interpolate(scale_factor=2, mode="nearest"): every pixel becomes a 2x2 block. Exact in any dtype. */
    static NDArray upsampleNearest2x(NDArray x) {
        Shape s = x.getShape(); // [P, C, H, W]
        long b = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        return x.reshape(b, c, h, 1, w, 1).broadcast(b, c, h, 2, w, 2).reshape(b, c, 2 * h, 2 * w);
    }

    private void checkRange(long[] ids) {
        for (long id : ids) {
            if (id < 0 || id >= config.codebookSize()) {
                throw new IllegalArgumentException("code id " + id + " outside the codebook [0, "
                        + config.codebookSize() + ")");
            }
        }
    }

    /**
     * The official script's conversion to 8-bit RGB: {@code uint8(clip((x + 1) / 2 * 255, 0, 255))}
     * in float32 with truncation toward zero, HWC. {@code decoded} is [P, 3, S, S]; returns one
     * S*S*3 array per image (row-major, RGB interleaved).
     */
    public static byte[][] toRgb8(NDArray decoded) {
        Shape s = decoded.getShape();
        if (s.dimension() != 4 || s.get(1) != 3) {
            throw new IllegalArgumentException("decoded images must be [P, 3, H, W], got " + s);
        }
        int n = (int) s.get(0), h = (int) s.get(2), w = (int) s.get(3);
        float[] x;
        if (decoded.getDataType() == DataType.FLOAT32) {
            x = decoded.toFloatArray();
        } else {
            try (NDArray f = decoded.toType(DataType.FLOAT32, true)) {
                x = f.toFloatArray();
            }
        }
        int plane = h * w;
        byte[][] out = new byte[n][plane * 3];
        for (int i = 0; i < n; i++) {
            byte[] img = out[i];
            int base = i * 3 * plane;
            for (int c = 0; c < 3; c++) {
                int src = base + c * plane;
                for (int p = 0; p < plane; p++) {
                    img[p * 3 + c] = (byte) toU8(x[src + p]);
                }
            }
        }
        return out;
    }

    /** One channel value; float32 arithmetic exactly as numpy's on a float32 array. NaN maps to 0. */
    static int toU8(float v) {
        float y = (v + 1f) / 2f * 255f;
        y = Math.min(Math.max(y, 0f), 255f);
        return (int) y; // truncation toward zero
    }

    @Override
    public String toString() {
        return "VqDecoder" + Arrays.toString(config.decoderChMult()) + " ch=" + config.ch();
    }
}
