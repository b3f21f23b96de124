package dev.janusstream.runtime.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.model.LlamaDecoder;
import java.util.List;

/**
 * A left-padded batch of prompts as the decoder sees it: ids [B, T] and, per row, the slot it
 * occupies and where its real tokens start. Understanding and generation rows are built the
 * same way; only their input embeddings and output heads differ.
 */
public record Rows(long[] ids, int rows, int length, int[] slots, int[] validFrom) {

    public static Rows leftPadded(List<int[]> prompts, int padId) {
        return leftPadded(prompts, padId, 0);
    }

    /** As {@link #leftPadded(List, int)}, the rows taking slots {@code firstSlot, firstSlot + 1, ...}. */
    public static Rows leftPadded(List<int[]> prompts, int padId, int firstSlot) {
        int b = prompts.size();
        int t = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
        long[] ids = new long[b * t];
        int[] slots = new int[b];
        int[] validFrom = new int[b];
        for (int r = 0; r < b; r++) {
            int[] p = prompts.get(r);
            int pad = t - p.length;
            slots[r] = firstSlot + r;
            validFrom[r] = pad;
            for (int i = 0; i < t; i++) {
                ids[r * t + i] = i < pad ? padId : p[i - pad];
            }
        }
        return new Rows(ids, b, t, slots, validFrom);
    }

    public NDArray idArray(NDManager m) {
        return m.create(ids, new Shape(rows, length));
    }

    /** The prefill step: every row writes cells 0..T-1 of its slot. */
    public LlamaDecoder.Step prefill() {
        return new LlamaDecoder.Step(slots, new int[rows], validFrom, length);
    }

    /** Hidden state of every row's last position: [B, T, D] -> [B, D]. */
    public static NDArray last(NDArray hidden) {
        return hidden.get(new NDIndex(":, -1"));
    }

    public static NDArray longs(NDManager m, int[] values) {
        long[] l = new long[values.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = values[i];
        }
        return m.create(l);
    }

    public static NDArray column(NDManager m, int[] values) {
        return longs(m, values).reshape(values.length, 1);
    }
}
