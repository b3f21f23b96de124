package dev.janusstream.runtime;

/**
 * How to pick each next text token. temperature 0 means greedy (argmax); topK 0 and topP 1
 * disable those filters. The seed makes a sampled answer reproducible whatever shares its batch.
 */
public record DecodingParams(int maxNewTokens, float temperature, int topK, float topP, long seed) {

    public static final DecodingParams GREEDY = new DecodingParams(64, 0f, 0, 1f, 0L);

    public DecodingParams {
        if (maxNewTokens < 1) {
            throw new InvalidRequestException(InvalidRequestException.Code.INVALID_PARAMETERS,
                    "max_new_tokens must be >= 1, got " + maxNewTokens);
        }
        if (!(temperature >= 0f) || temperature > 100f) {
            throw new InvalidRequestException(InvalidRequestException.Code.INVALID_PARAMETERS,
                    "temperature must be in [0, 100], got " + temperature);
        }
        if (topK < 0) {
            throw new InvalidRequestException(InvalidRequestException.Code.INVALID_PARAMETERS, "top_k must be >= 0, got " + topK);
        }
        if (!(topP > 0f) || topP > 1f) {
            throw new InvalidRequestException(InvalidRequestException.Code.INVALID_PARAMETERS,
                    "top_p must be in (0, 1], got " + topP);
        }
    }

    public boolean greedy() {
        return temperature == 0f;
    }

    public DecodingParams withMaxNewTokens(int n) {
        return new DecodingParams(n, temperature, topK, topP, seed);
    }
}
