package dev.janusstream.jobs.cli;

import dev.janusstream.runtime.ModelPreset;
import dev.janusstream.runtime.bench.GenerateBench;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bench generate [--model DIR | --preset janus-pro-1b] [--grid G] [--steps N]}. Prints figures; not a test. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Image tokens/s with CFG at several parallel sizes, seconds per full image, images/hour, overhead ratio, VQ decode time, RSS.")
public final class BenchGenerateCommand implements Callable<Integer> {
    @Option(names = "--model", description = "model directory (default: the built-in random preset)")
    Path model;

    @Option(names = "--preset", defaultValue = "janus-pro-1b")
    String preset;

    @Option(names = "--parallel", split = ",", defaultValue = "1,4,16")
    int[] parallel;

    @Option(names = "--grid", defaultValue = "0",
            description = "tokens per image side (default: the model's own, 24 for Janus-Pro)")
    int grid;

    @Option(names = "--steps", defaultValue = "16",
            description = "steps timed at the start and at the end of the grid; a full image is extrapolated from them"
                    + " (default ${DEFAULT-VALUE}, so a CPU run takes minutes; 0 = every step of the grid)")
    int steps;

    @Mixin
    RuntimeFlags runtime;

    @Override
    public Integer call() {
        GenerateBench.run(model, model == null ? ModelPreset.parse(preset) : null, runtime.options(), parallel, grid, steps);
        return 0;
    }
}
