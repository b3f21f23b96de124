package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.janusstream.runtime.config.GenHeadConfig;

/**
 * {@code gen_head} (Janus {@code vision_head}): image-token logits from the LLM's last hidden
 * state (after the final RMSNorm).
 *
 * <pre>
 * h      = output_mlp_projector(x)    [B, n_embed] -> [B, image_token_embed]
 * h      = GELU(h)                    exact erf form
 * logits = vision_head(h)             -> [B, image_token_size]
 * </pre>
 */
public final class GenHead {
    private final GenHeadConfig config;
    private final NDArray projW; // [E, D]
    private final NDArray projB; // [E]
    private final NDArray headW; // [K, E]
    private final NDArray headB; // [K]

    private GenHead(GenHeadConfig config, NDArray projW, NDArray projB, NDArray headW, NDArray headB) {
        this.config = config;
        this.projW = projW;
        this.projB = projB;
        this.headW = headW;
        this.headB = headB;
    }

    /** Takes the four {@code gen_head.*} tensors from the model-level params. */
    public static GenHead load(Params root, GenHeadConfig c) {
        Params p = root.at("gen_head");
        return new GenHead(c,
                p.get("output_mlp_projector.weight", c.tokenEmbed(), c.nEmbed()),
                p.get("output_mlp_projector.bias", c.tokenEmbed()),
                p.get("vision_head.weight", c.imageTokenSize(), c.tokenEmbed()),
                p.get("vision_head.bias", c.imageTokenSize()));
    }

    public GenHeadConfig config() {
        return config;
    }

    /** hidden [B, D] (any leading dims) -> logits [B, K], owned by the manager of {@code hidden}. */
    public NDArray forward(NDArray hidden) {
        if (hidden.getShape().dimension() < 1 || hidden.getShape().tail() != config.nEmbed()) {
            throw new IllegalArgumentException("gen_head expects [..., " + config.nEmbed() + "], got "
                    + hidden.getShape());
        }
        NDManager caller = hidden.getManager();
        try (NDManager sub = caller.newSubManager()) {
            hidden.tempAttach(sub); // intermediates land in sub; hidden returns to the caller
            NDArray logits = Ops.linear(project(hidden), headW, headB); // [B, K]
            logits.attach(caller);
            return logits;
        }
    }

    /**
     * Classifier-free guided logits: hidden [2I, D] holds each image's conditional row followed by
     * its unconditional row, cfg [I, 1] the guidance weights; returns
     * {@code uncond + cfg * (cond - uncond)} of the logits, [I, K]. vision_head is affine, so the
     * same mix of its inputs gives the same logits with one head row per image instead of two.
     */
    public NDArray guided(NDArray hidden, NDArray cfg) {
        long images = hidden.getShape().get(0) / 2;
        NDManager caller = hidden.getManager();
        try (NDManager sub = caller.newSubManager()) {
            hidden.tempAttach(sub);
            cfg.tempAttach(sub);
            NDArray h = project(hidden).reshape(images, 2, -1); // [I, 2, E]
            NDArray cond = h.get(":, 0");
            NDArray uncond = h.get(":, 1");
            NDArray mixed = uncond.add(cond.sub(uncond).mul(cfg)); // [I, E]
            NDArray logits = Ops.linear(mixed, headW, headB); // [I, K]
            logits.attach(caller);
            return logits;
        }
    }

    /** GELU(output_mlp_projector(x)): [B, D] -> [B, E]. */
    private NDArray project(NDArray hidden) {
        return Ops.gelu(Ops.linear(hidden, projW, projB));
    }
}
