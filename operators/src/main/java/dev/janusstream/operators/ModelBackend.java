package dev.janusstream.operators;

import dev.janusstream.runtime.Answer;
import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.runtime.GeneratedImage;
import dev.janusstream.runtime.Label;
import dev.janusstream.runtime.LabelRequest;
import dev.janusstream.runtime.RuntimeOptions;
import dev.janusstream.runtime.UnderstandRequest;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;

/**
 * What the per-slot service needs from a loaded model: the batch calls of
 * {@link dev.janusstream.runtime.JanusModel}. An interface so the service's batching and
 * reference counting can be tested without weights.
 */
public interface ModelBackend extends AutoCloseable {
    String modelId();

    List<Answer> understand(List<UnderstandRequest> requests);

    List<Label> label(List<LabelRequest> requests);

    List<GeneratedImage> generate(List<GenerateRequest> requests);

    @Override
    void close();

    /** Loads a backend; shipped inside the operators, hence serializable. */
    @FunctionalInterface
    interface Factory extends Serializable {
        ModelBackend load(Path modelDir, RuntimeOptions options);
    }

    /** The real thing: {@link dev.janusstream.runtime.JanusModel#load}. */
    Factory JANUS = (dir, options) -> new JanusBackend(dev.janusstream.runtime.JanusModel.load(dir, options));

    final class JanusBackend implements ModelBackend {
        private final dev.janusstream.runtime.JanusModel model;

        JanusBackend(dev.janusstream.runtime.JanusModel model) {
            this.model = model;
        }

        public dev.janusstream.runtime.JanusModel model() {
            return model;
        }

        @Override
        public String modelId() {
            return model.modelId();
        }

        @Override
        public List<Answer> understand(List<UnderstandRequest> requests) {
            return model.understand(requests);
        }

        @Override
        public List<Label> label(List<LabelRequest> requests) {
            return model.label(requests);
        }

        @Override
        public List<GeneratedImage> generate(List<GenerateRequest> requests) {
            return model.generate(requests);
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
