package dev.janusstream.jobs.cli;

import dev.janusstream.runtime.ModelPreset;
import dev.janusstream.runtime.bench.UnderstandBench;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bench understand [--model DIR | --preset janus-pro-1b]}. Prints figures; not a test. */
@Command(name = "understand", mixinStandardHelpOptions = true,
        description = "Load time, vision encode (batch 1 and 4), prefill and decode throughput, ratios to the matmuls alone, RSS.")
public final class BenchUnderstandCommand implements Callable<Integer> {
    @Option(names = "--model", description = "model directory (default: the built-in random preset)")
    Path model;

    @Option(names = "--preset", defaultValue = "janus-pro-1b", description = "random-weight preset built in memory (default: ${DEFAULT-VALUE})")
    String preset;

    @Option(names = "--vision-batches", split = ",", defaultValue = "1,4", description = "vision tower batch sizes (default ${DEFAULT-VALUE})")
    int[] visionBatches;

    @Option(names = "--batches", split = ",", defaultValue = "1,4", description = "decode batch sizes (default ${DEFAULT-VALUE})")
    int[] batches;

    @Option(names = "--prompt-tokens", defaultValue = "0",
            description = "prompt length of prefill and decode (default: the real caption prompt, 576 image tokens + template)")
    int promptTokens;

    @Option(names = "--steps", defaultValue = "8", description = "timed decode steps per batch size")
    int steps;

    @Mixin
    RuntimeFlags runtime;

    @Override
    public Integer call() {
        UnderstandBench.run(model, model == null ? ModelPreset.parse(preset) : null, runtime.options(), visionBatches, batches,
                promptTokens, steps);
        return 0;
    }
}
