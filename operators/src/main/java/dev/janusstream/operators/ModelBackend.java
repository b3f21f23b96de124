package dev.janusstream.operators;

import dev.janusstream.runtime.Answer;
import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.runtime.GeneratedImage;
import dev.janusstream.runtime.Label;
import dev.janusstream.runtime.LabelRequest;
import dev.janusstream.runtime.Outcome;
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

    /** Per request, in order: its answer or the error that request alone ran into. */
    List<Outcome<Answer>> understand(List<UnderstandRequest> requests);

    List<Outcome<Label>> label(List<LabelRequest> requests);

    /** Per request: all its images in index order, or its error. */
    List<Outcome<List<GeneratedImage>>> generate(List<GenerateRequest> requests);

    /**
     * Understanding and generation requests together. The real model runs them in shared decoder
     * forwards, reports each answer as soon as its row finishes and lets {@code arrivals} join
     * between decode steps; this default runs them one call after the other and takes no arrivals.
     */
    default void serve(List<UnderstandRequest> understand, List<GenerateRequest> generate,
            dev.janusstream.runtime.JanusModel.ServeListener listener, dev.janusstream.runtime.JanusModel.Arrivals arrivals) {
        if (!understand.isEmpty()) {
            List<Outcome<Answer>> answers = understand(understand);
            for (int i = 0; i < answers.size(); i++) {
                listener.answer(i, answers.get(i));
            }
        }
        if (!generate.isEmpty()) {
            List<Outcome<List<GeneratedImage>>> images = generate(generate);
            for (int i = 0; i < images.size(); i++) {
                listener.images(i, images.get(i));
            }
        }
    }

    /** Receives what the model measures (for metrics); backends that measure nothing ignore it. */
    default void listen(dev.janusstream.runtime.InferenceListener listener) {}

    /** Bytes of the loaded weights, or -1 when unknown. */
    default long modelBytes() {
        return -1;
    }

    /** Bytes in use on the model's GPU, or -1 on CPU. */
    default long deviceMemoryUsed() {
        return -1;
    }

    @Override
    void close();

    /** Loads a backend; shipped inside the operators, hence serializable. */
    @FunctionalInterface
    interface Factory extends Serializable {
        ModelBackend load(Path modelDir, RuntimeOptions options);
    }

    /** The real thing: {@link dev.janusstream.runtime.JanusModel#load}. */
    Factory JANUS = (dir, options) -> new JanusBackend(dev.janusstream.runtime.JanusModel.load(dir, options));

    class JanusBackend implements ModelBackend {
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
        public List<Outcome<Answer>> understand(List<UnderstandRequest> requests) {
            return model.tryUnderstand(requests);
        }

        @Override
        public List<Outcome<Label>> label(List<LabelRequest> requests) {
            return model.tryLabel(requests);
        }

        @Override
        public List<Outcome<List<GeneratedImage>>> generate(List<GenerateRequest> requests) {
            return model.tryGenerate(requests);
        }

        @Override
        public void serve(List<UnderstandRequest> understand, List<GenerateRequest> generate,
                dev.janusstream.runtime.JanusModel.ServeListener listener, dev.janusstream.runtime.JanusModel.Arrivals arrivals) {
            model.serve(understand, generate, listener, arrivals);
        }

        @Override
        public void listen(dev.janusstream.runtime.InferenceListener listener) {
            model.setListener(listener);
        }

        @Override
        public long modelBytes() {
            return model.parameterBytes();
        }

        @Override
        public long deviceMemoryUsed() {
            return model.deviceMemoryUsed();
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
