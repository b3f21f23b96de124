package dev.janusstream.jobs.cli;

import dev.janusstream.runtime.ModelPreset;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code init-model --preset tiny --out DIR}: a deterministic random-weight checkpoint in the real format. */
@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = "Write a random-weight Janus checkpoint (config, model.safetensors, tokenizer, processor configs).")
public final class InitModelCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "tiny", description = "tiny or janus-pro-1b (default: ${DEFAULT-VALUE})")
    String preset;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--out", required = true)
    Path out;

    @Override
    public Integer call() {
        ModelPreset p = ModelPreset.parse(preset);
        p.writeCheckpoint(out, seed);
        System.out.println("wrote random-weight " + p.id() + " checkpoint (seed " + seed + ") to " + out
                + " — its outputs are noise: use it for plumbing, demos and tests");
        return 0;
    }
}
