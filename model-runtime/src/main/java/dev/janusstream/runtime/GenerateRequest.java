package dev.janusstream.runtime;

/**
 * Text-to-image: {@code parallelSize} images for one prompt. Image i uses seed {@code seed + i},
 * so each image depends only on its prompt, parameters and seed.
 */
public record GenerateRequest(String id, String prompt, int parallelSize, float cfgWeight, float temperature,
        int topK, float topP, long seed, ImageFormat format) {

    public static GenerateRequest of(String id, String prompt, int parallelSize, long seed) {
        return new GenerateRequest(id, prompt, parallelSize, 5f, 1f, 0, 1f, seed, ImageFormat.PNG);
    }

    public GenerateRequest {
        if (prompt == null || prompt.isBlank()) {
            throw new InvalidRequestException(InvalidRequestException.Code.INVALID_PARAMETERS, "empty prompt");
        }
        if (parallelSize < 1) {
            throw new InvalidRequestException(InvalidRequestException.Code.INVALID_PARAMETERS,
                    "number of images must be >= 1, got " + parallelSize);
        }
        if (!(cfgWeight >= 0f) || cfgWeight > 50f) {
            throw new InvalidRequestException(InvalidRequestException.Code.INVALID_PARAMETERS,
                    "cfg weight must be in [0, 50], got " + cfgWeight);
        }
        if (!(temperature >= 0f) || temperature > 100f) {
            throw new InvalidRequestException(InvalidRequestException.Code.INVALID_PARAMETERS,
                    "temperature must be in [0, 100], got " + temperature);
        }
        if (topK < 0 || !(topP > 0f) || topP > 1f) {
            throw new InvalidRequestException(InvalidRequestException.Code.INVALID_PARAMETERS,
                    "top_k must be >= 0 and top_p in (0, 1]");
        }
        format = format == null ? ImageFormat.PNG : format;
    }
}
