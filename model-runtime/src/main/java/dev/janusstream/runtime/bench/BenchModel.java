package dev.janusstream.runtime.bench;

import dev.janusstream.runtime.JanusModel;
import dev.janusstream.runtime.ModelPreset;
import dev.janusstream.runtime.RuntimeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Loads the model a benchmark runs on (a directory, or a random-weight preset built in memory) and reports it. */
final class BenchModel {
    private BenchModel() {}

    static JanusModel load(Path dir, ModelPreset preset, RuntimeOptions options) {
        long rss0 = ProcessMemory.rss();
        long t0 = System.nanoTime();
        JanusModel model;
        if (dir != null) {
            model = JanusModel.load(dir, options);
        } else {
            try {
                model = JanusModel.random(preset, 0, Files.createTempDirectory("janus-bench-"), options);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            System.gc();
        }
        double loadS = (System.nanoTime() - t0) / 1e9;
        long weights = model.network().parameterBytes();
        long rss = ProcessMemory.rss();
        System.out.printf(Locale.ROOT, "model               %s (%s, %s on %s)%n", model.modelId(),
                dir != null ? "checkpoint " + dir : "random weights built in memory", options.dtype(), options.device());
        System.out.printf(Locale.ROOT, "load time           %.2f s%n", loadS);
        System.out.printf(Locale.ROOT, "weights             %s (%s); RSS after load %s = %.3f x weights (RSS before load %s)%n",
                ProcessMemory.gib(weights), options.dtype(), ProcessMemory.gib(rss), rss / (double) weights,
                ProcessMemory.gib(rss0));
        System.out.println("peak RSS so far     " + ProcessMemory.gib(ProcessMemory.peakRss()));
        return model;
    }
}
