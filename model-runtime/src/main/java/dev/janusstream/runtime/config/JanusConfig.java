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
        try {
            return parse(c, Files.exists(pre) ? Json.read(pre) : new JsonObject(),
                    Files.exists(proc) ? Json.read(proc) : new JsonObject());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(f + ": " + e.getMessage(), e);
        }
    }

    /** Parses the three JSON documents of a model directory (config, preprocessor, processor). */
    public static JanusConfig parse(String config, String preprocessor, String processor) {
        return parse(com.google.gson.JsonParser.parseString(config).getAsJsonObject(),
                com.google.gson.JsonParser.parseString(preprocessor).getAsJsonObject(),
                com.google.gson.JsonParser.parseString(processor).getAsJsonObject());
    }

    static JanusConfig parse(JsonObject c, JsonObject preprocessor, JsonObject processor) {
        SigLipConfig vision = SigLipConfig.fromJson(Json.obj(c, "vision_config"));
        LlamaConfig language = LlamaConfig.fromJson(Json.obj(c, "language_config"));
        AlignerConfig aligner = AlignerConfig.fromJson(Json.obj(c, "aligner_config"), "aligner_config",
                vision.width(), language.hiddenSize());
        VqConfig vq = VqConfig.fromJson(Json.obj(c, "gen_vision_config"));
        AlignerConfig genAligner = AlignerConfig.fromJson(Json.obj(c, "gen_aligner_config"), "gen_aligner_config",
                vq.embedDim(), language.hiddenSize());
        GenHeadConfig genHead = GenHeadConfig.fromJson(Json.obj(c, "gen_head_config"), language.hiddenSize());
        ImageProcessorConfig ip = ImageProcessorConfig.fromJson(preprocessor, vision.imageSize());
        ChatProcessorConfig cp = ChatProcessorConfig.fromJson(processor, vision.numPatches());
        check(aligner.inputDim() == vision.width(), "aligner input_dim " + aligner.inputDim() + " != vision width " + vision.width());
        check(aligner.outputDim() == language.hiddenSize(), "aligner n_embed != language hidden_size");
        check(genAligner.outputDim() == language.hiddenSize(), "gen_aligner n_embed != language hidden_size");
        check(genHead.nEmbed() == language.hiddenSize(), "gen_head n_embed != language hidden_size");
        check(genHead.imageTokenSize() == vq.codebookSize(), "gen_head image_token_size " + genHead.imageTokenSize()
                + " != codebook size " + vq.codebookSize());
        check(cp.numImageTokens() == vision.numPatches(), "processor num_image_tokens " + cp.numImageTokens()
                + " != vision patches " + vision.numPatches());
        check(ip.imageSize() == vision.imageSize(), "preprocessor image_size != vision image_size");
        check(vision.width() % vision.heads() == 0, "vision width not divisible by heads");
        check(language.hiddenSize() % language.heads() == 0, "hidden_size not divisible by heads");
        return new JanusConfig(vision, aligner, language, vq, genAligner, genHead, ip, cp);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
