package dev.janusstream.runtime.config;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Everything a Janus-Pro model directory says about its shape: {@code config.json} (the
 * {@code multi_modality} layout) plus the processor configs. Validated once, here.
 */
public record JanusConfig(SigLipConfig vision, AlignerConfig aligner, LlamaConfig language, VqConfig genVision,
        AlignerConfig genAligner, GenHeadConfig genHead, ImageProcessorConfig imageProcessor,
        ChatProcessorConfig chatProcessor) {

    /** Side of the generated image; the official script fixes it at the understanding resolution (384). */
    public int genImageSize() {
        return vision.imageSize();
    }

    /** Tokens per generated image side (24 for 384 / 16). */
    public int genGridSide() {
        return genImageSize() / genVision.downsample();
    }

    public int genTokensPerImage() {
        return genGridSide() * genGridSide();
    }

    /**
     * Reads and validates {@code config.json}, {@code preprocessor_config.json} and
     * {@code processor_config.json} (the last two optional).
     *
     * @throws IllegalArgumentException naming the file and the key of the first value that is
     *     missing, malformed, out of its range or inconsistent with the others
     */
    public static JanusConfig read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": no such model directory");
        }
        Path f = dir.resolve("config.json");
        if (!Files.exists(f)) {
            throw new IllegalArgumentException(dir + ": config.json is missing");
        }
        JsonObject c = Json.read(f);
        String type = Json.string(c, "model_type", "multi_modality");
        if (!type.equals("multi_modality")) {
            throw new IllegalArgumentException(f + ": model_type '" + type + "' is not a Janus multi_modality model");
        }
        Path pre = dir.resolve("preprocessor_config.json");
        Path proc = dir.resolve("processor_config.json");
        return parse(c, Files.exists(pre) ? Json.read(pre) : new JsonObject(),
                Files.exists(proc) ? Json.read(proc) : new JsonObject(), f.toString(), pre.toString(), proc.toString());
    }

    /** Parses the three JSON documents of a model directory (config, preprocessor, processor). */
    public static JanusConfig parse(String config, String preprocessor, String processor) {
        return parse(com.google.gson.JsonParser.parseString(config).getAsJsonObject(),
                com.google.gson.JsonParser.parseString(preprocessor).getAsJsonObject(),
                com.google.gson.JsonParser.parseString(processor).getAsJsonObject());
    }

    static JanusConfig parse(JsonObject c, JsonObject preprocessor, JsonObject processor) {
        return parse(c, preprocessor, processor, "config.json", "preprocessor_config.json", "processor_config.json");
    }

    /** As {@link #parse(JsonObject, JsonObject, JsonObject)}; messages start with the name of the file at fault. */
    private static JanusConfig parse(JsonObject c, JsonObject preprocessor, JsonObject processor, String configName,
            String preName, String procName) {
        SigLipConfig vision;
        LlamaConfig language;
        AlignerConfig aligner;
        VqConfig vq;
        AlignerConfig genAligner;
        GenHeadConfig genHead;
        try {
            vision = SigLipConfig.fromJson(Json.obj(c, "vision_config"));
            language = LlamaConfig.fromJson(Json.obj(c, "language_config"));
            aligner = AlignerConfig.fromJson(Json.obj(c, "aligner_config"), "aligner_config",
                    vision.width(), language.hiddenSize());
            vq = VqConfig.fromJson(Json.obj(c, "gen_vision_config"));
            genAligner = AlignerConfig.fromJson(Json.obj(c, "gen_aligner_config"), "gen_aligner_config",
                    vq.embedDim(), language.hiddenSize());
            genHead = GenHeadConfig.fromJson(Json.obj(c, "gen_head_config"), language.hiddenSize());
            check(aligner.inputDim() == vision.width(), "aligner input_dim " + aligner.inputDim() + " != vision width " + vision.width());
            check(aligner.outputDim() == language.hiddenSize(), "aligner n_embed != language hidden_size");
            check(genAligner.inputDim() == vq.embedDim(), "gen_aligner input_dim " + genAligner.inputDim()
                    + " != gen_vision n_embed " + vq.embedDim());
            check(genAligner.outputDim() == language.hiddenSize(), "gen_aligner n_embed != language hidden_size");
            check(genHead.nEmbed() == language.hiddenSize(), "gen_head n_embed != language hidden_size");
            check(genHead.imageTokenSize() == vq.codebookSize(), "gen_head image_token_size " + genHead.imageTokenSize()
                    + " != codebook size " + vq.codebookSize());
            check(vision.imageSize() % vq.downsample() == 0, "vision image_size " + vision.imageSize()
                    + " is not a multiple of the VQ decoder's upsampling " + vq.downsample());
            long genTokens = (long) (vision.imageSize() / vq.downsample()) * (vision.imageSize() / vq.downsample());
            check(genTokens < language.maxPositions(), "a generated image's " + genTokens
                    + " tokens do not fit language_config.max_position_embeddings " + language.maxPositions());
            check(vision.numPatches() < language.maxPositions(), "an image's " + vision.numPatches()
                    + " patches do not fit language_config.max_position_embeddings " + language.maxPositions());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(configName + ": " + e.getMessage(), e);
        }
        ImageProcessorConfig ip;
        try {
            ip = ImageProcessorConfig.fromJson(preprocessor, vision.imageSize());
            check(ip.imageSize() == vision.imageSize(), "image_size " + ip.imageSize() + " != " + configName
                    + " vision_config image_size " + vision.imageSize());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(preName + ": " + e.getMessage(), e);
        }
        ChatProcessorConfig cp;
        try {
            cp = ChatProcessorConfig.fromJson(processor, vision.numPatches());
            check(cp.numImageTokens() == vision.numPatches(), "num_image_tokens " + cp.numImageTokens()
                    + " != vision patches " + vision.numPatches() + " (" + configName + ")");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(procName + ": " + e.getMessage(), e);
        }
        return new JanusConfig(vision, aligner, language, vq, genAligner, genHead, ip, cp);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
