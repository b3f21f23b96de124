package dev.janusstream.runtime;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * How to run a loaded model. CPU computes in float32 (float16 matmuls are ~100x slower there and
 * DJL's PyTorch engine cannot do bfloat16); CUDA defaults to float16.
 *
 * @param maxBatchRows  most decoder rows in one step (a generated image with CFG takes two)
 * @param maxSequence   most tokens per row (prompt + generated); sizes the KV cache
 * @param maxImagePixels images with more pixels are rejected before their pixels are decoded
 * @param maxParallelImages most images per generation request
 * @param minStepsLeftToJoin requests join a running decode loop only while its rows have at least
 *                      this many steps to go (an image generation, a long answer); otherwise they
 *                      wait for it to end and start the next one together, in bigger groups
 * @param exifOrientation input images are turned upright per their EXIF Orientation tag (true, the
 *                      default: the model sees a photo as its owner's viewer shows it) or used as
 *                      stored (false: what the official code does)
 */
public record RuntimeOptions(Device device, DataType dtype, int maxBatchRows, int maxSequence, long maxImagePixels,
        int maxParallelImages, int minStepsLeftToJoin, boolean exifOrientation) {

    /**
     * System property that lets float16 run on CPU: slow, but it exercises the GPU's numeric path
     * (half-precision weights and activations) on machines without a GPU, for tests.
     */
    public static final String CPU_FLOAT16_PROPERTY = "janus.cpuFloat16";

    static {
        NativeEnvironment.apply(); // before the engine's first tensor: options come first in every caller
    }

    public static RuntimeOptions defaults() {
        return forDevice(Device.cpu());
    }

    public static RuntimeOptions forDevice(Device device) {
        DataType dtype = device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
        return new RuntimeOptions(device, dtype, 32, 4096, 40_000_000L, 16, 32, true);
    }

    public RuntimeOptions {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("dtype must be float32 or float16, got " + dtype);
        }
        if (dtype == DataType.FLOAT16 && !device.isGpu() && !Boolean.getBoolean(CPU_FLOAT16_PROPERTY)) {
            throw new IllegalArgumentException("float16 is only supported on a CUDA device (on CPU it is ~100x slower)");
        }
        if (maxBatchRows < 1 || maxSequence < 8 || maxImagePixels < 1 || maxParallelImages < 1 || minStepsLeftToJoin < 1) {
            throw new IllegalArgumentException("limits must be positive: " + maxBatchRows + ", " + maxSequence);
        }
    }

    public RuntimeOptions withDtype(DataType d) {
        return new RuntimeOptions(device, d, maxBatchRows, maxSequence, maxImagePixels, maxParallelImages, minStepsLeftToJoin, exifOrientation);
    }

    public RuntimeOptions withMaxBatchRows(int rows) {
        return new RuntimeOptions(device, dtype, rows, maxSequence, maxImagePixels, maxParallelImages, minStepsLeftToJoin, exifOrientation);
    }

    public RuntimeOptions withMaxSequence(int len) {
        return new RuntimeOptions(device, dtype, maxBatchRows, len, maxImagePixels, maxParallelImages, minStepsLeftToJoin, exifOrientation);
    }

    public RuntimeOptions withMinStepsLeftToJoin(int steps) {
        return new RuntimeOptions(device, dtype, maxBatchRows, maxSequence, maxImagePixels, maxParallelImages, steps, exifOrientation);
    }

    public RuntimeOptions withExifOrientation(boolean apply) {
        return new RuntimeOptions(device, dtype, maxBatchRows, maxSequence, maxImagePixels, maxParallelImages, minStepsLeftToJoin, apply);
    }

    /** Parses "cpu", "gpu", "gpu:1", "cuda:0". */
    public static Device parseDevice(String s) {
        String d = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (d.equals("cpu")) {
            return Device.cpu();
        }
        if (d.startsWith("gpu") || d.startsWith("cuda")) {
            int colon = d.indexOf(':');
            return Device.gpu(colon < 0 ? 0 : Integer.parseInt(d.substring(colon + 1)));
        }
        throw new IllegalArgumentException("unknown device '" + s + "' (cpu, gpu, gpu:N)");
    }
}
