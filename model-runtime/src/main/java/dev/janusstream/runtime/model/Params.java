package dev.janusstream.runtime.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.weights.WeightSource;

/**
 * Hands checkpoint tensors to the blocks that own them: checked against the shape the config
 * implies, converted to the compute dtype, moved to the compute device, and owned by the
 * model's long-lived manager.
 */
public final class Params {
    private final WeightSource checkpoint;
    private final NDManager manager;
    private final DataType dtype;
    private final String prefix;
    private final java.util.concurrent.atomic.AtomicLong bytes; // shared by every view of one load

    public Params(WeightSource checkpoint, NDManager manager, DataType dtype) {
        this(checkpoint, manager, dtype, "", new java.util.concurrent.atomic.AtomicLong());
    }

    private Params(WeightSource checkpoint, NDManager manager, DataType dtype, String prefix,
            java.util.concurrent.atomic.AtomicLong bytes) {
        this.bytes = bytes;
        this.checkpoint = checkpoint;
        this.manager = manager;
        this.dtype = dtype;
        this.prefix = prefix;
    }

    /** A view whose names are relative to {@code prefix + "."}. */
    public Params at(String sub) {
        return new Params(checkpoint, manager, dtype, prefix + sub + ".", bytes);
    }

    /** Bytes of every parameter handed out so far, in the compute dtype. */
    public long bytesLoaded() {
        return bytes.get();
    }

    public DataType dtype() {
        return dtype;
    }

    public NDManager manager() {
        return manager;
    }

    /** The tensor {@code prefix + name}, which must have exactly {@code shape}. */
    public NDArray get(String name, long... shape) {
        String full = prefix + name;
        Device device = manager.getDevice();
        if (device.isGpu()) {
            // Convert on the host in a scratch manager, then keep only the device copy.
            try (NDManager host = NDManager.newBaseManager(Device.cpu())) {
                NDArray onHost = checkpoint.take(full, new Shape(shape), host, DataType.FLOAT32);
                NDArray onDevice = onHost.toType(dtype, false).toDevice(device, true);
                onDevice.attach(manager);
                bytes.addAndGet(onDevice.size() * dtype.getNumOfBytes());
                return onDevice;
            }
        }
        NDArray a = checkpoint.take(full, new Shape(shape), manager, dtype);
        a.setName(full);
        bytes.addAndGet(a.size() * dtype.getNumOfBytes());
        return a;
    }

    /** Marks a tensor that real checkpoints carry but inference never uses. */
    public void skip(String name) {
        checkpoint.skip(prefix + name);
    }

    /** Skips every tensor whose name starts with {@code prefix + namePrefix}. */
    public void skipAll(String namePrefix) {
        checkpoint.skipAll(prefix + namePrefix);
    }
}
