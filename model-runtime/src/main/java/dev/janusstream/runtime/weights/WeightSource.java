package dev.janusstream.runtime.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Where a model's parameters come from: a checkpoint directory, or random values for presets. */
public interface WeightSource extends AutoCloseable {

    /** The tensor {@code name}, which must have exactly {@code expected} shape, as {@code dtype}. */
    NDArray take(String name, Shape expected, NDManager manager, DataType dtype);

    /** Declares a tensor real checkpoints carry that inference never uses (absent is fine). */
    void skip(String name);

    /** Skips every tensor whose name starts with {@code prefix}. */
    void skipAll(String prefix);

    /** Fails if the source holds tensors nobody took or skipped. */
    void checkAllTaken();

    @Override
    void close();
}
