package dev.janusstream.jobs;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model the demo (and the pipeline benchmark) run when no {@code --model} is given: a tiny
 * random-weight checkpoint written with the runtime's tiny preset into {@code out/model} (reused
 * on later runs).
 */
final class DemoModel {
    private DemoModel() {}

    static Path resolve(Path given, Path out, long seed) {
        if (given != null) {
            if (!Files.isDirectory(given)) {
                throw new IllegalArgumentException("--model " + given + " is not a directory");
            }
            return given;
        }
        return writeTiny(out.resolve("model"), seed);
    }

    /** The runtime's tiny random-weight preset (what {@code init-model --preset tiny} writes). */
    private static Path writeTiny(Path dir, long seed) {
        if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
            dev.janusstream.runtime.ModelPreset.TINY.writeCheckpoint(dir, seed);
        }
        return dir;
    }
}
