package dev.janusstream.jobs.cli;

import dev.janusstream.runtime.ModelPreset;
import dev.janusstream.runtime.bench.CaptionBench;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bench caption [--model DIR | --preset janus-pro-1b] [--images N]}. Prints figures; not a test. */
@Command(name = "caption", mixinStandardHelpOptions = true,
        description = "Images captioned end to end (image bytes to text) through JanusModel with batching: images/hour, peak RSS, ratio to the matmuls alone.")
public final class BenchCaptionCommand implements Callable<Integer> {
    @Option(names = "--model", description = "model directory (default: the built-in random preset)")
    Path model;

    @Option(names = "--preset", defaultValue = "janus-pro-1b")
    String preset;

    @Option(names = "--images", defaultValue = "16", description = "images to caption (default ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--new-tokens", defaultValue = "32", description = "max_new_tokens per caption (default ${DEFAULT-VALUE})")
    int newTokens;

    @Option(names = "--batch", defaultValue = "8",
            description = "rows per model call (default ${DEFAULT-VALUE}: Janus-Pro-1B's fp32 weights and the KV cache of 8 caption rows stay under 11 GiB;"
                    + " prompts are prefilled a row at a time)")
    int batch;

    @Mixin
    RuntimeFlags runtime;

    @Override
    public Integer call() {
        CaptionBench.run(model, model == null ? ModelPreset.parse(preset) : null, runtime.options(), images, newTokens, batch);
        return 0;
    }
}
