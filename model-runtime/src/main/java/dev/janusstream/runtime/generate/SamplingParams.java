package dev.janusstream.runtime.generate;

import dev.janusstream.runtime.DecodingParams;
import dev.janusstream.runtime.GenerateRequest;

/**
 * How one decoder row picks its next token.
 *
 * @param temperature 0 = greedy (argmax, first max on ties); otherwise logits are divided by it
 * @param topK        keep only the k most probable tokens; 0 = off
 * @param topP        nucleus sampling (HF semantics): keep the smallest most-probable prefix whose
 *                    cumulative probability reaches topP (at least one token); 1 = off
 */
public record SamplingParams(float temperature, int topK, float topP) {

    public static final SamplingParams GREEDY = new SamplingParams(0f, 0, 1f);

    public SamplingParams {
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0, got " + topK);
        }
        if (!(topP > 0f) || topP > 1f) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
    }

    /** Plain sampling from softmax(logits / temperature). */
    public static SamplingParams temperature(float temperature) {
        return new SamplingParams(temperature, 0, 1f);
    }

    public static SamplingParams of(DecodingParams p) {
        return new SamplingParams(p.temperature(), p.topK(), p.topP());
    }

    public static SamplingParams of(GenerateRequest r) {
        return new SamplingParams(r.temperature(), r.topK(), r.topP());
    }

    public boolean greedy() {
        return temperature == 0f;
    }

    /** Whether top-k or top-p restricts the candidates (then the sampler sorts the row). */
    public boolean filtered(int vocab) {
        return (topK > 0 && topK < vocab) || topP < 1f;
    }
}
