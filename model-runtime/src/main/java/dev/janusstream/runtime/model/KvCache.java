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
 *
 * <p>Layout [rows, heads, capacity, headDim]: the first L cells of consecutive slots are then a
 * strided view [B, H, L, d] that batched matmuls read in place, with no copy per step.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final int rows, capacity, heads, headDim;
    private final NDArray[] keys, values; // per layer [rows, H, capacity, d]
    private final NDArray[] flatKeys, flatValues; // views [rows*H*capacity, d] for scattered writes

    public KvCache(NDManager parent, int layers, int rows, int capacity, int heads, int headDim, DataType dtype) {
        this.manager = parent.newSubManager();
        this.rows = rows;
        this.capacity = capacity;
        this.heads = heads;
        this.headDim = headDim;
        keys = new NDArray[layers];
        values = new NDArray[layers];
        flatKeys = new NDArray[layers];
        flatValues = new NDArray[layers];
        for (int l = 0; l < layers; l++) {
            // Zeroed, not just allocated: rows of different lengths read each other's span of cells,
            // masked to probability 0, and 0 x NaN from recycled memory would still be NaN.
            keys[l] = manager.zeros(new Shape(rows, heads, capacity, headDim), dtype);
            values[l] = manager.zeros(new Shape(rows, heads, capacity, headDim), dtype);
            flatKeys[l] = keys[l].reshape(-1, headDim);
            flatValues[l] = values[l].reshape(-1, headDim);
        }
    }

    public int rows() {
        return rows;
    }

    public int capacity() {
        return capacity;
    }

    /** Flat cell of each new (row, token, head), [B*T*H] in that order, for {@link #write}. */
    public NDArray cellIndex(NDManager m, int[] slots, int[] start, int tokens) {
        long[] idx = new long[slots.length * tokens * heads];
        int i = 0;
        for (int b = 0; b < slots.length; b++) {
            if (start[b] + tokens > capacity) {
                throw new IllegalStateException("KV cache row " + slots[b] + " is full (" + capacity + " tokens)");
            }
            for (int t = 0; t < tokens; t++) {
                for (int h = 0; h < heads; h++) {
                    idx[i++] = ((long) slots[b] * heads + h) * capacity + start[b] + t;
                }
            }
        }
        return m.create(idx);
    }

    /** Stores k, v [B*T*H, d] (row, token, head order) into {@code cells} of layer {@code layer}, in place. */
    public void write(int layer, NDArray cells, NDArray k, NDArray v) {
        NDIndex at = new NDIndex("{}", cells);
        flatKeys[layer].set(at, k);
        flatValues[layer].set(at, v);
    }

    /**
     * The first {@code length} cells of the given slots: [B, H, length, d] each. A view when the
     * slots are consecutive (the common case), otherwise a gathered copy.
     */
    public NDArray[] read(int layer, int[] slots, int length, NDArray slotIndex) {
        NDArray k, v;
        if (consecutive(slots)) {
            NDIndex range = new NDIndex(slots[0] + ":" + (slots[0] + slots.length) + ", :, :" + length);
            k = keys[layer].get(range);
            v = values[layer].get(range);
        } else {
            NDIndex range = new NDIndex(":, :, :" + length);
            NDArray allK = keys[layer].get(new NDIndex("{}", slotIndex)); // gathered copies
            NDArray allV = values[layer].get(new NDIndex("{}", slotIndex));
            allK.attach(slotIndex.getManager());
            allV.attach(slotIndex.getManager());
            k = allK.get(range);
            v = allV.get(range);
        }
        // Owned by the step (the manager of slotIndex), not by the cache: freed after the step.
        k.attach(slotIndex.getManager());
        v.attach(slotIndex.getManager());
        return new NDArray[] {k, v};
    }

    /**
     * Copies the first {@code length} cells of slot {@code from} into slot {@code to}, every layer.
     * Moving the last running row into a finished row's slot keeps the running rows in
     * consecutive slots, so attention keeps reading the cache in place.
     */
    public void moveSlot(int from, int to, int length) {
        NDIndex src = new NDIndex(from + ", :, :" + length);
        NDIndex dst = new NDIndex(to + ", :, :" + length);
        for (int l = 0; l < keys.length; l++) {
            keys[l].set(dst, keys[l].get(src));
            values[l].set(dst, values[l].get(src));
        }
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
