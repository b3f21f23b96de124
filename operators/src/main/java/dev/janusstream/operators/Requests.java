package dev.janusstream.operators;

import dev.janusstream.runtime.Answer;
import dev.janusstream.runtime.DecodingParams;
import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.runtime.GeneratedImage;
import dev.janusstream.runtime.Label;
import dev.janusstream.runtime.LabelRequest;
import dev.janusstream.runtime.UnderstandRequest;
import dev.janusstream.schemas.AnswerResult;
import dev.janusstream.schemas.Decoding;
import dev.janusstream.schemas.GeneratedImageResult;
import dev.janusstream.schemas.ImageFormat;
import dev.janusstream.schemas.ImageRequest;
import dev.janusstream.schemas.LabelScore;
import dev.janusstream.schemas.PromptRequest;
import dev.janusstream.schemas.Timings;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Topic records ⇄ runtime requests and results; every check that needs no I/O. */
public final class Requests {
    private Requests() {}

    public static String requireId(String id) {
        if (id == null || id.isBlank()) {
            throw new RejectedException(ErrorCode.MISSING_REQUEST_ID, "request_id is empty");
        }
        if (id.length() > 512) {
            throw new RejectedException(ErrorCode.INVALID_PARAMETERS, "request_id longer than 512 characters");
        }
        return id;
    }

    /** Checks an image event before any I/O: id, exactly one image source, text limits, decoding, labels. */
    public static void validate(ImageRequest r, RequestLimits limits) {
        requireId(r.getRequestId());
        boolean inline = r.getImageBytes() != null;
        boolean uri = r.getImageUri() != null && !r.getImageUri().isBlank();
        if (inline == uri) {
            throw new RejectedException(ErrorCode.MISSING_IMAGE,
                    inline ? "both image_bytes and image_uri are set" : "neither image_bytes nor image_uri is set");
        }
        if (r.getQuestion() != null && r.getQuestion().length() > limits.maxPromptChars()) {
            throw new RejectedException(ErrorCode.INVALID_PARAMETERS, "question longer than " + limits.maxPromptChars() + " characters");
        }
        decoding(r, limits);
        List<String> labels = r.getCandidateLabels();
        if (labels != null) {
            if (labels.size() > limits.maxCandidates()) {
                throw new RejectedException(ErrorCode.INVALID_PARAMETERS, labels.size() + " candidate labels, limit " + limits.maxCandidates());
            }
            for (String l : labels) {
                if (l == null || l.isBlank() || l.length() > limits.maxPromptChars()) {
                    throw new RejectedException(ErrorCode.INVALID_PARAMETERS, "candidate labels must be non-empty and short");
                }
            }
        }
    }

    public static boolean labelling(ImageRequest r) {
        return r.getCandidateLabels() != null && !r.getCandidateLabels().isEmpty();
    }

    public static DecodingParams decoding(ImageRequest r, RequestLimits limits) {
        Decoding d = r.getDecoding();
        if (d == null) {
            return DecodingParams.GREEDY.withMaxNewTokens(limits.defaultMaxNewTokens());
        }
        if (d.getMaxNewTokens() > limits.maxNewTokens()) {
            throw new RejectedException(ErrorCode.INVALID_PARAMETERS,
                    "max_new_tokens " + d.getMaxNewTokens() + " exceeds the limit " + limits.maxNewTokens());
        }
        return new DecodingParams(d.getMaxNewTokens(), d.getTemperature(), d.getTopK(), d.getTopP(), d.getSeed());
    }

    public static UnderstandRequest understand(ImageRequest r, byte[] image, RequestLimits limits) {
        return new UnderstandRequest(r.getRequestId(), List.of(image), r.getQuestion(), decoding(r, limits));
    }

    public static LabelRequest label(ImageRequest r, byte[] image) {
        return new LabelRequest(r.getRequestId(), List.of(image), r.getQuestion(), r.getCandidateLabels());
    }

    public static GenerateRequest generate(PromptRequest p, RequestLimits limits) {
        requireId(p.getRequestId());
        if (p.getPrompt() != null && p.getPrompt().length() > limits.maxPromptChars()) {
            throw new RejectedException(ErrorCode.INVALID_PARAMETERS, "prompt longer than " + limits.maxPromptChars() + " characters");
        }
        if (p.getNumImages() > limits.maxImagesPerPrompt()) {
            throw new RejectedException(ErrorCode.INVALID_PARAMETERS,
                    "num_images " + p.getNumImages() + " exceeds the limit " + limits.maxImagesPerPrompt());
        }
        dev.janusstream.runtime.ImageFormat format = p.getFormat() == ImageFormat.JPEG
                ? dev.janusstream.runtime.ImageFormat.JPEG : dev.janusstream.runtime.ImageFormat.PNG;
        return new GenerateRequest(p.getRequestId(), p.getPrompt(), p.getNumImages(), p.getCfgWeight(), p.getTemperature(),
                p.getTopK(), p.getTopP(), p.getSeed(), format);
    }

    static Timings timings(dev.janusstream.runtime.Timings t) {
        if (t == null) {
            t = dev.janusstream.runtime.Timings.ZERO;
        }
        return new Timings(t.queueMs(), t.preprocessMs(), t.prefillMs(), t.decodeMs(), t.postprocessMs());
    }

    public static AnswerResult answer(ImageRequest r, Answer a, String modelId) {
        return AnswerResult.newBuilder()
                .setRequestId(r.getRequestId())
                .setText(a.text())
                .setTokenCount(a.tokenIds() == null ? 0 : a.tokenCount())
                .setModelId(modelId)
                .setTimings(timings(a.timings()))
                .setMetadata(r.getMetadata())
                .build();
    }

    public static AnswerResult answer(ImageRequest r, Label l, String modelId) {
        List<Double> lls = new ArrayList<>();
        if (l.logLikelihoods() != null) {
            Arrays.stream(l.logLikelihoods()).forEach(lls::add);
        }
        return AnswerResult.newBuilder()
                .setRequestId(r.getRequestId())
                .setText(l.label())
                .setTokenCount(0)
                .setLabel(LabelScore.newBuilder().setLabel(l.label()).setProbability(l.probability())
                        .setCandidates(r.getCandidateLabels()).setLogLikelihoods(lls).build())
                .setModelId(modelId)
                .setTimings(timings(l.timings()))
                .setMetadata(r.getMetadata())
                .build();
    }

    public static GeneratedImageResult image(PromptRequest p, GeneratedImage g, String modelId) {
        return GeneratedImageResult.newBuilder()
                .setRequestId(p.getRequestId())
                .setIndex(g.index())
                .setNumImages(p.getNumImages())
                .setImage(ByteBuffer.wrap(g.encoded()))
                .setFormat(g.format() == dev.janusstream.runtime.ImageFormat.JPEG ? ImageFormat.JPEG : ImageFormat.PNG)
                .setWidth(g.width())
                .setHeight(g.height())
                .setSeed(g.seed())
                .setModelId(modelId)
                .setTimings(timings(g.timings()))
                .setMetadata(p.getMetadata())
                .build();
    }

    static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
