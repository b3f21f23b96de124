package dev.janusstream.sql;

import dev.janusstream.operators.ModelSpec;
import dev.janusstream.operators.RequestLimits;
import dev.janusstream.runtime.ImageFormat;
import java.io.Serializable;
import java.util.List;

/**
 * A {@code janus} model's options, validated once at planning time (see
 * {@link JanusModelProviderFactory}); the defaults a row's own columns may override.
 *
 * @param task         what each row computes
 * @param spec         the model directory, device and batching of the shared per-slot service
 * @param limits       per-row limits (max new tokens, images per prompt, prompt length, image pixels)
 * @param question     understand / label: question when the row has none (null: "Describe the image.")
 * @param labels       label: candidate labels when the row has none (null: the row must have them)
 * @param maxNewTokens understand: answer length when the row has none
 * @param temperature  sampling temperature when the row has none
 * @param topK         top-k filter (0: off)
 * @param topP         nucleus mass (1: off)
 * @param seed         sampling seed when the row has none
 * @param cfgWeight    generate: classifier-free guidance weight
 * @param numImages    generate: images per prompt when the row has none
 * @param format       generate: image encoding
 * @param maxImageBytes understand / label: largest image accepted, in bytes
 */
record PredictConfig(JanusTask task, ModelSpec spec, RequestLimits limits, String question, List<String> labels,
        int maxNewTokens, float temperature, int topK, float topP, long seed, float cfgWeight, int numImages,
        ImageFormat format, int maxImageBytes) implements Serializable {}
