package dev.janusstream.jobs.cli;

import dev.janusstream.runtime.ModelPreset;
import dev.janusstream.runtime.bench.GenerateBench;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bench generate [--model DIR | --preset janus-pro-1b] [--grid G]}. Prints figures; not a test. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Image tokens/s with CFG at several parallel sizes, overhead ratio, VQ decode time, RSS.")
public final class BenchGenerateCommand implements Callable<Integer> {
    @Option(names = "--model", description = "model directory (default: the built-in random preset)")
    Path model;

    @Option(names = "--preset", defaultValue = "janus-pro-1b")
    String preset;

    @Option(names = "--parallel", split = ",", defaultValue = "1,4,16")
    int[] parallel;

    @Option(names = "--grid", defaultValue = "4",
            description = "tokens per image side for the timed loop (the model's own is 24; default ${DEFAULT-VALUE} so a CPU run takes minutes; 0 = full)")
    int grid;

    @Mixin
    RuntimeFlags runtime;

    @Override
    public Integer call() {
        GenerateBench.run(model, model == null ? ModelPreset.parse(preset) : null, runtime.options(), parallel, grid);
        return 0;
    }
}
