package dev.janusstream.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for {@code rows} sequence slots of up to {@code capacity} tokens,
 * allocated once (like gpt-fast's KVCache). A row is a slot index, so rows can join and leave a
 * running batch; each row writes at its own cache index.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final int rows, capacity, width;
    private final NDArray[] keys, values; // per layer [rows, capacity, H*d]
    private final NDArray[] flatKeys, flatValues; // views [rows*capacity, H*d] for scattered writes

    public KvCache(NDManager parent, int layers, int rows, int capacity, int width, DataType dtype) {
        this.manager = parent.newSubManager();
        this.rows = rows;
        this.capacity = capacity;
        this.width = width;
        keys = new NDArray[layers];
        values = new NDArray[layers];
        flatKeys = new NDArray[layers];
        flatValues = new NDArray[layers];
        for (int l = 0; l < layers; l++) {
            // Uninitialised memory: only written cells are ever read (the mask hides the rest).
            keys[l] = manager.create(new Shape(rows, capacity, width), dtype);
            values[l] = manager.create(new Shape(rows, capacity, width), dtype);
            flatKeys[l] = keys[l].reshape(-1, width);
            flatValues[l] = values[l].reshape(-1, width);
        }
    }

    public int rows() {
        return rows;
    }

    public int capacity() {
        return capacity;
    }

    /** Flat cell index of each new token, [B*T], for {@link #write}. */
    public NDArray cellIndex(NDManager m, int[] slots, int[] start, int tokens) {
        long[] idx = new long[slots.length * tokens];
        for (int b = 0; b < slots.length; b++) {
            if (start[b] + tokens > capacity) {
                throw new IllegalStateException("KV cache row " + slots[b] + " is full (" + capacity + " tokens)");
            }
            for (int t = 0; t < tokens; t++) {
                idx[b * tokens + t] = (long) slots[b] * capacity + start[b] + t;
            }
        }
        return m.create(idx);
    }

    /** Stores k, v [B*T, H*d] into the cells {@code cells} of layer {@code layer}, in place. */
    public void write(int layer, NDArray cells, NDArray k, NDArray v) {
        NDIndex at = new NDIndex("{}", cells);
        flatKeys[layer].set(at, k);
        flatValues[layer].set(at, v);
    }

    /**
     * The first {@code length} cells of the given slots: [B, length, H*d] each. A view when the
     * slots are consecutive (the common case), otherwise a gathered copy.
     */
    public NDArray[] read(int layer, int[] slots, int length, NDArray slotIndex) {
        if (consecutive(slots)) {
            NDIndex range = new NDIndex(slots[0] + ":" + (slots[0] + slots.length) + ", :" + length);
            return new NDArray[] {keys[layer].get(range), values[layer].get(range)};
        }
        NDIndex range = new NDIndex(":, :" + length);
        return new NDArray[] {keys[layer].get(new NDIndex("{}", slotIndex)).get(range),
                values[layer].get(new NDIndex("{}", slotIndex)).get(range)};
    }

    static boolean consecutive(int[] slots) {
        for (int i = 1; i < slots.length; i++) {
            if (slots[i] != slots[0] + i) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        manager.close();
    }
}
