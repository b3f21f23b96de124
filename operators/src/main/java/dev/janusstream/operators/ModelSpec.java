package dev.janusstream.operators;

import ai.djl.Device;
import dev.janusstream.runtime.RuntimeOptions;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Which model a slot serves and how its service batches.
 *
 * @param modelDir        checkpoint directory (on every TaskManager)
 * @param device          "auto" (GPU by subtask index when GPUs exist, else CPU), "cpu", "gpu"
 *                        (GPU by subtask index), or "gpu:N"
 * @param maxBatchSize    most requests (a generation request counts its images) in one model call
 * @param maxBatchWaitMs  how long the first waiting request waits for others to join its batch
 * @param factory         loads the model ({@link ModelBackend#JANUS} in production)
 * @param exifOrientation turn input images upright per their EXIF orientation (default true)
 */
public record ModelSpec(String modelDir, String device, int maxBatchSize, long maxBatchWaitMs,
        ModelBackend.Factory factory, boolean exifOrientation) implements Serializable {

    public ModelSpec(String modelDir, String device, int maxBatchSize, long maxBatchWaitMs, ModelBackend.Factory factory) {
        this(modelDir, device, maxBatchSize, maxBatchWaitMs, factory, true);
    }

    public ModelSpec {
        if (modelDir == null || modelDir.isBlank()) {
            throw new IllegalArgumentException("model directory is required");
        }
        modelDir = Path.of(modelDir).toAbsolutePath().normalize().toString();
        device = device == null ? "auto" : device.trim().toLowerCase(java.util.Locale.ROOT);
        if (!device.equals("auto")) {
            RuntimeOptions.parseDevice(device); // validates
        }
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("max batch size must be >= 1, got " + maxBatchSize);
        }
        if (maxBatchWaitMs < 0) {
            throw new IllegalArgumentException("max batch wait must be >= 0 ms, got " + maxBatchWaitMs);
        }
        factory = factory == null ? ModelBackend.JANUS : factory;
    }

    public static ModelSpec of(String modelDir) {
        return new ModelSpec(modelDir, "auto", 8, 20, ModelBackend.JANUS);
    }

    public ModelSpec withFactory(ModelBackend.Factory f) {
        return new ModelSpec(modelDir, device, maxBatchSize, maxBatchWaitMs, f, exifOrientation);
    }

    public ModelSpec withBatching(int size, Duration wait) {
        return new ModelSpec(modelDir, device, size, wait.toMillis(), factory, exifOrientation);
    }

    /** How to run the model on {@code device}. */
    public RuntimeOptions runtimeOptions(Device device) {
        return RuntimeOptions.forDevice(device).withExifOrientation(exifOrientation);
    }

    /** The device subtask {@code subtaskIndex} uses: GPUs round-robin by subtask index. */
    public Device resolveDevice(int subtaskIndex) {
        return resolveDevice(subtaskIndex, device.equals("cpu") || device.contains(":") ? 0 : gpuCount());
    }

    Device resolveDevice(int subtaskIndex, int gpus) {
        if (device.equals("cpu")) {
            return Device.cpu();
        }
        if (device.contains(":")) {
            return RuntimeOptions.parseDevice(device);
        }
        if (gpus > 0) {
            return Device.gpu(Math.floorMod(subtaskIndex, gpus));
        }
        if (device.equals("gpu")) {
            throw new IllegalStateException("device gpu requested but no CUDA GPU is visible");
        }
        return Device.cpu();
    }

    private static int gpuCount() {
        try {
            return ai.djl.util.cuda.CudaUtils.getGpuCount();
        } catch (Throwable t) {
            return 0;
        }
    }
}
