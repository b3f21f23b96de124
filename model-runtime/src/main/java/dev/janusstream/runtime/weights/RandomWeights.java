package dev.janusstream.runtime.weights;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Seeded random parameters of whatever shape the model asks for: the in-memory Janus-Pro-1B-shaped
 * benchmark preset and {@code init-model}'s tiny checkpoints. Each tensor is drawn from its own
 * seed (base seed and tensor name), so values do not depend on load order. Norm weights are near
 * 1, biases small, matrices scaled by 1/sqrt(fan_in); output heads get a larger gain so that
 * logits are spread and greedy paths are not trivial.
 */
public final class RandomWeights implements WeightSource {
    private final long seed;
    private final boolean keep;
    private final Map<String, NDArray> kept = new LinkedHashMap<>();

    /** @param keep whether to keep a float32 copy of every tensor for {@link #tensors()} (to write a checkpoint) */
    public RandomWeights(long seed, boolean keep) {
        this.seed = seed;
        this.keep = keep;
    }

    @Override
    public NDArray take(String name, Shape shape, NDManager manager, DataType dtype) {
        // PyTorch's generator is process-global: seed it per tensor so values depend on name only.
        Engine.getInstance().setRandomSeed((int) (seed * 1_000_003L + name.hashCode()));
        NDArray a;
        if (shape.dimension() == 1 && name.endsWith("weight")) {
            a = manager.randomNormal(1f, 0.1f, shape, DataType.FLOAT32);
        } else if (name.endsWith("bias")) {
            a = manager.randomNormal(0f, 0.05f, shape, DataType.FLOAT32);
        } else if (isEmbedding(name)) {
            a = manager.randomNormal(0f, name.endsWith("pos_embed") ? 0.02f : 1f, shape, DataType.FLOAT32);
        } else {
            long fanIn = shape.size() / shape.get(0);
            a = manager.randomNormal(0f, (float) (gain(name) / Math.sqrt(fanIn)), shape, DataType.FLOAT32);
        }
        if (keep) {
            kept.put(name, a);
            return a.toType(dtype, true); // a copy: the model may close what it is given
        }
        if (dtype == DataType.FLOAT32) {
            return a;
        }
        NDArray converted = a.toType(dtype, false);
        a.close();
        return converted;
    }

    private static boolean isEmbedding(String name) {
        return name.endsWith("embed_tokens.weight") || name.endsWith("gen_embed.weight")
                || name.endsWith("quantize.embedding.weight") || name.endsWith("pos_embed");
    }

    private static double gain(String name) {
        if (name.endsWith("lm_head.weight") || name.endsWith("vision_head.weight")) {
            return 4.0;
        }
        if (name.contains("q_proj") || name.contains("k_proj") || name.endsWith("conv_out.weight")) {
            return 2.0;
        }
        return 1.0;
    }

    /** The tensors handed out so far, in order (only when constructed with keep). */
    public Map<String, NDArray> tensors() {
        return Collections.unmodifiableMap(kept);
    }

    @Override
    public void skip(String name) {}

    @Override
    public void skipAll(String prefix) {}

    @Override
    public void checkAllTaken() {}

    @Override
    public void close() {}
}
