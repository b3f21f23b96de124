package dev.janusstream.operators;

import java.io.Serializable;

/**
 * Per-request limits the operators enforce before a request reaches the model (beyond them the
 * record is a dead letter with INVALID_PARAMETERS or IMAGE_TOO_LARGE).
 *
 * @param defaultMaxNewTokens tokens to generate when an image event carries no decoding parameters
 * @param maxNewTokens        most tokens an event may ask for
 * @param maxImagesPerPrompt  most images one prompt event may ask for
 * @param maxPromptChars      longest prompt / question
 * @param maxCandidates       most candidate labels
 * @param maxImagePixels      width × height limit, checked from the image header before decoding
 * @param maxResultBytes      largest output record (key + value, bytes); a result over it (say, a request
 *                            whose metadata, echoed into each result, makes it larger than the broker
 *                            accepts) is a RESULT_TOO_LARGE dead letter instead of a sink failure
 */
public record RequestLimits(int defaultMaxNewTokens, int maxNewTokens, int maxImagesPerPrompt, int maxPromptChars,
        int maxCandidates, long maxImagePixels, int maxResultBytes) implements Serializable {

    /** Under Kafka's default {@code message.max.bytes} (1 048 588) with room for the record's overhead. */
    public static final int DEFAULT_MAX_RESULT_BYTES = 1_000_000;

    public static RequestLimits defaults() {
        return new RequestLimits(64, 512, 16, 4000, 64, 40_000_000L);
    }

    public RequestLimits(int defaultMaxNewTokens, int maxNewTokens, int maxImagesPerPrompt, int maxPromptChars,
            int maxCandidates, long maxImagePixels) {
        this(defaultMaxNewTokens, maxNewTokens, maxImagesPerPrompt, maxPromptChars, maxCandidates, maxImagePixels,
                DEFAULT_MAX_RESULT_BYTES);
    }

    public RequestLimits {
        if (defaultMaxNewTokens < 1 || maxNewTokens < defaultMaxNewTokens || maxImagesPerPrompt < 1 || maxPromptChars < 1
                || maxCandidates < 1 || maxImagePixels < 1 || maxResultBytes < 1) {
            throw new IllegalArgumentException("request limits must be positive (and default tokens <= max tokens)");
        }
    }

    public RequestLimits withDefaultMaxNewTokens(int n) {
        return new RequestLimits(n, Math.max(n, maxNewTokens), maxImagesPerPrompt, maxPromptChars, maxCandidates, maxImagePixels,
                maxResultBytes);
    }

    public RequestLimits withMaxResultBytes(int n) {
        return new RequestLimits(defaultMaxNewTokens, maxNewTokens, maxImagesPerPrompt, maxPromptChars, maxCandidates, maxImagePixels, n);
    }
}
