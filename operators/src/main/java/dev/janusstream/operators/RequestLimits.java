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
 */
public record RequestLimits(int defaultMaxNewTokens, int maxNewTokens, int maxImagesPerPrompt, int maxPromptChars,
        int maxCandidates, long maxImagePixels) implements Serializable {

    public static RequestLimits defaults() {
        return new RequestLimits(64, 512, 16, 4000, 64, 40_000_000L);
    }

    public RequestLimits {
        if (defaultMaxNewTokens < 1 || maxNewTokens < defaultMaxNewTokens || maxImagesPerPrompt < 1 || maxPromptChars < 1
                || maxCandidates < 1 || maxImagePixels < 1) {
            throw new IllegalArgumentException("request limits must be positive (and default tokens <= max tokens)");
        }
    }

    public RequestLimits withDefaultMaxNewTokens(int n) {
        return new RequestLimits(n, Math.max(n, maxNewTokens), maxImagesPerPrompt, maxPromptChars, maxCandidates, maxImagePixels);
    }
}
