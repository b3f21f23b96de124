package dev.janusstream.runtime;

import dev.janusstream.runtime.config.JanusConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * One loaded Janus-Pro model: image understanding, labelling and text-to-image generation on the
 * same weights. Thread-safe; load once per process (or Flink slot) and share. {@link #close()}
 * frees all native memory.
 */
public final class JanusModel implements AutoCloseable {
    private final JanusConfig config;
    private final String modelId;

    private JanusModel(JanusConfig config, String modelId) {
        this.config = config;
        this.modelId = modelId;
    }

    /** Loads a model directory laid out like a Hugging Face Janus-Pro checkpoint. */
    public static JanusModel load(Path dir, RuntimeOptions options) {
        throw new IllegalStateException("JanusModel.load is being written (issue 2)");
    }

    public JanusConfig config() {
        return config;
    }

    /** Identifies the weights in results (the directory name unless config says otherwise). */
    public String modelId() {
        return modelId;
    }

    /** Answers each request; one invalid request fails the call (use {@link #prepare} to isolate). */
    public List<Answer> understand(List<UnderstandRequest> requests) {
        throw new IllegalStateException("being written (issue 2)");
    }

    /** Scores each request's candidate labels by log-likelihood. */
    public List<Label> label(List<LabelRequest> requests) {
        throw new IllegalStateException("being written (issue 4)");
    }

    /** Generates every image of every request; results are in request order, then image index. */
    public List<GeneratedImage> generate(List<GenerateRequest> requests) {
        throw new IllegalStateException("being written (issue 3)");
    }

    @Override
    public void close() {}
}
