package dev.janusstream.jobs.cli;

import ai.djl.ndarray.types.DataType;
import dev.janusstream.runtime.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Device and dtype flags shared by the commands that load a model. */
public final class RuntimeFlags {
    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--dtype", description = "float32 or float16 (default: float32 on CPU, float16 on GPU)")
    String dtype;

    @Option(names = "--max-batch-rows", defaultValue = "32", description = "decoder rows per step (default: ${DEFAULT-VALUE})")
    int maxBatchRows;

    @Option(names = "--max-sequence", defaultValue = "4096", description = "longest prompt + output in tokens (default: ${DEFAULT-VALUE})")
    int maxSequence;

    /** Fails at once, before anything is read or loaded, when {@code dir} is not a directory. */
    public static Path modelDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": no such model directory");
        }
        return dir;
    }

    @Option(names = "--ignore-exif-orientation", description = "use images as stored, ignoring their EXIF Orientation tag (default: turned upright as a viewer shows them)")
    boolean ignoreExifOrientation;

    public RuntimeOptions options() {
        RuntimeOptions o = RuntimeOptions.forDevice(RuntimeOptions.parseDevice(device))
                .withMaxBatchRows(maxBatchRows).withMaxSequence(maxSequence).withExifOrientation(!ignoreExifOrientation);
        if (dtype != null) {
            o = o.withDtype(switch (dtype.toLowerCase(java.util.Locale.ROOT)) {
                case "float32", "fp32" -> DataType.FLOAT32;
                case "float16", "fp16", "half" -> DataType.FLOAT16;
                default -> throw new IllegalArgumentException("--dtype must be float32 or float16, got " + dtype);
            });
        }
        return o;
    }
}
