package dev.janusstream.runtime.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.janusstream.runtime.config.ModelFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The weights of a model directory in any of the published layouts: {@code model.safetensors},
 * sharded safetensors with {@code model.safetensors.index.json}, {@code pytorch_model.bin}, or
 * sharded {@code .bin} with {@code pytorch_model.bin.index.json}.
 *
 * <p>Tensors are taken one by one with an expected shape ({@link #take}); every mismatch names
 * the file and the tensor. {@link #checkAllTaken} then reports tensors nobody asked for.
 */
public final class Checkpoint implements WeightSource {
    private final Path dir;
    private final List<TensorSource> sources;
    private final Map<String, TensorSource> owner = new LinkedHashMap<>();
    private final Set<String> taken = new LinkedHashSet<>();

    private Checkpoint(Path dir, List<TensorSource> sources) {
        this.dir = dir;
        this.sources = sources;
        for (TensorSource s : sources) {
            for (TensorInfo t : s.tensors().values()) {
                TensorSource previous = owner.putIfAbsent(t.name(), s);
                if (previous != null) {
                    throw new CheckpointException("tensor '" + t.name() + "' is stored twice: in "
                            + previous.tensors().get(t.name()).file() + " and in " + t.file());
                }
            }
        }
    }

    /** Opens the weights of a model directory; fails with the file name when none or a broken one is found. */
    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": not a model directory");
        }
        List<TensorSource> sources = new ArrayList<>();
        try {
            if (Files.exists(dir.resolve("model.safetensors.index.json"))) {
                for (Path shard : shardsOf(dir.resolve("model.safetensors.index.json"))) {
                    sources.add(SafetensorsFile.open(shard));
                }
            } else if (Files.exists(dir.resolve("model.safetensors"))) {
                sources.add(SafetensorsFile.open(dir.resolve("model.safetensors")));
            } else if (Files.exists(dir.resolve("pytorch_model.bin.index.json"))) {
                for (Path shard : shardsOf(dir.resolve("pytorch_model.bin.index.json"))) {
                    sources.add(TorchBinFile.open(shard));
                }
            } else if (Files.exists(dir.resolve("pytorch_model.bin"))) {
                sources.add(TorchBinFile.open(dir.resolve("pytorch_model.bin")));
            } else {
                throw new CheckpointException(dir + ": no weights found (expected model.safetensors, "
                        + "model.safetensors.index.json, pytorch_model.bin or pytorch_model.bin.index.json)");
            }
            return new Checkpoint(dir, sources);
        } catch (RuntimeException e) {
            sources.forEach(TensorSource::close);
            throw e;
        }
    }

    /** The distinct shard files named by a HuggingFace index's weight_map, in first-seen order. */
    private static List<Path> shardsOf(Path index) {
        JsonObject json;
        try {
            json = JsonParser.parseString(ModelFiles.readString(index, ModelFiles.MAX_INDEX_BYTES)).getAsJsonObject();
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(e.getMessage(), e); // over the size limit; names the file
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(index + ": cannot read index: " + e.getMessage(), e);
        }
        if (!json.has("weight_map") || !json.get("weight_map").isJsonObject()) {
            throw new CheckpointException(index + ": no weight_map object");
        }
        Map<String, String> firstTensor = new LinkedHashMap<>(); // shard file -> a tensor it should hold
        for (var e : json.getAsJsonObject("weight_map").entrySet()) {
            if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isString()) {
                throw new CheckpointException(index + ": weight_map entry for tensor '" + e.getKey()
                        + "' is not a file name");
            }
            firstTensor.putIfAbsent(e.getValue().getAsString(), e.getKey());
        }
        List<Path> paths = new ArrayList<>();
        for (String f : firstTensor.keySet()) {
            Path p;
            try {
                p = index.getParent().resolve(f).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                throw new CheckpointException(index + ": shard '" + f + "' is not a valid file name", e);
            }
            if (!p.startsWith(index.getParent().normalize())) {
                throw new CheckpointException(index + ": shard '" + f + "' lies outside the model directory");
            }
            if (!Files.exists(p)) {
                throw new CheckpointException(index + ": shard file " + p + " is missing (it should hold tensor '"
                        + firstTensor.get(f) + "' and others)");
            }
            paths.add(p);
        }
        return paths;
    }

    public Path directory() {
        return dir;
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(owner.keySet());
    }

    public boolean contains(String name) {
        return owner.containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorSource s = owner.get(name);
        if (s == null) {
            throw new CheckpointException(dir + ": missing tensor '" + name + "'");
        }
        return s.tensors().get(name);
    }

    /**
     * Loads one tensor, checked against the expected shape, as {@code target} (BF16/F16 widened).
     * Data that needs no conversion is read from the file straight into the new CPU tensor's own
     * memory (no mapping): weights then live in memory libtorch allocated (transparent huge pages,
     * see NativeEnvironment), not in 4 KiB page-cache pages of a file mapping, which made a decode
     * step, a stream over every weight, 2.5 x slower (Janus-Pro-1B shape, batch 1: 863 vs 352 ms).
     */
    @Override
    public NDArray take(String name, Shape expected, NDManager manager, DataType target) {
        TensorInfo info = info(name);
        if (expected != null && !Arrays.equals(expected.getShape(), info.shape())) {
            throw new CheckpointException(info.file() + ": tensor '" + name + "' has shape " + info.shapeString()
                    + " but the config implies " + Arrays.toString(expected.getShape()));
        }
        taken.add(name);
        DataType stored = info.dtype() == DType.BF16 ? null : info.dtype().djlType();
        if (stored != null && (target == null || target == stored) && !manager.getDevice().isGpu()) {
            NDArray out = manager.create(new Shape(info.shape()), stored);
            ByteBuffer view = TensorConversion.writableView(out);
            if (view != null) {
                owner.get(name).readInto(name, view);
                return out;
            }
            out.close();
        }
        ByteBuffer bytes = owner.get(name).bytes(name);
        return TensorConversion.toNDArray(bytes, info, manager, target);
    }

    /** Marks tensors present in real checkpoints but unused at inference, so they are not reported. */
    @Override
    public void skip(String name) {
        taken.add(name);
    }

    @Override
    public void skipAll(String prefix) {
        owner.keySet().stream().filter(n -> n.startsWith(prefix)).forEach(taken::add);
    }

    /** Fails naming every tensor of the checkpoint that the model did not take or skip. */
    @Override
    public void checkAllTaken() {
        Set<String> left = new TreeSet<>(owner.keySet());
        left.removeAll(taken);
        if (!left.isEmpty()) {
            Path firstFile = info(left.iterator().next()).file();
            String list = left.stream().limit(10)
                    .map(n -> "'" + n + "'" + (info(n).file().equals(firstFile) ? "" : " (in " + info(n).file() + ")"))
                    .collect(Collectors.joining(", "));
            throw new CheckpointException(firstFile + ": unexpected tensor" + (left.size() > 1 ? "s " : " ") + list
                    + (left.size() > 10 ? ", ... (" + left.size() + " in all)" : "")
                    + " (not part of the configured architecture)");
        }
    }

    @Override
    public void close() {
        sources.forEach(TensorSource::close);
    }

    /** Little-endian helper for code that needs a tensor on the host (tests, golden data). */
    static ByteBuffer le(ByteBuffer b) {
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }
}
