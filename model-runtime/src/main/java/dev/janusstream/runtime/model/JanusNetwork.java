package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import dev.janusstream.runtime.config.JanusConfig;
import dev.janusstream.runtime.config.VqConfig;

/**
 * All blocks of MultiModalityCausalLM: the understanding path (SigLIP + aligner into the LLM,
 * text head) and the generation path (image-token embedding + gen aligner into the same LLM,
 * gen head, VQ decoder).
 */
public final class JanusNetwork {
    private final JanusConfig config;
    private final SigLipEncoder vision;
    private final MlpAligner aligner;
    private final LlamaDecoder llm;
    private final NDArray genEmbed; // [codebook, n_embed]
    private final MlpAligner genAligner;
    private final GenHead genHead;
    private final VqDecoder vq;
    private long parameterBytes;

    private JanusNetwork(JanusConfig config, SigLipEncoder vision, MlpAligner aligner, LlamaDecoder llm,
            NDArray genEmbed, MlpAligner genAligner, GenHead genHead, VqDecoder vq) {
        this.config = config;
        this.vision = vision;
        this.aligner = aligner;
        this.llm = llm;
        this.genEmbed = genEmbed;
        this.genAligner = genAligner;
        this.genHead = genHead;
        this.vq = vq;
    }

    public static JanusNetwork load(Params p, JanusConfig c, int maxPositions) {
        VqConfig vqc = c.genVision();
        SigLipEncoder vision = SigLipEncoder.load(p.at("vision_model.vision_tower"), c.vision());
        MlpAligner aligner = MlpAligner.load(p.at("aligner"), c.aligner());
        LlamaDecoder llm = LlamaDecoder.load(p.at("language_model"), c.language(), maxPositions);
        NDArray genEmbed = p.get("gen_embed.weight", vqc.codebookSize(), vqc.embedDim());
        MlpAligner genAligner = MlpAligner.load(p.at("gen_aligner"), c.genAligner());
        GenHead genHead = GenHead.load(p, c.genHead());
        VqDecoder vq = VqDecoder.load(p, vqc);
        JanusNetwork net = new JanusNetwork(c, vision, aligner, llm, genEmbed, genAligner, genHead, vq);
        net.parameterBytes = p.bytesLoaded();
        return net;
    }

    public JanusConfig config() {
        return config;
    }

    /** Bytes of all parameters as loaded (compute dtype). */
    public long parameterBytes() {
        return parameterBytes;
    }

    public LlamaDecoder llm() {
        return llm;
    }

    public VqDecoder vq() {
        return vq;
    }

    /** pixels [I, 3, S, S] -> image embeddings in LLM space [I, N, D]. */
    public NDArray encodeImages(NDArray pixels) {
        return aligner.forward(vision.forward(pixels));
    }

    /**
     * The matmuls of {@link #encodeImages} for {@code images} images run alone on random
     * activations (SigLIP's and the aligner's): the floor the benchmarks compare against.
     */
    public NDArray visionMatmulsOnly(ai.djl.ndarray.NDManager m, int images) {
        NDArray y = vision.matmulsOnly(m, images); // [I, N, W]
        NDArray out = aligner.matmulsOnly(y);
        y.close();
        return out;
    }

    /** image token ids [R] (int64) -> LLM input embeddings [R, D] (prepare_gen_img_embeds). */
    public NDArray embedImageTokens(NDArray tokens) {
        return genAligner.forward(Ops.rows(genEmbed, tokens));
    }

    /**
     * final-normed hidden states [2I, D], a (conditional, unconditional) pair of rows per image,
     * and CFG weights [I, 1] -> guided image-token logits [I, K].
     */
    public NDArray guidedImageLogits(NDArray hidden, NDArray cfg) {
        return genHead.guided(hidden, cfg);
    }

    /** final-normed hidden states [R, D] -> text logits [R, V]. */
    public NDArray textLogits(NDArray hidden) {
        return llm.lmHead(hidden);
    }
}
